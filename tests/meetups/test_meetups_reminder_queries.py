"""Reminders run a bounded number of statements, however many meetups and attendees are due."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from tests.meetups.conftest import soon
from tribes.db import utcnow
from tribes.extensions import db
from tribes.meetups.models import Rsvp
from tribes.meetups.reminders import send_due_reminders
from tribes.notifications.models import Notification


def _due_meetups(crowd: Any, new_meetup: Any, meetups: int, attendees: int) -> datetime:
    """`meetups` meetups starting in a day, each with `attendees` going members; returns the start."""
    start = soon(days=1)
    tribe, owner, members = crowd(attendees)
    ids = [new_meetup(owner, tribe["slug"], start=start + timedelta(minutes=i))["id"] for i in range(meetups)]
    now = utcnow()
    for meetup_id in ids:
        for member in members:
            db.session.add(Rsvp(meetup_id=meetup_id, user_id=member.user["id"], status="going", guests=0,
                                created_at=now, updated_at=now))
    db.session.commit()
    return start


def _send(count_queries: Any, start: datetime) -> tuple[int, int, int]:
    """One reminder pass before `start`: (meetups reminded, other statements, notification inserts)."""
    sent, _ = count_queries.measure(lambda: send_due_reminders(db.session, start - timedelta(hours=1)))
    statements = list(count_queries.statements)
    db.session.commit()
    inserts = [s for s in statements if s.lstrip().upper().startswith("INSERT INTO NOTIFICATIONS")]
    return sent, len(statements) - len(inserts), len(inserts)


def test_reminders_run_the_same_statements_for_2_or_10_meetups(
    session: Any, crowd: Any, new_meetup: Any, count_queries: Any
) -> None:
    small = _send(count_queries, _due_meetups(crowd, new_meetup, meetups=2, attendees=2))
    db.session.execute(Notification.__table__.delete())
    db.session.commit()
    big = _send(count_queries, _due_meetups(crowd, new_meetup, meetups=10, attendees=6))
    assert (small[0], big[0]) == (2, 10)  # the first two were reminded by the first pass
    assert small[1] == big[1] <= 6  # candidates, claim, meetups, tribes, going members (+ flush)
    assert small[2] == big[2] == 1  # every notification in one INSERT, nothing per attendee
    reminded = db.session.scalar(
        select(func.count()).select_from(Notification).where(Notification.kind == "meetup_reminder")
    )
    assert reminded == 60
