"""Moderation's page wiring: the tribe-home section and its open-report counter."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select


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
