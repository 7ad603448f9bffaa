"""Moderation's wiring: the astroturfing signal on new messages, the tribe-home section."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tribes import events


def _on_message_posted(tribe_id: int, *, session: Session, message: Any, **_: Any) -> None:
    """Feed a stored chat message to the astroturfing signal."""
    from tribes.moderation.service import on_message_posted

    on_message_posted(session, message)


events.message_posted.connect(_on_message_posted, weak=False)


def open_report_count(tribe_id: int) -> int:
    """How many reports of the tribe are open (for the admin badge)."""
    from tribes.extensions import db
    from tribes.moderation.models import Report

    return db.session.scalar(
        select(func.count()).where(Report.tribe_id == tribe_id, Report.status == "open")
    ) or 0


def init_app(app: Flask) -> None:
    """Put moderation links on the tribe home page."""
    from tribes.pages import add_tribe_section

    add_tribe_section(app, "moderation/_section.html")
    app.add_template_global(open_report_count, "moderation_open_reports")
