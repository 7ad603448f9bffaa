"""Read state: each membership's marker in its tribe's chat, and the unread counts it gives.

The messages live in the chat feature, above this one; `groups.hooks` hands their model
over with `use_messages` (without a chat, nothing is ever unread).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from tribes.errors import NotFound
from tribes.groups.models import Membership

#: the chat's message model (id, tribe_id, author_id, deleted_at), set by groups.hooks
_messages: Any = None


def use_messages(model: Any) -> None:
    """Count unread messages in `model` (the chat's Message)."""
    global _messages
    _messages = model


def message_model() -> Any:
    """The chat's message model the counts read (None: no chat, nothing is ever unread)."""
    return _messages


def unread_of_membership(user_id: Any) -> Any:
    """The unread count of the membership row at hand, as a correlated subquery: the tribe's
    live messages after the member's marker, not their own (`user_id`: a value or a bind
    parameter).

    Per membership on purpose: PostgreSQL runs it as one index-only range scan of
    ix_messages_live_tribe_id_id_author_id per tribe (tribe_id = ..., id > marker), so the
    cost follows the unread messages, not the site's. As a join it was planned as a hash
    join over a sequential scan of every message (167 ms at 100k messages, bench/reads.py)."""
    message = _messages
    return (
        select(func.count())
        .select_from(message)
        .where(
            message.tribe_id == Membership.tribe_id,
            message.id > func.coalesce(Membership.last_read_message_id, 0),
            message.deleted_at.is_(None),
            or_(message.author_id.is_(None), message.author_id != user_id),
        )
        .correlate(Membership)
        .scalar_subquery()
    )


def unread_counts(session: Session, user_id: int, tribe_ids: list[int] | None = None) -> dict[int, int]:
    """Unread messages per tribe of the user (tribes without any are left out), in one query."""
    if _messages is None:
        return {}
    query = select(Membership.tribe_id, unread_of_membership(user_id)).where(Membership.user_id == user_id)
    if tribe_ids is not None:
        if not tribe_ids:
            return {}
        query = query.where(Membership.tribe_id.in_(tribe_ids))
    return {tribe_id: count for tribe_id, count in session.execute(query).tuples() if count}


def unread_total(session: Session, user_id: int) -> int:
    """Unread messages across all the user's tribes (the header badge), in one query."""
    if _messages is None:
        return 0
    per_tribe = (
        select(unread_of_membership(user_id).label("unread")).where(Membership.user_id == user_id).subquery()
    )
    return int(session.scalar(select(func.coalesce(func.sum(per_tribe.c.unread), 0))) or 0)


def latest_message_id(session: Session, tribe_id: int) -> int | None:
    """The newest message id of the tribe (a new member starts caught up there)."""
    if _messages is None:
        return None
    return session.scalar(select(func.max(_messages.id)).where(_messages.tribe_id == tribe_id))


def mark_read(session: Session, member: Membership, message_id: int) -> None:
    """Move the member's marker forward to `message_id`, never back.

    The message must be one of the member's tribe (else NotFound, like any id one may not see).
    One conditional UPDATE: two tabs posting markers at once keep the larger one.
    """
    if _messages is None or session.scalar(
        select(_messages.id).where(_messages.id == message_id, _messages.tribe_id == member.tribe_id)
    ) is None:
        raise NotFound()
    session.execute(
        update(Membership)
        .where(
            Membership.id == member.id,
            or_(Membership.last_read_message_id.is_(None), Membership.last_read_message_id < message_id),
        )
        .values(last_read_message_id=message_id)
        .execution_options(synchronize_session=False)
    )
    session.expire(member, ["last_read_message_id"])
