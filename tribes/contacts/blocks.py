"""Silent blocks: the blocked side is never told; their requests are swallowed."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tribes.accounts.models import Block, User
from tribes.contacts.models import Contact
from tribes.contacts.schemas import BlockOut
from tribes.contacts.service import other_users, pair, pair_request
from tribes.contacts.visibility import can_see_profile
from tribes.db import rowcount, utcnow
from tribes.errors import NotFound


def block(session: Session, blocker: User, user_id: int) -> tuple[Block, bool]:
    """Block someone: ends a contact, swallows their requests; returns (block, created)."""
    target = session.get(User, user_id)
    if target is None or target.id == blocker.id:
        raise NotFound()
    existing = session.scalar(
        select(Block).where(Block.blocker_id == blocker.id, Block.blocked_id == target.id)
    )
    if existing is not None:
        return existing, False
    req = pair_request(session, blocker.id, target.id)
    if not can_see_profile(session, blocker.id, target) and (req is None or req.recipient_id != blocker.id):
        raise NotFound()
    row = Block(blocker_id=blocker.id, blocked_id=target.id, created_at=utcnow())
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        found = session.scalar(
            select(Block).where(Block.blocker_id == blocker.id, Block.blocked_id == target.id)
        )
        if found is None:
            raise
        return found, False
    low, high = pair(blocker.id, target.id)
    session.execute(delete(Contact).where(Contact.low_id == low, Contact.high_id == high))
    if req is not None and req.sender_id == blocker.id:
        req.withdrawn_at = req.withdrawn_at or utcnow()
    elif req is not None and req.declined_at is None:
        req.declined_at, req.resent_at = utcnow(), None
    session.flush()
    return row, True


def unblock(session: Session, blocker: User, user_id: int) -> None:
    """Lift a block (their swallowed requests stay declined)."""
    result = session.execute(
        delete(Block).where(Block.blocker_id == blocker.id, Block.blocked_id == user_id)
    )
    if not rowcount(result):
        raise NotFound()


def blocks_query(user_id: int) -> Any:
    """The user's blocks (page by id)."""
    return select(Block).where(Block.blocker_id == user_id)


def blocks_of(session: Session, rows: list[Block]) -> list[BlockOut]:
    """Blocks as their author sees them (the blocked people loaded in one query)."""
    users = other_users(session, [b.blocked_id for b in rows])
    return [BlockOut.of(users[b.blocked_id], b) for b in rows]
