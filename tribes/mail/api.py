"""JSON API: password reset by mail; confirming an address, and changing it."""

from __future__ import annotations

from flask_login import current_user

from tribes.accounts.limits import password_checked
from tribes.endpoint import endpoint
from tribes.extensions import db
from tribes.http import api_blueprint, csrf_exempt, public
from tribes.mail import limits, reset, schemas, verification

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


@bp.post("/auth/verify-email")
@public
@csrf_exempt
@endpoint(status=204, body=schemas.VerifyEmailIn)
def verify_email(data: schemas.VerifyEmailIn) -> None:
    """Confirm an address with a mailed link's token (for an address change: the account moves)."""
    verification.confirm(db.session, data.token)


@bp.post("/me/email/verification")
@limits.verification_per_account
@endpoint(schemas.Accepted, status=202)
def resend_verification() -> schemas.Accepted:
    """Mail the confirmation link again (nothing when the address is verified already)."""
    verification.send_verification(db.session, current_user._get_current_object())
    return schemas.Accepted()


@bp.post("/me/email")
@limits.verification_per_account
@password_checked
@endpoint(schemas.Accepted, status=202, body=schemas.EmailChangeIn)
def change_email(data: schemas.EmailChangeIn) -> schemas.Accepted:
    """Ask to move the account to a new address: a link goes there; `email` stays until it is followed."""
    verification.request_address_change(db.session, current_user._get_current_object(), data.new_email, data.password)
    return schemas.Accepted()
