"""In-app reminders before a meetup starts, sent once even with several processes.

A meetup is due when it is scheduled, starts within the lead time, has not started yet
and `reminded_for` differs from its current `starts_at` (so a moved meetup is reminded
again for its new time, and a cancelled one never). Each process claims a batch of due
meetups with one conditional UPDATE (still due, `reminded_for` still unset for this start;
the ids it returns say which this process won); on PostgreSQL the candidates are first
selected `FOR UPDATE SKIP LOCKED`, so processes do not even wait for each other's rows. The claim and the notifications
commit together, so a crash before the commit leaves the reminder due.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session, selectinload

from tribes.meetups.models import Meetup, Rsvp
from tribes.meetups.service import reminder_lead_minutes
from tribes.meetups.times import shift
from tribes.notifications.service import notify

log = logging.getLogger(__name__)
BATCH = 100


def _due(now: datetime, lead: timedelta) -> Any:
    """The condition of a due meetup: scheduled, starting within the lead, not reminded for this start."""
    return and_(
        Meetup.status == "scheduled",
        Meetup.starts_at > now,
        Meetup.starts_at <= shift(now, lead),
        or_(Meetup.reminded_for.is_(None), Meetup.reminded_for != Meetup.starts_at),
    )


def claim(session: Session, meetup_ids: list[int], now: datetime, lead: timedelta) -> list[int]:
    """Mark the meetups still due reminded for their current start, in one conditional
    UPDATE; returns the ids this process won (another claimant's are no longer due)."""
    if not meetup_ids:
        return []
    result = session.execute(
        update(Meetup)
        .where(Meetup.id.in_(meetup_ids), _due(now, lead))
        .values(reminded_for=Meetup.starts_at)
        .returning(Meetup.id)
        .execution_options(synchronize_session=False)
    )
    return list(result.scalars())


def send_due_reminders(session: Session, now: datetime, lead_minutes: int | None = None) -> int:
    """Notify going members of every due meetup; returns how many meetups were reminded.

    A bounded number of statements however many meetups and attendees (one insert per
    notification aside): candidates, the claim, the claimed meetups with their tribes,
    and the going members of all of them. Flushes only: the caller commits (claims and
    notifications together).
    """
    minutes = reminder_lead_minutes() if lead_minutes is None else lead_minutes
    lead = timedelta(minutes=min(minutes, timedelta.max // timedelta(minutes=1)))
    stmt = select(Meetup.id).where(_due(now, lead)).order_by(Meetup.starts_at, Meetup.id).limit(BATCH)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True, of=Meetup)
    claimed = claim(session, list(session.scalars(stmt)), now, lead)
    if not claimed:
        return 0
    meetups = session.scalars(
        select(Meetup)
        .where(Meetup.id.in_(claimed))
        .order_by(Meetup.starts_at, Meetup.id)
        .options(selectinload(Meetup.tribe))
        .execution_options(populate_existing=True)
    ).all()
    going: dict[int, list[int]] = defaultdict(list)
    for meetup_id, user_id in session.execute(
        select(Rsvp.meetup_id, Rsvp.user_id)
        .where(Rsvp.meetup_id.in_(claimed), Rsvp.status == "going")
        .order_by(Rsvp.created_at, Rsvp.id)
    ):
        going[meetup_id].append(user_id)
    for meetup in meetups:
        data = {
            "meetup_id": meetup.id,
            "tribe": meetup.tribe.slug,
            "title": meetup.title,
            "starts_at": meetup.starts_at.isoformat(),
            "timezone": meetup.timezone,
            "location": meetup.location,
        }
        for user_id in going[meetup.id]:
            notify(session, user_id, "meetup_reminder", data)
    session.flush()
    return len(meetups)


def run_once(app: Any) -> int:
    """One pass in its own app context and transaction; returns meetups reminded.

    THE one place the reminder job commits (or rolls back): background loops and
    `tribes worker` call this, never `send_due_reminders` with a commit of their own.
    """
    from tribes.jobs import one_pass

    return one_pass(app, send_due_reminders, log, "sending meetup reminders")
