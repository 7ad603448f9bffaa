"""Chat's reactions to other features: removals, ended sessions, notifications, deletion."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

from tribes import events, metrics
from tribes.chat import fanout
from tribes.extensions import socketio


def _on_membership_ended(tribe_id: int, *, user_id: int, slug: str, reason: str, **_: Any) -> None:
    """The ex-member's sockets leave the tribe room in every process and get `removed`."""
    fanout.leave_tribe(user_id, tribe_id, slug)


def _on_sessions_ended(user_id: int, *, session_ids: list[int] | None, reason: str, **_: Any) -> None:
    """Sockets opened under ended sessions are disconnected in every process."""
    fanout.drop_sessions(user_id, session_ids)


def _on_notification_created(user_id: int, *, notification: dict[str, Any], **_: Any) -> None:
    """Push a new notification live to the user's sockets."""
    socketio.emit("notification", notification, to=fanout.user_room(user_id), namespace=fanout.NAMESPACE)


def _on_user_deleting(user_id: int, *, session: Session, erase_messages: bool = False, **_: Any) -> None:
    """Keep the user's messages as "deleted member", or tombstone them when erasing."""
    from tribes.chat.service import forget_author

    forget_author(session, user_id, erase=erase_messages)


def _open_sockets() -> dict[tuple[str, ...], float]:
    from tribes.chat.sockets import _identities

    return {(): float(len(_identities))}


metrics.gauge("tribes_sockets_open", "Socket.IO connections open on this process.", _open_sockets)
events.membership_ended.connect(_on_membership_ended, weak=False)
events.sessions_ended.connect(_on_sessions_ended, weak=False)
events.notification_created.connect(_on_notification_created, weak=False)
events.user_deleting.connect(_on_user_deleting, weak=False)


#: at most this many blocked people are sent to the page (their messages are collapsed)
BLOCKED_ON_PAGE = 1000


def _section_context(tribe: Any, me: Any) -> dict[str, Any]:
    """The ids of the people I blocked (also those who left: their messages stay): the chat collapses them."""
    from sqlalchemy import select

    from tribes.accounts.models import Block
    from tribes.extensions import db

    blocked = db.session.scalars(
        select(Block.blocked_id)
        .where(Block.blocker_id == me.user_id)
        .limit(BLOCKED_ON_PAGE)
    )
    return {"chat_blocked_ids": sorted(blocked)}


def init_app(app: Flask) -> None:
    """Put the chat on the tribe home page; "Messages" (direct messages, with my unread count) in the header."""
    from tribes.chat.direct import unread_total
    from tribes.chat.sockets import install_fast_send
    from tribes.i18n import lazy_gettext
    from tribes.pages import add_nav_link, add_tribe_section, set_nav_counter

    install_fast_send()
    add_tribe_section(app, "chat/_section.html", _section_context)
    add_nav_link(app, "chat_pages.inbox", lazy_gettext("Messages"))
    set_nav_counter(app, "chat_pages.inbox", unread_total)
