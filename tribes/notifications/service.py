"""Create, list and mark notifications; every feature notifies through `notify`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, event, select, update
from sqlalchemy.orm import Session

from tribes import events
from tribes.db import random_id, rowcount, utcnow
from tribes.notifications.models import Notification
from tribes.notifications.schemas import NotificationOut
from tribes.notifications.texts import Reader, describe

#: session.info key: the notifications of the open transaction, pushed live once it commits
_PENDING = "tribes_pending_notifications"


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
    pending = session.info.get(_PENDING)
    if pending is None:
        pending = session.info[_PENDING] = []
        bind = session.get_bind()
        events.on_commit(session, lambda: _push(bind, session.info.pop(_PENDING, [])))
    # a detached copy: after the commit the stored one is expired and the session may not query
    pending.append(Notification(id=notification.id, user_id=user_id, kind=kind, data=data, created_at=notification.created_at))
    return notification


@event.listens_for(Session, "after_soft_rollback")
def _drop_pending(session: Session, previous_transaction: Any) -> None:
    if not session.in_transaction():
        session.info.pop(_PENDING, None)


def _push(bind: Any, pending: list[Notification]) -> None:
    """Send the committed notifications live, each in its recipient's language (one batch)."""
    if not pending:
        return
    from tribes.accounts.models import User

    with Session(bind=bind) as fresh:
        users = {u.id: u for u in fresh.scalars(select(User).where(User.id.in_({n.user_id for n in pending})))}
        by_user: dict[int, list[Notification]] = {}
        for n in pending:
            by_user.setdefault(n.user_id, []).append(n)
        for user_id, items in by_user.items():
            user = users.get(user_id)
            if user is None:
                continue
            for out in serialise(fresh, items, Reader.of(user)):
                events.notification_created.send(user_id, notification=out.model_dump(mode="json"))


def serialise(session: Session, notifications: list[Notification], reader: Reader) -> list[NotificationOut]:
    """The contract's objects, with each sentence in the reader's language and time zone."""
    texts = describe(session, notifications, reader)
    return [NotificationOut.of(n, text, url) for n, (text, url) in zip(notifications, texts, strict=True)]


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
