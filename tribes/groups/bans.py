"""Bans, and the invite branch that a ban with_branch reaches."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tribes.accounts.models import User
from tribes.db import rowcount, utcnow
from tribes.errors import Forbidden, NotFound
from tribes.groups import policy
from tribes.groups.audit import record as record_audit
from tribes.groups.models import Ban, InviteEdge, Membership, Tribe
from tribes.groups.service import end_membership
from tribes.i18n import _


def invitee_branch(session: Session, tribe_id: int, root_id: int) -> list[int]:
    """Everyone the user brought into the tribe, directly or indirectly (ids, breadth first)."""
    edges = session.execute(
        select(InviteEdge.inviter_id, InviteEdge.invitee_id).where(InviteEdge.tribe_id == tribe_id)
    ).all()
    children: dict[int, list[int]] = {}
    for inviter, invitee in edges:
        if inviter is not None:
            children.setdefault(inviter, []).append(invitee)
    seen, order, queue = {root_id}, [], [root_id]
    while queue:
        current = queue.pop(0)
        for child in sorted(children.get(current, [])):
            if child not in seen:
                seen.add(child)
                order.append(child)
                queue.append(child)
    return order


def ban(
    session: Session,
    tribe: Tribe,
    actor: Membership,
    user_id: int,
    reason: str,
    *,
    with_branch: bool = False,
    dry_run: bool = False,
) -> list[User]:
    """Ban a user (and with_branch everyone they invited); returns who is (or would be) banned."""
    target_ids = [user_id] + (invitee_branch(session, tribe.id, user_id) if with_branch else [])
    banned: list[User] = []
    for uid in target_ids:
        if uid == actor.user_id:
            if uid == user_id:
                raise Forbidden(_("You cannot ban yourself."))
            continue
        user = session.get(User, uid)
        if user is None:
            if uid == user_id:
                raise NotFound()  # like an existing user who was never in the tribe
            continue
        target = policy.membership(session, tribe.id, uid)
        if target is None and uid == user_id:
            # Banning a non-member is allowed only for someone who was ever in the tribe.
            known = session.scalar(
                select(InviteEdge.id).where(InviteEdge.tribe_id == tribe.id, InviteEdge.invitee_id == uid)
            )
            if known is None:
                raise NotFound()
        if target is not None and not policy.may_remove(actor, target):
            if uid == user_id:
                raise Forbidden()
            continue
        banned.append(user)
        if dry_run:
            continue
        if _add_ban(session, tribe.id, uid, actor.user_id, reason):
            record_audit(session, tribe.id, actor.user_id, "member_banned", target_user_id=uid,
                   details={"reason": reason, "with_branch": with_branch, "branch_of": user_id if uid != user_id else None})
        if target is not None:
            end_membership(session, tribe, target, "banned")
    return banned


def _add_ban(session: Session, tribe_id: int, user_id: int, actor_id: int, reason: str) -> bool:
    """Record a ban; False when the user is already banned (also when banned concurrently)."""
    if session.scalar(select(Ban.id).where(Ban.tribe_id == tribe_id, Ban.user_id == user_id)) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(Ban(tribe_id=tribe_id, user_id=user_id, banned_by_id=actor_id, reason=reason, created_at=utcnow()))
            session.flush()
    except IntegrityError:
        return False
    return True


def lift_ban(session: Session, tribe: Tribe, user_id: int, actor_id: int | None = None) -> None:
    """Lift a ban (audited); unknown bans are not found."""
    result = session.execute(delete(Ban).where(Ban.tribe_id == tribe.id, Ban.user_id == user_id))
    if not rowcount(result):
        raise NotFound()
    record_audit(session, tribe.id, actor_id, "ban_lifted", target_user_id=user_id)


def bans_query(tribe_id: int) -> Any:
    """Bans of a tribe (for keyset paging by id)."""
    return select(Ban).where(Ban.tribe_id == tribe_id)


def is_banned(session: Session, tribe_id: int, user_id: int) -> bool:
    """Whether the user is banned from the tribe."""
    return session.scalar(select(Ban.id).where(Ban.tribe_id == tribe_id, Ban.user_id == user_id)) is not None
