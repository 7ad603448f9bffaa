"""Moderation rules: the audit log, mutes, and the entry point of the astroturfing signal."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tribes.accounts.models import User
from tribes.accounts.service import card
from tribes.db import utcnow
from tribes.errors import Forbidden, NotFound
from tribes.groups import policy
from tribes.groups.models import Membership, Tribe
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


def mute_dict(mute: Mute, users: dict[int, User]) -> dict[str, Any]:
    """A mute as admins see it."""
    return {
        "user": card(users.get(mute.user_id)),
        "until": mute.until.isoformat(),
        "muted_by": card(users.get(mute.muted_by_id)) if mute.muted_by_id else None,
        "created_at": mute.created_at.isoformat(),
    }


def mute(session: Session, tribe: Tribe, actor: Membership, user_id: int, minutes: int) -> Mute:
    """Mute a lower-ranked member for `minutes` (a new mute replaces the old one); audited."""
    target = policy.membership(session, tribe.id, user_id)
    if target is None:
        raise NotFound()
    if target.user_id == actor.user_id or not policy.may_remove(actor, target):
        raise Forbidden("You can only mute members ranked below you.")
    now = utcnow()
    until = now + timedelta(minutes=minutes)
    values = {"until": until, "muted_by_id": actor.user_id, "created_at": now}
    updated = session.execute(
        update(Mute).where(Mute.tribe_id == tribe.id, Mute.user_id == user_id).values(**values)
        .execution_options(synchronize_session=False)
    )
    if updated.rowcount == 0:
        try:
            with session.begin_nested():
                session.add(Mute(tribe_id=tribe.id, user_id=user_id, **values))
                session.flush()
        except IntegrityError:
            # Muted concurrently by someone else: the later decision wins.
            session.execute(
                update(Mute).where(Mute.tribe_id == tribe.id, Mute.user_id == user_id).values(**values)
                .execution_options(synchronize_session=False)
            )
    row = session.scalar(select(Mute).where(Mute.tribe_id == tribe.id, Mute.user_id == user_id))
    assert row is not None
    session.refresh(row)
    audit(session, tribe.id, actor.user_id, "member_muted", target_user_id=user_id,
          details={"minutes": minutes, "until": until.isoformat()})
    from tribes.notifications.service import notify

    notify(session, user_id, "muted", {"tribe": {"slug": tribe.slug, "name": tribe.name}, "until": until.isoformat()})
    return row


def unmute(session: Session, tribe: Tribe, actor: Membership, user_id: int) -> None:
    """Lift a member's mute now; NotFound when they are not muted."""
    removed = session.execute(
        delete(Mute).where(Mute.tribe_id == tribe.id, Mute.user_id == user_id, Mute.until > utcnow())
    )
    if not removed.rowcount:
        raise NotFound()
    audit(session, tribe.id, actor.user_id, "member_unmuted", target_user_id=user_id)


def active_mutes_query(tribe_id: int) -> Any:
    """Mutes of a tribe still running (page it by id)."""
    return select(Mute).where(Mute.tribe_id == tribe_id, Mute.until > utcnow())


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
    return dict(session.execute(select(Tribe.id, Tribe.slug).where(Tribe.id.in_(ids))).all())
