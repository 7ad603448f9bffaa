"""Pages: "Forgot your password?" (/password-reset) and the link's page (/reset/<token>); the
address confirmation page (/verify/<token>) and the settings forms to resend it or change the address."""

from __future__ import annotations

from typing import Any

from flask import flash, make_response, redirect, request, session, url_for
from flask_login import current_user, login_required, logout_user

from tribes.accounts import limits as account_limits
from tribes.errors import ApiError, ValidationFailed
from tribes.extensions import db
from tribes.i18n import _
from tribes.mail import limits, reset, schemas, verification
from tribes.pages import form_action, form_page, page_blueprint

bp = page_blueprint("mail_pages", __name__)


def _sent(_result: None) -> Any:
    flash(_("If an account uses this address, a link to choose a new password is on its way. "
            "Check your inbox."), "success")
    return redirect(url_for("accounts_pages.login"))


@bp.route("/password-reset", methods=["GET", "POST"])
@limits.reset_limits
def password_reset() -> Any:
    """Ask for a reset link by e-mail address."""
    return form_page(
        "mail/password_reset.html", schemas.PasswordResetIn,
        lambda data: reset.request_reset(db.session, data.email), _sent, fields=("email",), error_field="email",
    )


def _changed(_user: Any) -> Any:
    logout_user()
    session.clear()
    flash(_("Your password is changed and every session has ended. Log in with your new password."), "success")
    return redirect(url_for("accounts_pages.login"))


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> Any:
    """Choose a new password with the link from the mail (GET changes nothing)."""
    token = token[:200]
    answer = form_page(
        "mail/reset.html", schemas.NewPasswordIn,
        lambda data: reset.confirm_reset(db.session, token, data.new_password), _changed,
        fields=("new_password",), error_field="token",
        context=lambda: {"valid": reset.token_valid(db.session, token)},
    )
    response = make_response(answer)
    response.headers["Referrer-Policy"] = "no-referrer"  # the token stays out of other sites' logs
    return response


# ---------------------------------------------------------------- confirming and changing the address


def _confirmed(user: Any) -> Any:
    flash(_("Thank you: %(address)s is confirmed as your e-mail address.", address=user.email), "success")
    if current_user.is_authenticated:
        return redirect(url_for("privacy_pages.settings") + "#email-address")
    return redirect(url_for("accounts_pages.login"))


@bp.route("/verify/<token>", methods=["GET", "POST"])
def verify_address(token: str) -> Any:
    """Confirm an address with the mailed link: GET shows one button (mail scanners prefetch
    links, so GET changes nothing), POST confirms."""
    token = token[:200]
    answer = form_page(
        "mail/verify.html", schemas.VerifyEmailIn,
        lambda data: verification.confirm(db.session, data.token), _confirmed,
        values=lambda: {"token": token}, error_field="token",
        context=lambda: {"link": verification.pending(db.session, token)},
    )
    response = make_response(answer)
    response.headers["Referrer-Policy"] = "no-referrer"  # the token stays out of other sites' logs
    return response


def settings_section_context(user: Any) -> dict[str, Any]:
    """The "E-mail address" section: where a pending change waits for its link to be followed."""
    return {"address_change": verification.pending_change(db.session, user.id)}


def _settings_context() -> dict[str, Any]:
    from tribes.accounts.views import settings_context
    from tribes.pages import settings_section_context as sections

    return {**sections(current_user), **settings_context(current_user)}


@bp.post("/settings/address/verification")
@login_required
@limits.verification_per_account
def resend_verification() -> Any:
    """Mail the confirmation link again (from the settings section or the banner); back to the section."""
    return form_action(url_for("privacy_pages.settings") + "#email-address", _("A new confirmation link is on its way to %(address)s.", address=current_user.email),
                       lambda: verification.send_verification(db.session, current_user._get_current_object()))


def _change_requested(_result: None) -> Any:
    flash(_("We sent a link to the new address. Your address changes when you follow it; until then "
            "everything stays as it is."), "success")
    return redirect(url_for("privacy_pages.settings") + "#email-address")


@bp.post("/settings/address")
@login_required
@limits.verification_per_account
@account_limits.wrong_password_per_account
def change_address() -> Any:
    """Ask to move the account to a new address (new address and current password)."""

    def run(data: schemas.EmailChangeIn) -> None:
        try:
            verification.request_address_change(db.session, current_user._get_current_object(),
                                                data.new_email, data.password)
        except ApiError as exc:
            if exc.code == "invalid_password":
                account_limits.note_wrong_password()
                raise ValidationFailed({"email_password": _("The current password is wrong.")}) from exc
            raise

    return form_page(
        "privacy/settings.html", schemas.EmailChangeIn, run, _change_requested,
        values=lambda: {"new_email": request.form.get("new_email", ""), "password": request.form.get("email_password", "")},
        error_field="new_email", context=_settings_context,
    )
