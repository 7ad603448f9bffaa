"""JSON API: my notifications, newest first, and marking them read."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask_login import current_user

from tribes.db import time_id_keyset
from tribes.extensions import db
from tribes.http import api_blueprint, body, keyset_page, page, parse
from tribes.notifications import schemas, service
from tribes.notifications.models import Notification

bp = api_blueprint("notifications_api", __name__)


@bp.get("/notifications")
def list_notifications() -> Any:
    """My notifications, newest first; `?unread=1` for unread ones only."""
    unread = request.args.get("unread", "").lower() in {"1", "true", "yes"}
    stmt = service.list_query(current_user.id, unread_only=unread)
    rows, cursor = keyset_page(db.session, stmt, descending=True,
                              **time_id_keyset(Notification.created_at, Notification.id))
    return jsonify(page([service.serialise(n) for n in rows], cursor))


@bp.post("/notifications/read")
@body(schemas.MarkReadIn)
def mark_read() -> Any:
    """Mark `ids` (or `all`) read → 200 `{updated, unread}`; others' ids are ignored."""
    data = parse(schemas.MarkReadIn)
    updated = service.mark_read(db.session, current_user.id, data.ids, all_=data.all)
    db.session.commit()
    return jsonify({"updated": updated, "unread": service.unread_count(db.session, current_user.id)})
