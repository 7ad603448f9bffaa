"""Moderation's wiring: the tribe-home section, its open-report counter, account deletion."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tribes import events


def _on_user_deleting(user_id: int, *, session: Session, erase_messages: bool = False, **_: Any) -> None:
    """Reports keep no name, avatar or (when erasing) text of a deleted account."""
    from tribes.moderation.reports import forget_person

    forget_person(session, user_id, erase_messages=erase_messages)


events.user_deleting.connect(_on_user_deleting, weak=False)


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
