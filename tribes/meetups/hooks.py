"""Wiring: RSVPs end with the membership or the account, the feed with the credentials; mail extras; page sections."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

from tribes import events, metrics
from tribes.i18n import lazy_gettext
from tribes.meetups import mailing
from tribes.meetups.ical import drop_token
from tribes.meetups.seats import drop_rsvps
from tribes.meetups.series import orphan_series_of


def _on_membership_ending(tribe_id: int, session: Session, user_id: int, reason: str, **_: Any) -> None:
    """A member leaves, is removed or banned: drop their RSVPs there, seats go to the waitlist;
    series they organise there are orphaned (the admins told) now."""
    drop_rsvps(session, user_id, tribe_id)
    orphan_series_of(session, user_id, tribe_id, leaving=True)


def _on_role_changed(tribe_id: int, session: Session, user_id: int, role: str, **_: Any) -> None:
    """An organiser stepped down to member: their series there are orphaned now."""
    orphan_series_of(session, user_id, tribe_id)


def _on_user_deleting(user_id: int, session: Session, **_: Any) -> None:
    """An account is deleted: drop its RSVPs everywhere, seats go to the waitlist; its series
    are orphaned."""
    drop_rsvps(session, user_id)
    orphan_series_of(session, user_id, leaving=True)


def _on_credentials_reset(user_id: int, session: Session, **_: Any) -> None:
    """Password changed or logged out everywhere: the private feed URL stops working."""
    drop_token(session, user_id)


events.membership_ending.connect(_on_membership_ending, weak=False)
events.user_deleting.connect(_on_user_deleting, weak=False)
events.role_changed.connect(_on_role_changed, weak=False)
events.credentials_reset.connect(_on_credentials_reset, weak=False)
mailing.register()


def _reminder_lag() -> dict[tuple[str, ...], float]:
    """Seconds since the oldest reminder that is due became due (0 when none waits)."""
    from datetime import timedelta

    from sqlalchemy import func, select

    from tribes.db import utcnow
    from tribes.extensions import db
    from tribes.meetups.models import Meetup
    from tribes.meetups.reminders import _due
    from tribes.meetups.service import reminder_lead_minutes

    try:
        now, lead = utcnow(), timedelta(minutes=reminder_lead_minutes())
        oldest = db.session.scalar(select(func.min(Meetup.starts_at)).where(_due(now, lead)))
        return {(): max(0.0, (now - (oldest - lead)).total_seconds()) if oldest is not None else 0.0}
    finally:
        db.remove()


metrics.gauge("tribes_reminder_lag_seconds", "How long the oldest due meet-up reminder has been waiting.", _reminder_lag)


def init_app(app: Flask) -> None:
    """Nav link, tribe-home section, settings section and template helpers."""
    from tribes.meetups import series_views, views
    from tribes.pages import add_nav_link, add_settings_section, add_tribe_section

    app.register_blueprint(series_views.bp)

    add_nav_link(app, "meetups_pages.my_meetups", lazy_gettext("Meetups"))
    add_tribe_section(app, "meetups/_tribe_section.html", views.tribe_section_context)
    add_settings_section(app, "meetups/_settings_section.html", views.settings_section_context)
    app.jinja_env.globals.update(meetup_local=views.local_time, series_rule_text=series_views.meetup_series_text)
