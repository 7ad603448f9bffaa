"""Pages: "Forgot your password?" (/password-reset) and the link's page (/reset/<token>)."""

from __future__ import annotations

from typing import Any

from flask import flash, make_response, redirect, session, url_for
from flask_login import logout_user

from tribes.extensions import db
from tribes.i18n import _
from tribes.mail import limits, reset, schemas
from tribes.pages import form_page, page_blueprint

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
