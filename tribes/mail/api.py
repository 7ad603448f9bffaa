"""JSON API: password reset by mail."""

from __future__ import annotations

from tribes.endpoint import endpoint
from tribes.extensions import db
from tribes.http import api_blueprint, csrf_exempt, public
from tribes.mail import limits, reset, schemas

bp = api_blueprint("mail_api", __name__)


@bp.post("/auth/password-reset")
@public
@csrf_exempt
@limits.reset_limits
@endpoint(schemas.Accepted, status=202, body=schemas.PasswordResetIn)
def request_password_reset(data: schemas.PasswordResetIn) -> schemas.Accepted:
    """Mail a reset link to the address if it has an account; the same answer either way."""
    reset.request_reset(db.session, data.email)
    return schemas.Accepted()


@bp.post("/auth/password-reset/confirm")
@public
@csrf_exempt
@endpoint(status=204, body=schemas.PasswordResetConfirmIn)
def confirm_password_reset(data: schemas.PasswordResetConfirmIn) -> None:
    """Set a new password with a reset link's token; every session of the account ends."""
    reset.confirm_reset(db.session, data.token, data.new_password)
