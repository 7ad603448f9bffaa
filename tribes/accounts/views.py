"""HTML pages: register, log in, log out; the account sections of the settings page (picture,
language and time zone, password, sessions) and the avatar files."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import (
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_from_directory,
    session,
    url_for,
)
from flask_login import current_user, login_required, logout_user
from pydantic import ValidationError

from tribes.accounts import avatars, devices, limits, schemas, service, site
from tribes.accounts.api import begin_login, end_login, uploaded_picture
from tribes.accounts.models import UserSession
from tribes.db import time_id_keyset
from tribes.errors import ApiError, ValidationFailed, pydantic_fields
from tribes.extensions import db
from tribes.i18n import _, browser_locale
from tribes.pages import form_page, local_path, page_blueprint, settings_section_context
from tribes.paging import keyset_page
from tribes.wsgi import UPLOAD_REFUSED

bp = page_blueprint("accounts_pages", __name__)

REGISTER_FIELDS = ("email", "password", "display_name")


def safe_next(default: str) -> str:
    """The `next` target (query or form) if it is a path on this site, else the default."""
    return local_path(request.values.get("next")) or default


def log_in(user: Any) -> None:
    """Start a fresh server-side session for the user (ends this browser's previous one);
    the request's one commit stores it."""
    begin_login(user)


def register_from_form(create: Callable[..., Any] | None = None) -> tuple[Any, dict[str, str]]:
    """Validate the registration fields of the posted form and create the user (flushed) with
    `create(data, locale=, timezone=)` (default: a plain registration).

    Returns (user, {}) or (None, field errors); used by the invite landing page (so the
    account comes with a valid invite: an invite-only site lets it in, a closed one does not).
    """
    try:
        data = schemas.RegisterIn.model_validate({k: request.form.get(k, "") for k in REGISTER_FIELDS})
        make = create or (lambda d, **kw: service.register(
            db.session, d.email, d.password, d.display_name, invited=True, **kw))
        user = make(data, locale=browser_locale(), timezone=schemas.browser_timezone(request.form.get("timezone")))
    except ValidationError as exc:
        return None, pydantic_fields(exc)
    except ApiError as exc:
        db.session.rollback()
        return None, exc.fields or {"email": exc.message}
    return user, {}


def _register(data: schemas.RegisterIn) -> None:
    """Create the account and log it in (flushed; the request's one commit stores both)."""
    begin_login(service.register(
        db.session, data.email, data.password, data.display_name, locale=browser_locale(),
        timezone=schemas.browser_timezone(request.form.get("timezone")),
    ))


def _welcome(_result: None) -> Any:
    flash(_("Welcome to Tribes."), "success")
    return redirect(safe_next(url_for("groups_pages.my_tribes")))


@bp.route("/register", methods=["GET", "POST"])
@limits.registration_per_address
def register() -> Any:
    """Create an account (when the site's registration is open; else say how to get in)."""
    mode = site.current(db.session).registration
    if mode != "open":
        return render_template("accounts/register.html", closed=mode), 200 if request.method == "GET" else 403
    return form_page(
        "accounts/register.html", schemas.RegisterIn, _register, _welcome,
        fields=REGISTER_FIELDS, error_field="email",
    )


@bp.route("/login", methods=["GET", "POST"])
@limits.login_limits
def login() -> Any:
    """Log in with e-mail and password."""
    if request.method == "POST":
        email = request.form.get("email", "")[:320]
        password = request.form.get("password", "")[:1024]
        try:
            user = service.authenticate(db.session, email, password)
        except service.Suspended as exc:
            flash(exc.message, "error")
            return render_template("accounts/login.html", form={"email": email}), 403
        if user is not None:
            begin_login(user)
            return redirect(safe_next(url_for("groups_pages.my_tribes")))
        flash(_("Wrong e-mail or password."), "error")
        return render_template("accounts/login.html", form={"email": email}), 401
    if current_user.is_authenticated:
        return redirect(safe_next(url_for("groups_pages.my_tribes")))
    return render_template("accounts/login.html", form={})


@bp.post("/logout")
def logout() -> Any:
    """Log out: the server-side session ends."""
    end_login()
    flash(_("You are logged out."), "success")
    return redirect(url_for("accounts_pages.login"))


# ---------------------------------------------------------------- settings: account sections

#: how many sessions one page of the settings page lists (last seen first; `?sessions_cursor=` pages on)
SESSIONS_SHOWN = 50


def settings_context(user: Any) -> dict[str, Any]:
    """What the account sections of the settings page show: a page of sessions (and the link
    to the next one), zones, languages."""
    cursor = request.args.get("sessions_cursor") or None
    rows, next_cursor = keyset_page(
        db.session, service.sessions_query(user.id), descending=True, limit=SESSIONS_SHOWN, cursor=cursor,
        **time_id_keyset(UserSession.last_seen_at, UserSession.id),
    )
    return {
        "sessions": rows,
        "sessions_more": url_for("privacy_pages.settings", sessions_cursor=next_cursor) + "#sessions"
        if next_cursor else None,
        #: "log out everywhere else" is offered when any other session is live (a later page has one)
        "other_sessions": len(rows) > 1 or next_cursor is not None or cursor is not None,
        "device_name": devices.device_name,
        "this_session": getattr(user, "session_id", None),
        "timezones": sorted(schemas.timezone_names()),
        "languages": [("de", "Deutsch"), ("en", "English")],
        "my_avatar": user.avatar_url if avatars.file_for(user.avatar_url) else None,
    }


def render_settings(errors: dict[str, str], status: int) -> Any:
    """The settings page with field errors (after a failed form of one of its sections)."""
    return render_template(
        "privacy/settings.html", errors=errors, form=request.form,
        **settings_section_context(current_user), **settings_context(current_user),
    ), status


def _back_to(anchor: str) -> Any:
    return redirect(url_for("privacy_pages.settings") + "#" + anchor)


def _settings_context() -> dict[str, Any]:
    return {**settings_section_context(current_user), **settings_context(current_user)}


@bp.url_value_preprocessor
def _allow_upload(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """The avatar upload may be larger than MAX_CONTENT_LENGTH (tribes.wsgi lets it through)."""
    if endpoint == "accounts_pages.avatar_upload":
        request.max_content_length = avatars.MAX_BODY


@bp.route("/settings/avatar", methods=["GET", "POST"])
@login_required
def avatar_upload() -> Any:
    """Upload a new profile picture (re-encoded, metadata removed) or remove it."""
    if request.environ.get(UPLOAD_REFUSED):
        flash(_("Please correct the marked fields."), "error")
        return render_settings({"file": _("The picture is larger than 5 MB. Choose a smaller one.")}, 413)
    if request.method == "GET":
        return _back_to("picture")
    user = current_user._get_current_object()
    try:
        if request.form.get("remove"):
            avatars.forget_avatar(db.session, user)
            flash(_("Your picture was removed."), "success")
        else:
            avatars.store_avatar(db.session, user, uploaded_picture())
            flash(_("Your new picture is saved."), "success")
    except ValidationFailed as exc:
        db.session.rollback()
        flash(_("Please correct the marked fields."), "error")
        return render_settings(exc.fields or {"file": exc.message}, 422)
    return _back_to("picture")


@bp.get("/avatars/<name>")
@login_required
def avatar(name: str) -> Any:
    """A stored avatar: always WebP, never sniffed, cached for long (its name never changes)."""
    if not avatars.NAME_RE.match(name):
        abort(404)
    response = send_from_directory(avatars.avatar_dir(), name, mimetype="image/webp", max_age=AVATAR_MAX_AGE)
    response.headers["Content-Type"] = "image/webp"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = f"private, max-age={AVATAR_MAX_AGE}, immutable"
    return response


#: avatars are cached for a year: a new picture gets a new name
AVATAR_MAX_AGE = 365 * 24 * 3600


def _password_changed(_result: Any) -> Any:
    flash(_("Your password is changed. Every other session has ended."), "success")
    return _back_to("password")


@bp.route("/settings/password", methods=["POST"])
@login_required
@limits.wrong_password_per_account
def change_password() -> Any:
    """Change my password (current and new); every other session ends."""

    def run(data: schemas.PasswordChangeIn) -> None:
        try:
            service.change_password(db.session, current_user, data.current_password, data.new_password,
                                    keep_session=current_user.session_id)
        except ApiError as exc:
            if exc.code == "invalid_password":
                limits.note_wrong_password()
                raise ValidationFailed({"current_password": _("The current password is wrong.")}) from exc
            raise

    return form_page("privacy/settings.html", schemas.PasswordChangeIn, run, _password_changed,
                     fields=("current_password", "new_password"), context=_settings_context)


@bp.post("/settings/sessions/<int:session_id>/revoke")
@login_required
def revoke_session(session_id: int) -> Any:
    """End one of my sessions (this one logs me out)."""
    mine = session_id == current_user.session_id
    service.revoke_session(db.session, current_user, session_id)
    if mine:
        logout_user()
        session.clear()
        flash(_("You are logged out."), "success")
        return redirect(url_for("accounts_pages.login"))
    flash(_("The session has ended."), "success")
    return _back_to("sessions")


@bp.post("/settings/sessions/end-others")
@login_required
def end_other_sessions() -> Any:
    """Log out everywhere else (the calendar feed address changes too)."""
    ended = service.end_sessions_everywhere(
        db.session, current_user.id, keep=current_user.session_id, reason="logout_everywhere"
    )
    flash(_("Logged out everywhere else (%(count)s sessions ended).", count=len(ended)), "success")
    return _back_to("sessions")


def _preferences_saved(_result: Any) -> Any:
    flash(_("Language and time zone saved."), "success")
    return _back_to("preferences")


@bp.route("/settings/preferences", methods=["POST"])
@login_required
def preferences() -> Any:
    """My language and time zone."""
    return form_page(
        "privacy/settings.html", schemas.PreferencesIn,
        lambda data: service.update_profile(db.session, current_user, data.model_dump()),
        _preferences_saved, fields=("timezone", "locale"), context=_settings_context,
    )
