""""This and all following": change a series from one occurrence on (RFC 5545 split)."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tribes.db import utcnow
from tribes.errors import ValidationFailed
from tribes.i18n import _
from tribes.meetups import recurrence, service
from tribes.meetups.models import Meetup
from tribes.meetups.series import TEMPLATE, materialise, occurrences
from tribes.meetups.series_models import MeetupSeries, SeriesRsvp

COPIED = ("tribe_id", "organiser_id", "rrule", "until", "timezone", "duration_minutes", *TEMPLATE)


def _split(session: Session, series: MeetupSeries, at: datetime) -> MeetupSeries:
    """End `series` just before `at` and start a copy there (new UID); standing answers copied."""
    now = utcnow()
    new = MeetupSeries(**{k: getattr(series, k) for k in COPIED}, starts_at=at, status=series.status,
                       uid=f"series-{uuid.uuid4()}@tribes", sequence=0, created_at=now, updated_at=now)
    session.add(new)
    series.until, series.sequence, series.updated_at = at - timedelta(seconds=1), series.sequence + 1, now
    session.flush()
    for answer in session.scalars(select(SeriesRsvp).where(SeriesRsvp.series_id == series.id)).all():
        session.add(SeriesRsvp(series_id=new.id, user_id=answer.user_id, status=answer.status, created_at=now,
                               updated_at=now))
    return new


def change_following(session: Session, series: MeetupSeries, actor_id: int, data: dict[str, Any]) -> MeetupSeries:
    """Apply `data` (template fields, start_time "HH:MM", duration_minutes, rrule, until) to the
    occurrence `from_meetup_id` and all following ones; earlier ones stay as they are."""
    start = session.get(Meetup, data.get("from_meetup_id") or 0)
    if start is None or start.series_id != series.id or start.original_start is None:
        raise ValidationFailed({"from_meetup_id": _("Choose a meetup of this series.")})
    if series.status == "ended":
        raise ValidationFailed({"from_meetup_id": _("This series has ended.")})
    zone = series.timezone
    old_local = recurrence.to_local(start.original_start, zone)
    clock: time = data.get("start_time") or old_local.time()
    rule = recurrence.parse(data["rrule"]).rrule if data.get("rrule") else series.rrule
    until = series.until
    if "until" in data:
        until = recurrence.end_of_day(data["until"], zone) if data["until"] else None
    local_first = datetime.combine(old_local.date(), clock)
    first = recurrence.first(rule, local_first, zone)
    if first is None or (until is not None and first > until):
        raise ValidationFailed({"recurrence": _("This repeat rule gives no meetup.")})
    template = {k: data[k] for k in TEMPLATE if k in data and (data[k] is not None or k in ("online_url", "capacity"))}
    timing = rule != series.rrule or clock != old_local.time() or "duration_minutes" in data or "until" in data
    following = [m for m in occurrences(session, series.id)
                 if m.original_start is not None and m.original_start >= start.original_start]
    target = series if start.original_start == series.starts_at else _split(session, series, first)
    for key, value in template.items():
        setattr(target, key, value if value is not None or key in ("online_url", "capacity") else "")
    target.rrule, target.until, target.starts_at = rule, until, first
    target.duration_minutes = data.get("duration_minutes") or target.duration_minutes
    target.sequence += 1 if target is series else 0
    target.materialised_until, target.updated_at = None, utcnow()
    session.flush()
    starts = [first, *[m.original_start for m in following if m.original_start is not None]]
    fits = set(occurrences_from(target, max(starts) + timedelta(days=2)))
    for meetup in following:
        assert meetup.original_start is not None
        local_day = recurrence.to_local(meetup.original_start, zone).date()
        original = recurrence.to_utc(datetime.combine(local_day, clock), zone)
        meetup.series_id, meetup.original_start = target.id, original
        session.flush()
        if meetup.status != "scheduled":
            continue
        if timing and original not in fits:
            service.cancel_meetup(session, meetup, actor_id, _("The series' rule changed."))
            continue
        changes: dict[str, Any] = dict(template)
        if timing:
            end_local = datetime.combine(local_day, clock) + timedelta(minutes=target.duration_minutes)
            changes["starts_at"], changes["ends_at"] = original, recurrence.to_utc(end_local, zone)
        if changes:
            service.update_meetup(session, meetup, changes, actor_id)
    materialise(session, target, utcnow())
    return target


def occurrences_from(series: MeetupSeries, end: datetime) -> list[datetime]:
    """The starts the series' rule gives from its first up to `end`."""
    return recurrence.expand(series.rrule, series.starts_at, series.timezone, series.starts_at, end, series.until)
