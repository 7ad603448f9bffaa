"""Moderation rules: mutes, the audit log (reports, branch bans and signals follow)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tribes.db import utcnow
from tribes.moderation.models import AuditEntry, Mute


def audit(
    session: Session,
    tribe_id: int,
    actor_id: int | None,
    action: str,
    *,
    target_user_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append an entry to the tribe's audit log."""
    entry = AuditEntry(
        tribe_id=tribe_id,
        actor_id=actor_id,
        action=action,
        target_user_id=target_user_id,
        details=details or {},
        created_at=utcnow(),
    )
    session.add(entry)
    session.flush()
    return entry


def mute_until(session: Session, tribe_id: int, user_id: int) -> datetime | None:
    """When the user's mute in the tribe ends, or None if they are not muted now."""
    until = session.scalar(select(Mute.until).where(Mute.tribe_id == tribe_id, Mute.user_id == user_id))
    if until is None or until <= utcnow():
        return None
    return until


def on_message_posted(session: Session, message: Any) -> None:
    """Feed a freshly flushed chat message to the astroturfing signal (files/updates reports)."""
    from tribes.moderation.astroturf import check_message

    check_message(session, message)
