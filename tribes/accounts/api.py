"""JSON API: register, log in and out, the session, my profile and sessions."""

from __future__ import annotations

from flask import request, session
from flask_login import current_user, login_user, logout_user
from flask_wtf.csrf import generate_csrf

from tribes.accounts import avatars, limits, schemas, service
from tribes.accounts.models import User, UserSession
from tribes.accounts.schemas import AuthOut, MeOut, SessionOut
from tribes.db import time_id_keyset
from tribes.endpoint import Page, endpoint
from tribes.errors import ApiError, ValidationFailed
from tribes.extensions import client_address, db
from tribes.http import api_blueprint, csrf_exempt, public, takes_upload
from tribes.i18n import _, browser_locale
from tribes.paging import keyset_page

bp = api_blueprint("accounts_api", __name__)


def begin_login(user: User) -> AuthOut:
    """Start a fresh session for the user (new cookie, new server-side session; flushed).

    A session already open in this browser ends, so an old copy of its cookie dies. The
    caller's one commit writes it.
    """
    previous = getattr(current_user, "session_id", None) if current_user.is_authenticated else None
    if previous is not None:
        service.end_sessions(db.session, current_user.id, only=[previous], reason="relogin")
    logout_user()
    session.clear()
    service.start_session(
        db.session, user, ip=client_address(), user_agent=request.headers.get("User-Agent")
    )
    login_user(user)
    session.permanent = True
    limits.remember_device(user.id)
    return AuthOut(user=MeOut.of(user), csrf_token=generate_csrf())


def end_login() -> None:
    """End the current session server-side (flushed) and clear the cookie."""
    sid = getattr(current_user, "session_id", None)
    if current_user.is_authenticated and sid is not None:
        service.end_sessions(db.session, current_user.id, only=[sid], reason="logout")
    logout_user()
    session.clear()


@bp.post("/auth/register")
@public
@csrf_exempt
@limits.registration_per_address
@endpoint(AuthOut, status=201, body=schemas.RegisterIn)
def register(data: schemas.RegisterIn) -> AuthOut:
    """Create an account and log it in; with `invite_token`, join the invite's tribe in the same
    step (the one way in while the site is invite-only)."""
    if data.invite_token is not None:
        from tribes.groups.signup import register_through_invite

        user, _member, _tribe = register_through_invite(
            db.session, data.invite_token, data.email, data.password, data.display_name,
            locale=browser_locale(), timezone="UTC",
        )
    else:
        user = service.register(db.session, data.email, data.password, data.display_name, locale=browser_locale())
    return begin_login(user)


def invite_is_usable(token: str | None) -> bool:
    """Whether `token` is a tribe invite that a new account could accept now."""
    if not token:
        return False
    from tribes.errors import NotFound
    from tribes.groups.invites import preview_invite

    try:
        preview_invite(db.session, token, None)
    except NotFound:
        return False
    return True


@bp.post("/auth/login")
@public
@csrf_exempt
@limits.login_limits
@endpoint(AuthOut, body=schemas.LoginIn)
def login(data: schemas.LoginIn) -> AuthOut:
    """Log in with e-mail and password; a fresh session every time."""
    user = service.authenticate(db.session, data.email, data.password)
    if user is None:
        raise ApiError(_("Wrong e-mail or password."), status=401, code="invalid_credentials")
    return begin_login(user)


@bp.post("/auth/logout")
@endpoint(status=204)
def logout() -> None:
    """End this session; its sockets are disconnected."""
    end_login()


@bp.get("/auth/session")
@public
@endpoint(AuthOut)
def current_session() -> AuthOut:
    """Who is logged in, and a CSRF token."""
    user = MeOut.of(current_user) if current_user.is_authenticated else None
    return AuthOut(user=user, csrf_token=generate_csrf())


@bp.get("/me")
@endpoint(MeOut)
def get_me() -> MeOut:
    """My own profile."""
    return MeOut.of(current_user)


@bp.patch("/me")
@endpoint(MeOut, body=schemas.ProfilePatch)
def patch_me(data: schemas.ProfilePatch) -> MeOut:
    """Change display name, bio, avatar, profile visibility or time zone."""
    user = current_user._get_current_object()
    service.update_profile(db.session, user, data.model_dump(exclude_unset=True))
    return MeOut.of(user)


@bp.url_value_preprocessor
def _allow_upload(endpoint: str | None, values: dict[str, object] | None) -> None:
    """The avatar upload may be larger than MAX_CONTENT_LENGTH (tribes.wsgi lets it through)."""
    if endpoint == "accounts_api.put_avatar":
        request.max_content_length = avatars.MAX_BODY


def uploaded_picture() -> bytes:
    """The bytes of the uploaded `file` field (at most MAX_BYTES + 1 are read)."""
    upload = request.files.get("file")
    if upload is None:
        raise ValidationFailed({"file": _("Choose a picture to upload.")})
    return upload.stream.read(avatars.MAX_BYTES + 1)


@bp.put("/me/avatar")
@takes_upload
@endpoint(MeOut)
def put_avatar() -> MeOut:
    """Upload my avatar (multipart `file`): re-encoded, metadata stripped, at most 512×512."""
    user = current_user._get_current_object()
    avatars.store_avatar(db.session, user, uploaded_picture())
    return MeOut.of(user)


@bp.delete("/me/avatar")
@endpoint(status=204)
def delete_avatar() -> None:
    """Remove my avatar."""
    avatars.forget_avatar(db.session, current_user._get_current_object())


@bp.post("/me/password")
@limits.password_checked
@endpoint(status=204, body=schemas.PasswordChangeIn)
def change_password(data: schemas.PasswordChangeIn) -> None:
    """Change my password; every other session ends."""
    service.change_password(
        db.session,
        current_user,
        data.current_password,
        data.new_password,
        keep_session=current_user.session_id,
    )


@bp.get("/me/sessions")
@endpoint(Page[SessionOut], paged=True)
def my_sessions() -> Page[SessionOut]:
    """My live sessions, newest first."""
    rows, cursor = keyset_page(
        db.session, service.sessions_query(current_user.id), descending=True,
        **time_id_keyset(UserSession.created_at, UserSession.id),
    )
    return Page(items=[SessionOut.mine(s, current_user.session_id) for s in rows], next_cursor=cursor)


@bp.delete("/me/sessions")
@endpoint(status=204)
def end_other_sessions() -> None:
    """Log out everywhere else: every other session ends and the calendar feed URL stops working."""
    service.end_sessions_everywhere(
        db.session, current_user.id, keep=current_user.session_id, reason="logout_everywhere"
    )


@bp.delete("/me/sessions/<int:session_id>")
@endpoint(status=204)
def revoke_session(session_id: int) -> None:
    """End one of my sessions (its cookie stops working, its sockets drop)."""
    service.revoke_session(db.session, current_user, session_id)
    if session_id == current_user.session_id:
        logout_user()
        session.clear()
