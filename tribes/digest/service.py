"""Who is due for a digest, claiming them, and building and queueing their digests.

Due: a verified, active account whose last look is a day (weekly: a week) old, or who was
never looked at. The background job adds the reader's clock: from 07:00 local time, once per
local day (weekly ones on Mondays), with a few hours' slack so the look settles at the same
morning hour. `tribes mail digest` takes everyone due by the plain rule, whatever the hour.

An empty digest is not sent, but the look is recorded (`checked_at`), so nobody is scanned
again before their next turn. Several processes may run the job: a person is claimed with
one conditional UPDATE … RETURNING per chunk (the same due rule), so only one builds it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from tribes.accounts.models import User
from tribes.db import random_id
from tribes.digest.compose import MAIL_KIND, compose
from tribes.digest.gather import WINDOW, Gatherer
from tribes.digest.models import DigestMark, DigestState
from tribes.mail.outbox import queue
from tribes.notifications import letters, unsubscribe
from tribes.notifications.models import Notification, NotificationSettings

#: a person never looked at gets this as their last look (a digest is due at once)
NEVER = datetime(2000, 1, 1, tzinfo=UTC)
#: the local hour from which the background job sends
LOCAL_HOUR = 7
#: how early the background job may look again (so the look stays at the morning hour)
SLACK = timedelta(hours=4)
#: people built per transaction
CHUNK = 200


@dataclass
class Due:
    """A person due for a digest: their id, the rhythm, and their last look."""

    user_id: int
    weekly: bool
    checked_at: datetime
    timezone: str


def _periods(slack: timedelta) -> tuple[timedelta, timedelta]:
    """How old a last look must be for the daily and the weekly digest."""
    return timedelta(days=1) - slack, timedelta(days=7) - slack


def _due_condition(now: datetime, slack: timedelta) -> ColumnElement[bool]:
    """SQL: the person's last look is a day (weekly: a week) old, or never happened."""
    daily, weekly = _periods(slack)
    rhythm = func.coalesce(NotificationSettings.digest, "daily")
    last = func.coalesce(DigestState.checked_at, NEVER)
    return or_(and_(rhythm == "weekly", last <= now - weekly), and_(rhythm != "weekly", last <= now - daily))


def due(session: Session, now: datetime, *, by_clock: bool) -> list[Due]:
    """Everyone due now (one query); `by_clock`: only where it is past 07:00 and a new local day."""
    slack = SLACK if by_clock else timedelta(0)
    rows = session.execute(
        select(User.id, NotificationSettings.digest, DigestState.checked_at, User.timezone)
        .outerjoin(NotificationSettings, NotificationSettings.user_id == User.id)
        .outerjoin(DigestState, DigestState.user_id == User.id)
        .where(User.email_verified.is_(True), User.suspended_at.is_(None), _due_condition(now, slack))
    ).tuples()
    found = [Due(uid, rhythm == "weekly", checked or NEVER, tz or "UTC") for uid, rhythm, checked, tz in rows]
    return [d for d in found if _on_the_clock(d, now)] if by_clock else found


def _on_the_clock(d: Due, now: datetime) -> bool:
    """From 07:00 local time, on a new local day since the last look; weekly ones on Mondays."""
    try:
        zone = ZoneInfo(d.timezone)
    except (KeyError, ValueError):
        zone = ZoneInfo("UTC")
    local = now.astimezone(zone)
    if local.hour < LOCAL_HOUR or (d.weekly and local.weekday() != 0):
        return False
    return d.checked_at.astimezone(zone).date() < local.date()


def chunks(items: Sequence[Due], size: int = CHUNK) -> Iterator[list[Due]]:
    """The due people in transaction-sized pieces."""
    for start in range(0, len(items), size):
        yield list(items[start:start + size])


def claim(session: Session, people: list[Due], now: datetime, *, by_clock: bool) -> list[Due]:
    """Take these people for this run (a state row for the new ones, then one conditional
    UPDATE … RETURNING); those another process took meanwhile are left out."""
    ids = [d.user_id for d in people]
    known = set(session.scalars(select(DigestState.user_id).where(DigestState.user_id.in_(ids))))
    fresh = [{"id": random_id(), "user_id": uid, "checked_at": NEVER} for uid in ids if uid not in known]
    if fresh:
        try:
            with session.begin_nested():
                session.execute(insert(DigestState), fresh)
        except IntegrityError:  # another process added some of them: the claim below decides
            pass
    slack = SLACK if by_clock else timedelta(0)
    daily, weekly = _periods(slack)
    won: set[int] = set()
    for is_weekly, period in ((False, daily), (True, weekly)):
        group = [d.user_id for d in people if d.weekly == is_weekly]
        if group:
            won |= set(session.scalars(
                update(DigestState).where(DigestState.user_id.in_(group), DigestState.checked_at <= now - period)
                .values(checked_at=now).returning(DigestState.user_id)
            ))
    return [d for d in people if d.user_id in won]


def build_and_queue(session: Session, gatherer: Gatherer, people: list[Due], now: datetime) -> int:
    """Gather, write and queue the digests of claimed people (flushed, not committed); returns
    how many were queued. Items mailed here are marked, chat marks move forward."""
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_([d.user_id for d in people])))}
    people = [d for d in people if d.user_id in users]
    since = {d.user_id: max(d.checked_at, now - WINDOW) for d in people}
    found = gatherer.gather([users[d.user_id] for d in people], since)
    sent: list[int] = []
    mailed: list[int] = []
    marks: dict[tuple[int, int], int] = {}
    for d in people:
        activity, user = found[d.user_id], users[d.user_id]
        if not activity.on or activity.empty:
            continue
        subject, paragraphs = compose(user, activity, d.weekly)
        queue(session, to=user.email, subject=subject, text=letters.text_of(paragraphs),
              html=letters.html_of(subject, paragraphs), kind=MAIL_KIND, user_id=user.id,
              headers=unsubscribe.headers(user.id, unsubscribe.DIGEST), flush=False)
        sent.append(user.id)
        mailed += activity.mailed
        marks.update({(user.id, tribe_id): through for tribe_id, through in activity.marks.items()})
    session.flush()
    if mailed:
        session.execute(update(Notification).where(Notification.id.in_(mailed)).values(mailed_at=now)
                        .execution_options(synchronize_session=False))
    if sent:
        session.execute(update(DigestState).where(DigestState.user_id.in_(sent)).values(sent_at=now))
    _move_marks(session, marks)
    return len(sent)


def _move_marks(session: Session, marks: dict[tuple[int, int], int]) -> None:
    """Store how far each digest counted each tribe's chat (existing rows updated, new ones added)."""
    if not marks:
        return
    users = {u for u, _t in marks}
    existing = {(m.user_id, m.tribe_id): m for m in session.scalars(
        select(DigestMark).where(DigestMark.user_id.in_(users)))}
    for key, through in marks.items():
        row = existing.get(key)
        if row is None:
            session.add(DigestMark(user_id=key[0], tribe_id=key[1], through_message_id=through))
        elif row.through_message_id < through:
            row.through_message_id = through
    session.flush()
