"""Who has blocked whom: the question every feature asks before one person reaches another.

Blocking and unblocking (which also end a contact) are contacts' operations; this module
only answers, so that groups (targeted invites), chat (mentions) and contacts share one rule.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tribes.accounts.models import Block


def who_blocked(session: Session, blocked_id: int, among: list[int]) -> set[int]:
    """Those of `among` who blocked `blocked_id` (one query)."""
    if not among:
        return set()
    return set(session.scalars(
        select(Block.blocker_id).where(Block.blocked_id == blocked_id, Block.blocker_id.in_(among))
    ))


def has_blocked(session: Session, blocker_id: int, blocked_id: int) -> bool:
    """Whether `blocker_id` blocked `blocked_id`."""
    return (
        session.scalar(select(Block.id).where(Block.blocker_id == blocker_id, Block.blocked_id == blocked_id))
        is not None
    )
