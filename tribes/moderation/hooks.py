"""Moderation's page wiring: the tribe-home section and its open-report counter."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import func, select


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
