"""A series in the calendar feed: one master VEVENT (RRULE, EXDATE for cancelled occurrences)
plus one VEVENT with RECURRENCE-ID (the occurrence's original start) per changed occurrence.

The single-meetup .ics stays one plain VEVENT per occurrence (its own UID)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import Event, vRecur
from sqlalchemy import select
from sqlalchemy.orm import Session

from tribes.db import utcnow
from tribes.meetups import recurrence
from tribes.meetups.ical import _event, calendar
from tribes.meetups.models import Meetup
from tribes.meetups.online import readers_of_link
from tribes.meetups.series_models import MeetupSeries

FIELDS = ("title", "description", "location", "online_url")


def _wall(instant: datetime, zone: str) -> datetime:
    """The instant as wall time with the zone attached (so the feed writes TZID=zone)."""
    return recurrence.to_local(instant, zone).replace(tzinfo=ZoneInfo(zone), microsecond=0)


def expected_end(series: MeetupSeries, original: datetime) -> datetime:
    """The end the series' template gives an occurrence starting at `original`."""
    local = recurrence.to_local(original, series.timezone) + timedelta(minutes=series.duration_minutes)
    return recurrence.to_utc(local, series.timezone)


def is_override(series: MeetupSeries, meetup: Meetup) -> bool:
    """Whether the occurrence differs from what the master VEVENT gives for its date."""
    if meetup.original_start is None:
        return False
    if meetup.starts_at != meetup.original_start or meetup.ends_at != expected_end(series, meetup.original_start):
        return True
    return any(getattr(meetup, key) != getattr(series, key) for key in FIELDS)


def master(series: MeetupSeries, occurrences: list[Meetup], url: str | None) -> Event:
    """The series' VEVENT: DTSTART of its first occurrence, RRULE (UNTIL in UTC), EXDATEs."""
    zone = series.timezone
    event = Event()
    event.add("uid", series.uid)
    event.add("dtstamp", utcnow().replace(microsecond=0))
    event.add("created", series.created_at.astimezone(UTC).replace(microsecond=0))
    event.add("last-modified", series.updated_at.astimezone(UTC).replace(microsecond=0))
    event.add("sequence", series.sequence)
    event.add("status", "CONFIRMED")
    event.add("summary", series.title)
    event.add("dtstart", _wall(series.starts_at, zone))
    event.add("dtend", _wall(expected_end(series, series.starts_at), zone))
    rule = vRecur.from_ical(series.rrule)
    if series.until is not None:
        rule["UNTIL"] = series.until.astimezone(UTC).replace(microsecond=0)
    event.add("rrule", rule)
    exdates = [_wall(m.original_start, zone) for m in occurrences
               if m.status == "cancelled" and m.original_start is not None]
    if exdates:
        event.add("exdate", exdates)
    if series.description:
        event.add("description", series.description)
    if series.location:
        event.add("location", series.location)
    if url:  # the online link never on the master: only on the occurrences the reader may see it for
        event.add("url", url)
    return event


def override(series: MeetupSeries, meetup: Meetup, url: str | None, show_online: bool = False) -> Event:
    """One changed occurrence (or one whose online link the reader may see): its own VEVENT under
    the series' UID with RECURRENCE-ID."""
    event = _event(meetup, url, show_online)
    del event["uid"]
    event.add("uid", series.uid)
    assert meetup.original_start is not None
    event.add("recurrence-id", _wall(meetup.original_start, series.timezone))
    return event


def feed(session: Session, meetups: list[Meetup], user_id: int, url_for_meetup: Any = None,
         name: str | None = None) -> bytes:
    """The private feed of `user_id`: plain meetups as before, every series they touch as master +
    overrides; the online link only on the meetups the user may read it for (going or organising)."""
    plain = [m for m in meetups if m.series_id is None]
    ids = sorted({m.series_id for m in meetups if m.series_id is not None})
    extra: list[Event] = []
    span: list[datetime] = []
    every = list(session.scalars(select(Meetup).where(Meetup.series_id.in_(ids))
                                 .order_by(Meetup.original_start, Meetup.id))) if ids else []
    allowed = readers_of_link(session, [*plain, *every], user_id)
    for series in session.scalars(select(MeetupSeries).where(MeetupSeries.id.in_(ids)).order_by(MeetupSeries.id)):
        occurrences = [m for m in every if m.series_id == series.id]
        url = url_for_meetup(occurrences[0]) if url_for_meetup and occurrences else None
        extra.append(master(series, occurrences, url))
        for meetup in occurrences:
            linked = bool(meetup.online_url) and meetup.id in allowed
            if meetup.status == "scheduled" and (linked or is_override(series, meetup)):
                extra.append(override(series, meetup, url_for_meetup(meetup) if url_for_meetup else None, linked))
        span += [series.starts_at, *(m.ends_at for m in occurrences)]
        if series.until is not None:
            span.append(series.until)
    return calendar(plain, url_for_meetup, name=name, online=allowed, extra=extra, span=span)
