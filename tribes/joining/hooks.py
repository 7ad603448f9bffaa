"""Joining's wiring: close requests when a tribe stops taking them, forget deleted accounts,
the "Requests" link in a tribe's space."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tribes import events


def _on_closed(tribe_id: int, *, session: Session, **_: Any) -> None:
    """A tribe stopped taking requests (or turned secret): its open requests close."""
    from tribes.joining.service import close_open

    close_open(session, tribe_id)


events.join_requests_closed.connect(_on_closed, weak=False)


def _on_user_deleting(user_id: int, *, session: Session, **_: Any) -> None:
    """A deleted account's requests and vouches go with it."""
    from tribes.joining.service import forget_user

    forget_user(session, user_id)


events.user_deleting.connect(_on_user_deleting, weak=False)


def section_context(tribe: Any, me: Any) -> dict[str, Any]:
    """How many requests wait in the tribe (members see the list to vouch; admins decide)."""
    from tribes.extensions import db
    from tribes.joining.service import queue_query

    if not tribe.join_requests:
        return {"join_requests_waiting": 0}
    waiting = db.session.scalar(select(func.count()).select_from(queue_query(tribe.id).subquery()))
    return {"join_requests_waiting": waiting or 0}


def init_app(app: Flask) -> None:
    """Put the join-requests links on a tribe's admin tab and members tab."""
    from tribes.pages import add_tribe_section

    add_tribe_section(app, "joining/_section.html", section_context)
