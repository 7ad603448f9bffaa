"""Accounts and server-side sessions: register, log in, end sessions, profile."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import Select, bindparam, delete, select, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, make_transient_to_detached

from tribes import events
from tribes.accounts import passwords, site
from tribes.accounts.models import User, UserSession
from tribes.accounts.schemas import card  # noqa: F401  (other features still import it from here)
from tribes.db import DirectSelect, utcnow
from tribes.errors import ApiError, ValidationFailed
from tribes.i18n import _

#: how often last_seen_at of a session is refreshed
LAST_SEEN_RESOLUTION = timedelta(minutes=5)


def token_hash(raw: str) -> str:
    """SHA-256 hex of a secret token (only this is stored)."""
    return hashlib.sha256(raw.encode()).hexdigest()


def normalise_email(email: str) -> str:
    """E-mail addresses are compared case-insensitively."""
    return email.strip().lower()


def register(
    session: Session, email: str, password: str, display_name: str, *, locale: str = "en",
    timezone: str = "UTC", email_verified: bool = False, invited: bool = False,
) -> User:
    """Create an account (in the language and time zone its browser gave); a taken e-mail is
    a field error like any other. The site's registration mode may refuse it (403); `invited`
    says a valid invite came with it (needed when the site is invite-only). `email_verified`
    when the address is already proven (a mailed invite's link was followed); otherwise a
    verification link is mailed."""
    site.check_registration(session, invited=invited)
    email = normalise_email(email)
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise ValidationFailed({"email": _("This e-mail address cannot be used.")})
    user = User(
        email=email,
        password_hash=passwords.hash_password(password),
        display_name=display_name,
        bio="",
        profile_visibility="tribes",
        timezone=timezone,
        locale=locale,
        created_at=utcnow(),
        email_verified=email_verified,
    )
    try:
        with session.begin_nested():
            session.add(user)
            session.flush()
    except IntegrityError as exc:
        raise ValidationFailed({"email": _("This e-mail address cannot be used.")}) from exc
    events.user_registered.send(user.id, session=session, user=user)
    return user


class Suspended(ApiError):
    """The right password of a suspended account (only its owner learns of the suspension)."""

    status, code = 403, "suspended"


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The user with this e-mail and password, or None; same work either way. A suspended
    account answers 403 `suspended`, but only after the password was found right."""
    user = session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        passwords.dummy_verify(password)
        return None
    if not passwords.verify_password(user.password_hash, password):
        return None
    if user.suspended_at is not None:
        raise Suspended(_("This account is suspended. Contact the people who run this site."))
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    return user


def start_session(
    session: Session, user: User, *, ip: str | None = None, user_agent: str | None = None
) -> str:
    """Record a new server-side session; returns its raw token (kept only in the cookie)."""
    raw = secrets.token_urlsafe(32)
    now = utcnow()
    row = UserSession(
            user_id=user.id,
            token_hash=token_hash(raw),
            created_at=now,
            last_seen_at=now,
            ip=(ip or "")[:64] or None,
            user_agent=(user_agent or "")[:300] or None,
        )
    session.add(row)
    session.flush()
    user.session_token = raw
    user.session_id = row.id
    return raw


#: the user's columns as (attribute, column), in the order `_SESSION_USER` reads them
_USER_COLUMNS = tuple((attr.key, attr.columns[0]) for attr in sa_inspect(User).column_attrs)
#: built once per process (every authenticated request runs it): the user of a live session
#: token (not suspended) with the session row's id and "last seen" only, on the DBAPI cursor
#: (tribes.db.DirectSelect: a third of the ORM's CPU)
_SESSION_USER = DirectSelect(
    select(*(column for _key, column in _USER_COLUMNS), UserSession.id, UserSession.last_seen_at)
    .join(UserSession, User.id == UserSession.user_id)
    .where(UserSession.token_hash == bindparam("token_hash"), User.suspended_at.is_(None))
)


def _loaded_user(session: Session, values: tuple[Any, ...]) -> User:
    """The User of a row of `_SESSION_USER`'s columns, in the session as if the ORM had loaded
    it: the session's own object when it has one, else a new one whose attributes count as
    loaded (changes to it are flushed as changes; relationships load when asked for)."""
    fields = {key: value for (key, _column), value in zip(_USER_COLUMNS, values, strict=True)}
    existing = session.identity_map.get(session.identity_key(User, (fields["id"],)))
    if existing is not None:
        return cast(User, existing)
    user = User(**fields)
    make_transient_to_detached(user)
    session.add(user)
    return user


def load_session_user(session: Session, raw: str) -> User | None:
    """The user of a live session token, or None if it was ended."""
    row = _SESSION_USER.first(session, {"token_hash": token_hash(raw)})
    if row is None:
        return None
    *values, session_id, last_seen_at = row
    user = _loaded_user(session, tuple(values))
    now = utcnow()
    if now - last_seen_at > LAST_SEEN_RESOLUTION:
        # No commit here: the request's one commit writes it (a failed request rolls it back).
        session.execute(
            update(UserSession).where(UserSession.id == session_id).values(last_seen_at=now)
            .execution_options(synchronize_session=False)
        )
    user.session_token = raw
    user.session_id = session_id
    return user


def session_id_for(session: Session, raw: str) -> int | None:
    """The id of the session row behind a raw token."""
    return session.scalar(select(UserSession.id).where(UserSession.token_hash == token_hash(raw)))


def sessions_query(user_id: int) -> Select[tuple[UserSession]]:
    """The user's live sessions (page by id, newest first)."""
    return select(UserSession).where(UserSession.user_id == user_id)


def list_sessions(session: Session, user: User) -> list[UserSession]:
    """The user's live sessions, newest first (all of them: for the data export)."""
    return list(session.scalars(
        sessions_query(user.id).order_by(UserSession.created_at.desc(), UserSession.id.desc())
    ))


def end_sessions(
    session: Session,
    user_id: int,
    *,
    only: list[int] | None = None,
    keep: int | None = None,
    reason: str = "logout",
) -> list[int]:
    """End sessions of a user (some, or all but `keep`); their sockets are dropped on commit."""
    stmt = select(UserSession.id).where(UserSession.user_id == user_id)
    if only is not None:
        stmt = stmt.where(UserSession.id.in_(only))
    if keep is not None:
        stmt = stmt.where(UserSession.id != keep)
    ids = list(session.scalars(stmt))
    if ids:
        session.execute(delete(UserSession).where(UserSession.id.in_(ids)))
        events.on_commit(
            session, lambda: events.sessions_ended.send(user_id, session_ids=ids, reason=reason)
        )
    return ids


def revoke_session(session: Session, user: User, session_id: int) -> None:
    """End one of the user's own sessions; another user's id is simply not found."""
    from tribes.errors import NotFound

    if not end_sessions(session, user.id, only=[session_id], reason="revoked"):
        raise NotFound()


def end_sessions_everywhere(session: Session, user_id: int, *, keep: int | None, reason: str) -> list[int]:
    """End every session but `keep` and replace the secrets that work without one (calendar feed)."""
    ended = end_sessions(session, user_id, keep=keep, reason=reason)
    events.credentials_reset.send(user_id, session=session, reason=reason)
    session.flush()
    return ended


def change_password(
    session: Session, user: User, current_password: str, new_password: str, keep_session: int | None
) -> None:
    """Change the password; every other session of the user ends, the calendar feed too."""
    if not passwords.verify_password(user.password_hash, current_password):
        raise ApiError(_("The current password is wrong."), status=403, code="invalid_password")
    user.password_hash = passwords.hash_password(new_password)
    end_sessions_everywhere(session, user.id, keep=keep_session, reason="password_changed")


def update_profile(session: Session, user: User, changes: dict[str, Any]) -> User:
    """Apply profile changes (display name, bio, avatar, visibility, time zone, language)."""
    for key in ("display_name", "bio", "avatar_url", "profile_visibility", "timezone", "locale"):
        if key in changes and (changes[key] is not None or key == "avatar_url"):
            setattr(user, key, changes[key] if key != "bio" else changes[key].strip())
    session.flush()
    return user


def get_user(session: Session, user_id: int) -> User | None:
    """A user by id (no visibility check: callers apply policy)."""
    return session.get(User, user_id)
