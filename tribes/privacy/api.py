"""JSON API: my data export and deleting my account."""

from __future__ import annotations

import json
from typing import Any

from flask import Response, session
from flask_login import current_user, logout_user

from tribes.accounts import limits
from tribes.extensions import db
from tribes.http import api_blueprint, body, parse
from tribes.privacy import schemas, service

bp = api_blueprint("privacy_api", __name__)


def export_response(user: Any) -> Response:
    """The export as a JSON download (Content-Disposition: attachment)."""
    document = service.export_user(db.session, user)
    response = Response(
        json.dumps(document, ensure_ascii=False, indent=2, default=str),
        mimetype="application/json",
    )
    response.headers["Content-Disposition"] = f'attachment; filename="tribes-export-{user.id}.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/me/export")
def export() -> Any:
    """Everything stored about me, as a JSON download."""
    return export_response(current_user._get_current_object())


@bp.delete("/me")
@body(schemas.DeleteAccountIn)
@limits.password_checked
def delete_me() -> Any:
    """Delete my account (password required); sessions and sockets end at once."""
    data = parse(schemas.DeleteAccountIn)
    user = current_user._get_current_object()
    service.delete_account(db.session, user, data.password, erase_messages=data.erase_messages)
    db.session.commit()
    logout_user()
    session.clear()
    return "", 204
