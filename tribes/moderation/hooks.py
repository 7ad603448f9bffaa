"""Moderation's wiring: the astroturfing signal on new messages and join requests, account deletion, the tribe-home section."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tribes import events


def _on_message_posted(tribe_id: int | None, *, session: Session, message: Any, **_: Any) -> None:
    """Feed a stored message to the astroturfing signal: tribe chat to the tribe's, a direct
    message (tribe_id None) to the one that reports to the site admins."""
    from tribes.moderation.service import on_messages_posted

    if tribe_id is None:
        from tribes.moderation.dm_signal import check_direct_message

        check_direct_message(session, message)
        return
    on_messages_posted(session, [message])


events.message_posted.connect(_on_message_posted, weak=False)


def _on_tribe_messages_posted(_sender: Any, *, session: Session, messages: list[Any], **_: Any) -> None:
    """Feed tribe chat messages stored together to the astroturfing signal at once."""
    from tribes.moderation.service import on_messages_posted

    on_messages_posted(session, messages)


events.tribe_messages_posted.connect(_on_tribe_messages_posted, weak=False)


def _on_join_requested(tribe_id: int, *, session: Session, request: Any, **_: Any) -> None:
    """Feed a join request that reached the admins to the astroturfing signal (its answers)."""
    from tribes.moderation.join_signal import check_join_request

    check_join_request(session, request)


events.join_requested.connect(_on_join_requested, weak=False)


def _on_user_deleting(user_id: int, *, session: Session, erase_messages: bool = False, **_: Any) -> None:
    """Reports keep no name, avatar or (when erasing) text of a deleted account."""
    from tribes.moderation.reports import forget_person

    forget_person(session, user_id, erase_messages=erase_messages)


events.user_deleting.connect(_on_user_deleting, weak=False)


def section_context(tribe: Any, me: Any) -> dict[str, Any]:
    """How many reports of the tribe are open (the admin badge); asked only for moderators."""
    from tribes.extensions import db
    from tribes.groups.policy import can
    from tribes.moderation.models import Report

    if not can(tribe, me).moderate:
        return {"open_reports": 0}
    count = db.session.scalar(
        select(func.count()).where(Report.tribe_id == tribe.id, Report.status == "open")
    )
    return {"open_reports": count or 0}


def init_app(app: Flask) -> None:
    """Put moderation links on the tribe home page."""
    from tribes.pages import add_tribe_section

    add_tribe_section(app, "moderation/_section.html", section_context)
