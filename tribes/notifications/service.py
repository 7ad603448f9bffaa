"""Create, list and mark notifications; every feature notifies through `notify`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from tribes import events
from tribes.db import random_id, rowcount, utcnow
from tribes.notifications.models import Notification
from tribes.notifications.schemas import NotificationOut


def notify(
    session: Session, user_id: int, kind: str, data: dict[str, Any], *, about_user_id: int | None = None
) -> Notification:
    """Store a notification and push it live to the user's sockets once committed.

    `about_user_id`: the person it names; deleting that account deletes the notification.
    Its id is made here (not by a flush), so notifying many people costs one INSERT.
    """
    notification = Notification(
        id=random_id(), user_id=user_id, kind=kind, data=data, about_user_id=about_user_id,
        created_at=utcnow(),
    )
    session.add(notification)
    payload = NotificationOut.of(notification).model_dump(mode="json")
    events.on_commit(
        session, lambda: events.notification_created.send(user_id, notification=payload)
    )
    return notification


def list_query(user_id: int, unread_only: bool = False) -> Any:
    """The statement listing a user's notifications (page it newest first by id)."""
    stmt = select(Notification).where(Notification.user_id == user_id)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    return stmt


def unread_count(session: Session, user_id: int) -> int:
    """How many unread notifications the user has."""
    from sqlalchemy import func

    return session.scalar(
        select(func.count()).where(
            Notification.user_id == user_id, Notification.read_at.is_(None)
        )
    ) or 0


def mark_read(
    session: Session, user_id: int, ids: list[int] | None = None, *, all_: bool = False
) -> int:
    """Mark the user's notifications read (the given ids, or all); returns how many changed."""
    now: datetime = utcnow()
    stmt = update(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)
    )
    if not all_:
        stmt = stmt.where(Notification.id.in_(ids or []))
    result = session.execute(stmt.values(read_at=now).execution_options(synchronize_session=False))
    return rowcount(result)


def delete_for_user(session: Session, user_id: int) -> None:
    """Remove every notification of a user (account deletion)."""
    session.execute(delete(Notification).where(Notification.user_id == user_id))
