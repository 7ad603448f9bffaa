"""Create, list and mark notifications; every feature notifies through `notify`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, event, select, update
from sqlalchemy.orm import Session

from tribes import events
from tribes.db import random_id, rowcount, utcnow
from tribes.notifications.instant import mail_instantly
from tribes.notifications.models import Notification
from tribes.notifications.schemas import NotificationOut
from tribes.notifications.texts import Reader, describe, describe_many

#: session.info key: the notifications of the open transaction, pushed live once it commits
_PENDING = "tribes_pending_notifications"


def notify(
    session: Session, user_id: int, kind: str, data: dict[str, Any], *, about_user_id: int | None = None,
    tribe_id: int | None = None,
) -> Notification:
    """Store a notification, push it live to the user's sockets and mail it (tribes.notifications.instant)
    once committed.

    `about_user_id`: the person it names; deleting that account deletes the notification.
    `tribe_id`: the tribe it is about, else found from the slug in `data["tribe"]` (one lookup
    per slug and transaction). Its id is made here (not by a flush), so notifying many
    people costs one INSERT.
    """
    if tribe_id is None:
        tribe_id = _tribe_id(session, data)
    notification = Notification(
        id=random_id(), user_id=user_id, kind=kind, data=data, about_user_id=about_user_id,
        created_at=utcnow(), tribe_id=tribe_id,
    )
    session.add(notification)
    pending = session.info.get(_PENDING)
    if pending is None:
        pending = session.info[_PENDING] = []
        events.on_commit(session, lambda: _emit(session.info.pop(_RENDERED, [])))
    pending.append(notification)
    return notification


#: session.info key: the pending notifications as their recipients will read them
_RENDERED = "tribes_rendered_notifications"
#: session.info key: tribe ids by slug, looked up during the open transaction
_SLUG_IDS = "tribes_notification_slug_ids"


def _tribe_id(session: Session, data: dict[str, Any]) -> int | None:
    """The id of the tribe whose slug the data names (cached for the transaction; no autoflush,
    so the notifications already added stay one INSERT)."""
    from tribes.groups.models import Tribe
    from tribes.notifications.texts import tribe_slug

    slug = tribe_slug(data)
    if not slug:
        return None
    cache: dict[str, int | None] = session.info.setdefault(_SLUG_IDS, {})
    if slug not in cache:
        with session.no_autoflush:
            cache[slug] = session.scalar(select(Tribe.id).where(Tribe.slug == slug))
    return cache[slug]


@event.listens_for(Session, "before_commit")
def _render_pending(session: Session) -> None:
    """Just before the commit (the session may still query), put each pending notification in
    its recipient's language and time zone and queue its instant mails: a bounded number of
    queries, however many recipients."""
    pending: list[Notification] = session.info.pop(_PENDING, None) or []
    session.info.pop(_SLUG_IDS, None)
    if not pending:
        return
    from tribes.accounts.models import User

    ids = {n.user_id for n in pending}
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(ids)))}
    by_user: dict[int, list[Notification]] = {}
    for n in pending:
        by_user.setdefault(n.user_id, []).append(n)
    readers = [(Reader.of(users[uid]), items) for uid, items in by_user.items() if uid in users]
    rendered: list[tuple[int, dict[str, Any]]] = []
    outs: dict[int, list[tuple[Notification, NotificationOut]]] = {}
    for (reader, items), described in zip(readers, describe_many(session, readers), strict=True):
        objects = [NotificationOut.of(n, text, url) for n, (text, url) in zip(items, described, strict=True)]
        rendered += [(reader.user_id, out.model_dump(mode="json")) for out in objects]
        outs[reader.user_id] = list(zip(items, objects, strict=True))
    session.info[_RENDERED] = rendered
    mail_instantly(session, users, outs)


@event.listens_for(Session, "after_soft_rollback")
def _drop_pending(session: Session, previous_transaction: Any) -> None:
    if not session.in_transaction():
        session.info.pop(_PENDING, None)
        session.info.pop(_RENDERED, None)
        session.info.pop(_SLUG_IDS, None)


def _emit(rendered: list[tuple[int, dict[str, Any]]]) -> None:
    """Push the committed notifications live to their recipients' sockets."""
    for user_id, payload in rendered:
        events.notification_created.send(user_id, notification=payload)


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
    """Remove every notification of a user and their mail settings (account deletion)."""
    from tribes.notifications.preferences import delete_settings

    session.execute(delete(Notification).where(Notification.user_id == user_id))
    delete_settings(session, user_id)
