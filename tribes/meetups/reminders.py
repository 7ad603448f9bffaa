"""In-app reminders before a meetup starts, sent once even with several processes.

A meetup is due when it is scheduled, starts within the lead time, has not started yet
and `reminded_for` differs from its current `starts_at` (so a moved meetup is reminded
again for its new time, and a cancelled one never). Each process claims a due meetup
with a conditional UPDATE (`reminded_for` still unset for this start; the rowcount says
who won); on PostgreSQL the candidates are first selected `FOR UPDATE SKIP LOCKED`, so
processes do not even wait for each other's rows. The claim and the notifications
commit together, so a crash before the commit leaves the reminder due.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from tribes.meetups.models import Meetup, Rsvp
from tribes.meetups.service import reminder_lead_minutes
from tribes.meetups.times import shift
from tribes.notifications.service import notify

log = logging.getLogger(__name__)
BATCH = 100


def _due(now: datetime, lead: timedelta) -> Any:
    return (
        select(Meetup)
        .where(
            Meetup.status == "scheduled",
            Meetup.starts_at > now,
            Meetup.starts_at <= shift(now, lead),
            or_(Meetup.reminded_for.is_(None), Meetup.reminded_for != Meetup.starts_at),
        )
        .order_by(Meetup.starts_at, Meetup.id)
        .limit(BATCH)
    )


def claim(session: Session, meetup: Meetup) -> bool:
    """Mark the meetup reminded for its current start; True only for the one claimant."""
    result = session.execute(
        update(Meetup)
        .where(
            Meetup.id == meetup.id,
            Meetup.status == "scheduled",
            Meetup.starts_at == meetup.starts_at,
            or_(Meetup.reminded_for.is_(None), Meetup.reminded_for != Meetup.starts_at),
        )
        .values(reminded_for=Meetup.starts_at)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def send_due_reminders(session: Session, now: datetime, lead_minutes: int | None = None) -> int:
    """Notify going members of every due meetup; returns how many meetups were reminded.

    Flushes only: the caller commits (claims and notifications together).
    """
    minutes = reminder_lead_minutes() if lead_minutes is None else lead_minutes
    lead = timedelta(minutes=min(minutes, timedelta.max // timedelta(minutes=1)))
    stmt = _due(now, lead)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True, of=Meetup)
    sent = 0
    for meetup in session.scalars(stmt).all():
        if not claim(session, meetup):
            continue
        sent += 1
        going = session.scalars(
            select(Rsvp.user_id).where(Rsvp.meetup_id == meetup.id, Rsvp.status == "going")
        ).all()
        data = {
            "meetup_id": meetup.id,
            "tribe": meetup.tribe.slug,
            "title": meetup.title,
            "starts_at": meetup.starts_at.isoformat(),
            "timezone": meetup.timezone,
            "location": meetup.location,
            "online_url": meetup.online_url,
        }
        for user_id in going:
            notify(session, user_id, "meetup_reminder", data)
    session.flush()
    return sent


def run_once(app: Any) -> int:
    """One pass in its own app context and transaction; returns meetups reminded."""
    from tribes.db import utcnow
    from tribes.extensions import db

    with app.app_context():
        try:
            sent = send_due_reminders(db.session, utcnow())
            db.session.commit()
            return sent
        except Exception:
            db.session.rollback()
            log.exception("sending meetup reminders failed")
            return 0
        finally:
            db.session.remove()
