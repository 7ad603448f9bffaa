"""HTML pages: settings (profile, data download, account deletion; features add sections)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, logout_user

from tribes.accounts import limits
from tribes.accounts import schemas as account_schemas
from tribes.accounts import service as accounts
from tribes.accounts import views as account_pages
from tribes.errors import ApiError
from tribes.extensions import db
from tribes.i18n import _
from tribes.pages import form_page, settings_section_context
from tribes.privacy import service
from tribes.privacy.api import export_response

bp = Blueprint("privacy_pages", __name__)

PROFILE_FIELDS = ("display_name", "bio", "profile_visibility")


def _saved(_result: Any) -> Any:
    flash(_("Profile saved."), "success")
    return redirect(url_for("privacy_pages.settings"))


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings() -> Any:
    """My settings: profile, picture, language and time zone, password, sessions; export; delete."""
    return form_page(
        "privacy/settings.html",
        account_schemas.ProfilePatch,
        lambda data: accounts.update_profile(db.session, current_user, data.model_dump(exclude_unset=True)),
        _saved,
        fields=PROFILE_FIELDS,
        context=lambda: {**settings_section_context(current_user), **account_pages.settings_context(current_user)},
    )


@bp.get("/settings/export")
@login_required
def download() -> Any:
    """Download my data (the same document as `GET /api/v1/me/export`)."""
    return export_response(current_user._get_current_object())


@bp.post("/settings/delete")
@login_required
@limits.wrong_password_per_account
def delete_account() -> Any:
    """Delete my account after confirming the password."""
    try:
        service.delete_account(
            db.session,
            current_user._get_current_object(),
            request.form.get("password", ""),
            erase_messages=bool(request.form.get("erase_messages")),
        )
    except ApiError as exc:
        db.session.rollback()
        errors = {}
        message = exc.message
        if exc.code == "invalid_password":
            limits.note_wrong_password()
            message = _("The password is wrong.")
            errors = {"password": message}
        elif exc.code == "sole_owner":
            message = _("You are the only owner of a tribe with other members; hand ownership over first.")
        flash(message, "error")
        return render_template("privacy/settings.html", errors=errors, form={},
                               **settings_section_context(current_user),
                               **account_pages.settings_context(current_user)), exc.status
    logout_user()
    session.clear()
    flash(_("Your account was deleted."), "success")
    return redirect(url_for("accounts_pages.login"))
