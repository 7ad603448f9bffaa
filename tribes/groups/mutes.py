"""Mutes: membership state owned by groups (moderation's pages and API call these)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tribes import events
from tribes.db import rowcount, utcnow
from tribes.errors import Forbidden, NotFound
from tribes.groups import audit, policy
from tribes.groups.models import Membership, Mute, Tribe
from tribes.i18n import _


def mute_until(session: Session, tribe_id: int, user_id: int) -> datetime | None:
    """When the user's mute in the tribe ends, or None if they are not muted now."""
    return policy.muted_until(session, tribe_id, user_id)


def mute(session: Session, tribe: Tribe, actor: Membership, user_id: int, minutes: int) -> Mute:
    """Mute a lower-ranked member for `minutes` (a new mute replaces the old one); audited."""
    target = policy.membership(session, tribe.id, user_id)
    if target is None:
        raise NotFound()
    if target.user_id == actor.user_id or not policy.may_remove(actor, target):
        raise Forbidden(_("You can only mute members ranked below you."))
    now = utcnow()
    until = now + timedelta(minutes=minutes)
    values = {"until": until, "muted_by_id": actor.user_id, "created_at": now}
    updated = session.execute(
        update(Mute).where(Mute.tribe_id == tribe.id, Mute.user_id == user_id).values(**values)
        .execution_options(synchronize_session=False)
    )
    if rowcount(updated) == 0:
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
    audit.record(session, tribe.id, actor.user_id, "member_muted", target_user_id=user_id,
                 details={"minutes": minutes, "until": until.isoformat()})
    events.member_muted.send(tribe.id, session=session, user_id=user_id, slug=tribe.slug,
                             name=tribe.name, until=until)
    return row


def unmute(session: Session, tribe: Tribe, actor: Membership, user_id: int) -> None:
    """Lift a member's mute now; NotFound when they are not muted."""
    removed = session.execute(
        delete(Mute).where(Mute.tribe_id == tribe.id, Mute.user_id == user_id, Mute.until > utcnow())
    )
    if not rowcount(removed):
        raise NotFound()
    audit.record(session, tribe.id, actor.user_id, "member_unmuted", target_user_id=user_id)


def active_mutes_query(tribe_id: int) -> Any:
    """Mutes of a tribe still running (page it by (created_at, id))."""
    return select(Mute).where(Mute.tribe_id == tribe_id, Mute.until > utcnow())
