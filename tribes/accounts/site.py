"""Site settings (one row, read by every process from the database) and the site audit log.

They live low, in accounts, because registration (accounts) and tribe creation and the
directory (groups) read them; the site administration (tribes.siteadmin) changes them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tribes.accounts.models import SiteAuditEntry, SiteSettings, User
from tribes.db import utcnow
from tribes.errors import Forbidden
from tribes.i18n import _

REGISTRATION_MODES = ("open", "invite_only", "closed")
TRIBE_CREATION_MODES = ("everyone", "verified", "site_admins")
DEFAULT_NAME = "Tribes"
ROW_ID = 1


@dataclass(frozen=True)
class Settings:
    """A snapshot of the site settings (what one request reads)."""

    name: str = DEFAULT_NAME
    registration: str = "open"
    tribe_creation: str = "everyone"
    directory: bool = True


def _cache() -> Any:
    """The request's `g` when there is a request (settings are read at most once per request)."""
    from flask import g, has_request_context

    return g if has_request_context() else None


def current(session: Session) -> Settings:
    """The settings in force, read from the database (once per request; defaults without a row)."""
    cache = _cache()
    if cache is not None and "site_settings" in cache:
        return cache.site_settings
    row = session.get(SiteSettings, ROW_ID)
    settings = Settings() if row is None else Settings(
        name=row.name, registration=row.registration, tribe_creation=row.tribe_creation, directory=row.directory,
    )
    if cache is not None:
        cache.site_settings = settings
    return settings


def update(session: Session, actor_id: int | None, changes: dict[str, Any]) -> Settings:
    """Change some settings (flushed) and audit what changed; returns the new settings."""
    row = session.get(SiteSettings, ROW_ID)
    if row is None:
        defaults = Settings()
        try:
            with session.begin_nested():
                row = SiteSettings(id=ROW_ID, name=defaults.name, registration=defaults.registration,
                                   tribe_creation=defaults.tribe_creation, directory=defaults.directory,
                                   updated_at=utcnow())
                session.add(row)
                session.flush()
        except IntegrityError:  # another process created it meanwhile
            row = session.get_one(SiteSettings, ROW_ID)
    changed: dict[str, Any] = {}
    for key in ("name", "registration", "tribe_creation", "directory"):
        if key in changes and changes[key] is not None and getattr(row, key) != changes[key]:
            changed[key] = {"from": getattr(row, key), "to": changes[key]}
            setattr(row, key, changes[key])
    if changed:
        row.updated_at = utcnow()
        record(session, actor_id, "settings_changed", details=changed)
    session.flush()
    cache = _cache()
    if cache is not None:
        cache.pop("site_settings", None)
    return current(session)


def check_registration(session: Session, *, invited: bool) -> None:
    """Refuse a new account when registration is closed, or invite-only and no invite came with it."""
    mode = current(session).registration
    if mode == "closed":
        raise Forbidden(_("Registration is closed."))
    if mode == "invite_only" and not invited:
        raise Forbidden(_("This site is invite-only: ask a member for an invite."))


def tribe_creation_refusal(session: Session, user: User) -> str | None:
    """Why this user may not create a tribe under the site's rule, or None when they may."""
    mode = current(session).tribe_creation
    if mode == "site_admins" and not user.site_admin:
        return _("On this site, only site admins create tribes.")
    if mode == "verified" and not (user.email_verified or user.site_admin):
        return _("Confirm your e-mail address before you create a tribe.")
    return None


def check_tribe_creation(session: Session, user: User) -> None:
    """403 when the site's rule does not let this user create a tribe."""
    refusal = tribe_creation_refusal(session, user)
    if refusal is not None:
        raise Forbidden(refusal)


def directory_enabled(session: Session) -> bool:
    """Whether the directory lists tribes at all."""
    return current(session).directory


def record(
    session: Session, actor_id: int | None, action: str, *, target_user_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> SiteAuditEntry:
    """Append an entry to the site audit log (flushed, never committed)."""
    entry = SiteAuditEntry(actor_id=actor_id, action=action, target_user_id=target_user_id,
                           details=details or {}, created_at=utcnow())
    session.add(entry)
    session.flush()
    return entry
