"""Moderation rules: listing the audit log and mutes, and the entry point of the astroturfing signal."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tribes.accounts.models import User
from tribes.accounts.service import card
from tribes.groups.audit import AuditEntry
from tribes.groups.models import Mute, Tribe


def on_message_posted(session: Session, message: Any) -> None:
    """Feed a freshly flushed chat message to the astroturfing signal (files/updates reports)."""
    on_messages_posted(session, [message])


def on_messages_posted(session: Session, messages: list[Any]) -> None:
    """Feed tribe chat messages stored together to the astroturfing signal at once."""
    from tribes.moderation.astroturf import check_messages

    check_messages(session, messages)


def mute_dict(mute: Mute, users: dict[int, User]) -> dict[str, Any]:
    """A mute as admins see it."""
    return {
        "user": card(users.get(mute.user_id)),
        "until": mute.until.isoformat(),
        "muted_by": card(users.get(mute.muted_by_id)) if mute.muted_by_id else None,
        "created_at": mute.created_at.isoformat(),
    }


def audit_query(tribe_id: int) -> Any:
    """A tribe's audit log (page it newest first by id on (tribe_id, id))."""
    return select(AuditEntry).where(AuditEntry.tribe_id == tribe_id)


def audit_dict(entry: AuditEntry, users: dict[int, User]) -> dict[str, Any]:
    """An audit entry: actor and target are null once their accounts are deleted."""
    return {
        "id": entry.id,
        "action": entry.action,
        "actor": card(users.get(entry.actor_id)) if entry.actor_id else None,
        "target": card(users.get(entry.target_user_id)) if entry.target_user_id else None,
        "details": entry.details or {},
        "created_at": entry.created_at.isoformat(),
    }


def users_by_id(session: Session, ids: set[int | None]) -> dict[int, User]:
    """Users by id in one query (for serialising lists)."""
    wanted = {i for i in ids if i}
    return {u.id: u for u in session.scalars(select(User).where(User.id.in_(wanted)))} if wanted else {}


def tribe_slugs(session: Session, ids: set[int]) -> dict[int, str]:
    """Slugs of tribes by id, in one query."""
    if not ids:
        return {}
    return dict(session.execute(select(Tribe.id, Tribe.slug).where(Tribe.id.in_(ids))).tuples().all())
