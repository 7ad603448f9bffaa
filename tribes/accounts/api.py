"""JSON API: register, log in and out, the session, my profile and sessions."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request, session
from flask_login import current_user, login_user, logout_user
from flask_wtf.csrf import generate_csrf

from tribes.accounts import limits, schemas, service
from tribes.accounts.models import User
from tribes.errors import ApiError
from tribes.extensions import client_address, db
from tribes.http import api_blueprint, body, csrf_exempt, parse, public

bp = api_blueprint("accounts_api", __name__)


def begin_login(user: User) -> dict[str, Any]:
    """Start a fresh session for the user (new cookie, new server-side session).

    A session already open in this browser ends, so an old copy of its cookie dies.
    """
    previous = getattr(current_user, "session_id", None) if current_user.is_authenticated else None
    if previous is not None:
        service.end_sessions(db.session, current_user.id, only=[previous], reason="relogin")
    logout_user()
    session.clear()
    service.start_session(
        db.session, user, ip=client_address(), user_agent=request.headers.get("User-Agent")
    )
    db.session.commit()
    login_user(user)
    session.permanent = True
    limits.remember_device(user.id)
    return {"user": service.me(user), "csrf_token": generate_csrf()}


def end_login() -> None:
    """End the current session server-side and clear the cookie."""
    sid = getattr(current_user, "session_id", None)
    if current_user.is_authenticated and sid is not None:
        service.end_sessions(db.session, current_user.id, only=[sid], reason="logout")
        db.session.commit()
    logout_user()
    session.clear()


@bp.post("/auth/register")
@public
@csrf_exempt
@body(schemas.RegisterIn)
@limits.registration_per_address
def register() -> Any:
    """Create an account and log it in."""
    data = parse(schemas.RegisterIn)
    user = service.register(db.session, data.email, data.password, data.display_name)
    db.session.commit()
    return jsonify(begin_login(user)), 201


@bp.post("/auth/login")
@public
@csrf_exempt
@body(schemas.LoginIn)
@limits.login_limits
def login() -> Any:
    """Log in with e-mail and password; a fresh session every time."""
    data = parse(schemas.LoginIn)
    user = service.authenticate(db.session, data.email, data.password)
    if user is None:
        raise ApiError("Wrong e-mail or password.", status=401, code="invalid_credentials")
    return jsonify(begin_login(user))


@bp.post("/auth/logout")
def logout() -> Any:
    """End this session; its sockets are disconnected."""
    end_login()
    return "", 204


@bp.get("/auth/session")
@public
def current_session() -> Any:
    """Who is logged in, and a CSRF token."""
    user = service.me(current_user) if current_user.is_authenticated else None
    return jsonify({"user": user, "csrf_token": generate_csrf()})


@bp.get("/me")
def get_me() -> Any:
    """My own profile."""
    return jsonify(service.me(current_user))


@bp.patch("/me")
@body(schemas.ProfilePatch)
def patch_me() -> Any:
    """Change display name, bio, avatar, profile visibility or time zone."""
    data = parse(schemas.ProfilePatch)
    user = current_user._get_current_object()
    service.update_profile(db.session, user, data.model_dump(exclude_unset=True))
    db.session.commit()
    return jsonify(service.me(user))


@bp.post("/me/password")
@body(schemas.PasswordChangeIn)
@limits.password_checked
def change_password() -> Any:
    """Change my password; every other session ends."""
    data = parse(schemas.PasswordChangeIn)
    service.change_password(
        db.session,
        current_user,
        data.current_password,
        data.new_password,
        keep_session=current_user.session_id,
    )
    db.session.commit()
    return "", 204


@bp.get("/me/sessions")
def my_sessions() -> Any:
    """My live sessions."""
    items = [
        {
            "id": s.id,
            "created_at": s.created_at.isoformat(),
            "last_seen_at": s.last_seen_at.isoformat(),
            "ip": s.ip,
            "user_agent": s.user_agent,
            "current": s.id == current_user.session_id,
        }
        for s in service.list_sessions(db.session, current_user)
    ]
    return jsonify({"items": items, "next_cursor": None})


@bp.delete("/me/sessions")
def end_other_sessions() -> Any:
    """Log out everywhere else: every other session ends and the calendar feed URL stops working."""
    service.end_sessions_everywhere(
        db.session, current_user.id, keep=current_user.session_id, reason="logout_everywhere"
    )
    db.session.commit()
    return "", 204


@bp.delete("/me/sessions/<int:session_id>")
def revoke_session(session_id: int) -> Any:
    """End one of my sessions (its cookie stops working, its sockets drop)."""
    service.revoke_session(db.session, current_user, session_id)
    db.session.commit()
    if session_id == current_user.session_id:
        logout_user()
        session.clear()
    return "", 204
