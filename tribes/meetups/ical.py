"""iCalendar (RFC 5545) output and the private calendar feed's tokens."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Container, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from icalendar import Calendar, Event
from sqlalchemy import and_, delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from tribes.accounts.models import User
from tribes.db import utcnow
from tribes.groups.models import Membership
from tribes.groups.policy import member_of
from tribes.i18n import _
from tribes.meetups.models import CalendarToken, Meetup
from tribes.meetups.times import clamp_to_accepted, local

#: cancelled meetups stay in the private feed this long after the cancellation
CANCELLED_KEPT = timedelta(days=30)
FEED_LIMIT = 500


def _event(meetup: Meetup, meetup_url: str | None, show_online: bool = False) -> Event:
    event = Event()
    event.add("uid", meetup.uid)
    event.add("dtstamp", utcnow().replace(microsecond=0))
    event.add("created", meetup.created_at.astimezone(UTC).replace(microsecond=0))
    event.add("last-modified", meetup.updated_at.astimezone(UTC).replace(microsecond=0))
    event.add("sequence", meetup.sequence)
    event.add("status", "CANCELLED" if meetup.status == "cancelled" else "CONFIRMED")
    event.add("summary", meetup.title)
    event.add("dtstart", local(meetup.starts_at, meetup.timezone).replace(microsecond=0))
    event.add("dtend", local(meetup.ends_at, meetup.timezone).replace(microsecond=0))
    description = meetup.description or ""
    if meetup.status == "cancelled" and meetup.cancel_reason:
        cancelled = _("Cancelled: %(reason)s", reason=meetup.cancel_reason)
        description = f"{cancelled}\n\n{description}".strip()
    if description:
        event.add("description", description)
    if meetup.location:
        event.add("location", meetup.location)
    url = (meetup.online_url if show_online else None) or meetup_url
    if url:
        event.add("url", url)
    return event


def calendar(
    meetups: list[Meetup], url_for_meetup: Any = None, name: str | None = None, method: str = "PUBLISH",
    people: Any = None, online: Container[int] = (), extra: Sequence[Event] = (), span: Sequence[datetime] = (),
) -> bytes:
    """A VCALENDAR with one VEVENT per meetup and a VTIMEZONE for every zone used.

    `people(meetup, event)` may add ORGANIZER and ATTENDEE to each event (iTIP mails); the
    online link appears only for the meetup ids in `online` (`online.readers_of_link`);
    `extra` events (a series' master and overrides) are added as they are, `span` are
    further instants the time zones must cover."""
    cal = Calendar()
    cal.add("prodid", "-//Tribes//Meetups//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    if name:
        cal.add("x-wr-calname", name)
    for meetup in meetups:
        event = _event(meetup, url_for_meetup(meetup) if url_for_meetup else None, meetup.id in online)
        if people is not None:
            people(meetup, event)
        cal.add_component(event)
    for event in extra:
        cal.add_component(event)
    moments = [*(m.starts_at for m in meetups), *(m.ends_at for m in meetups), *span]
    if moments:
        # a year either side, so every VTIMEZONE carries the DST transitions around its events;
        # clamped to the accepted years (older data far away gets no transitions, never an error)
        first = clamp_to_accepted(min(moments)) - timedelta(days=366)
        last = clamp_to_accepted(max(moments)) + timedelta(days=366)
        cal.add_missing_timezones(first_date=first.date(), last_date=last.date())
    return cal.to_ical()


# ---------------------------------------------------------------- private feed


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def rotate_token(session: Session, user_id: int) -> str:
    """A new feed token for the user (the old one stops working); returns the raw token."""
    raw = secrets.token_urlsafe(32)
    row = session.scalar(select(CalendarToken).where(CalendarToken.user_id == user_id).with_for_update())
    if row is None:
        try:
            with session.begin_nested():
                session.add(CalendarToken(user_id=user_id, token_hash=_hash(raw), created_at=utcnow()))
            return raw
        except IntegrityError:
            row = session.scalars(select(CalendarToken).where(CalendarToken.user_id == user_id)).one()
    row.token_hash, row.created_at = _hash(raw), utcnow()
    session.flush()
    return raw


def drop_token(session: Session, user_id: int) -> None:
    """Remove the user's feed token: the feed URL answers 404 until a new one is made."""
    session.execute(delete(CalendarToken).where(CalendarToken.user_id == user_id))


def has_token(session: Session, user_id: int) -> bool:
    """Whether the user has a private feed."""
    return session.scalar(select(CalendarToken.id).where(CalendarToken.user_id == user_id)) is not None


def user_for_token(session: Session, raw: str) -> User | None:
    """The owner of a feed token, or None."""
    if not raw or len(raw) > 200:
        return None
    return session.scalar(
        select(User).join(CalendarToken, CalendarToken.user_id == User.id).where(CalendarToken.token_hash == _hash(raw))
    )


def feed_meetups(session: Session, user_id: int) -> list[Meetup]:
    """Upcoming meetups of the user's tribes, plus ones cancelled in the last 30 days."""
    now = utcnow()
    stmt = (
        select(Meetup)
        .join(Membership, member_of(Meetup.tribe_id, user_id))
        .where(
            or_(
                and_(Meetup.status == "scheduled", Meetup.ends_at > now),
                and_(Meetup.status == "cancelled", Meetup.cancelled_at > now - CANCELLED_KEPT),
            ),
        )
        .order_by(Meetup.starts_at, Meetup.created_at, Meetup.id)
        .limit(FEED_LIMIT)
        .options(selectinload(Meetup.tribe))
    )
    return list(session.scalars(stmt))
