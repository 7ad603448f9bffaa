"""Read state: each membership's marker in its tribe's chat, and the unread counts it gives.

The messages live in the chat feature, above this one; `groups.hooks` hands their model
over with `use_messages` (without a chat, nothing is ever unread).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, case, cast, func, or_, select, update
from sqlalchemy.orm import Session

from tribes.errors import NotFound
from tribes.groups.models import Membership

#: the chat's message model (id, tribe_id, author_id, deleted_at), its live counts per block of
#: ids (tribe_id, block, live) and the ids per block; set by groups.hooks
_messages: Any = None
_blocks: Any = None
_block_ids = 1


def use_messages(model: Any, blocks: Any, block_ids: int) -> None:
    """Count unread messages in `model` (the chat's Message) with the live counts per block
    of `block_ids` ids in `blocks` (the chat's MessageBlock, kept by triggers: chat.blocks)."""
    global _messages, _blocks, _block_ids
    _messages, _blocks, _block_ids = model, blocks, block_ids


def message_model() -> Any:
    """The chat's message model the counts read (None: no chat, nothing is ever unread)."""
    return _messages


def unread_of_membership(user_id: Any) -> Any:
    """The unread count of the membership row at hand, as a correlated scalar subquery: the
    tribe's live messages after the member's marker, not their own (`user_id`: a value or a
    bind parameter).

    Exact, and flat however much is unread. The live messages after the marker come from the
    block rows of message_blocks (one per block of ids) and one bounded index-only range scan
    of ix_messages_live_tribe_id_id_author_id inside the marker's own block, towards the
    nearer edge of that block: a marker in the block's upper half counts the ids after it up
    to the block's end, plus the later blocks; one in the lower half takes the blocks from its
    own block on, minus the ids from the block's start up to the marker. So at most half a
    block of ids is read (a member who never read anything reads none). Minus my own live
    messages after the marker (a range scan of ix_messages_live_tribe_id_author_id_id). A
    member back after months reads a few dozen block rows instead of every unread message
    (bench/reads.py).

    Per membership on purpose: as a join PostgreSQL planned a hash join over a sequential
    scan of every message (167 ms at 100k messages)."""
    message, blocks = _messages, _blocks
    marker = func.coalesce(Membership.last_read_message_id, 0)
    block = marker // _block_ids
    upper = marker - block * _block_ids >= _block_ids // 2  # nearer to the end of its block
    low = case((upper, marker + 1), else_=block * _block_ids)
    high = case((upper, (block + 1) * _block_ids), else_=marker + 1)
    in_marker_block = select(func.count()).select_from(message).where(  # ids in [low, high)
        message.tribe_id == Membership.tribe_id,
        message.id >= low,
        message.id < high,
        message.deleted_at.is_(None),
    ).correlate(Membership).scalar_subquery()
    blocks_from = select(func.coalesce(func.sum(blocks.live), 0)).where(
        blocks.tribe_id == Membership.tribe_id, blocks.block >= case((upper, block + 1), else_=block),
    ).correlate(Membership).scalar_subquery()
    mine_after = select(func.count()).select_from(message).where(
        message.tribe_id == Membership.tribe_id,
        message.author_id == user_id,
        message.id > marker,
        message.deleted_at.is_(None),
    ).correlate(Membership).scalar_subquery()
    live_after = blocks_from + in_marker_block * case((upper, 1), else_=-1)
    return cast(live_after - mine_after, BigInteger)


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
