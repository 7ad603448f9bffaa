""""This and all following": change a series from one occurrence on (RFC 5545 split)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from itertools import islice
from typing import Any

from dateutil.rrule import rrulestr
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


class RuleCannotMove(ValidationFailed):
    """A new date for "this and following" that the series' rule cannot carry (422 fields.start_date)."""


#: how many coming dates of a moved rule must match the old ones moved by the same days
MOVE_CHECK = 120


def moved_rule(rule: str, local_start: datetime, days: int) -> str | None:
    """The rule moved `days` days along with its start (weekly BYDAY weekdays shifted), or None
    when the moved start cannot carry it: rules tied to days of the month (every first
    Thursday, monthly on the 7th), BYMONTH/BYSETPOS, or a rule whose dates would not all move
    by the same days (every 2 weeks on Monday and Friday, moved past the week's end)."""
    parts = dict(piece.split("=", 1) for piece in rule.split(";"))
    if parts["FREQ"] not in ("DAILY", "WEEKLY") or set(parts) - {"FREQ", "INTERVAL", "BYDAY", "WKST"}:
        return None
    if "BYDAY" in parts:
        codes = parts["BYDAY"].split(",")
        if parts["FREQ"] != "WEEKLY" or any(code not in recurrence.DAYS for code in codes):
            return None
        parts["BYDAY"] = ",".join(recurrence.DAYS[(recurrence.DAYS.index(code) + days) % 7] for code in codes)
    moved = ";".join(f"{key}={value}" for key, value in parts.items())
    shift = timedelta(days=days)
    old = [moment + shift for moment in islice(rrulestr(f"RRULE:{rule}", dtstart=local_start), MOVE_CHECK)]
    new = list(islice(rrulestr(f"RRULE:{moved}", dtstart=local_start + shift), MOVE_CHECK))
    return moved if old == new else None


def _move_days(session: Session, series: MeetupSeries, start: Meetup, old_local: datetime,
               new_day: date | None, rule_given: bool) -> int:
    """How many days "this and following" moves (0: same day); 422 fields.start_date when the
    rule cannot move, or when the new date is not after the occurrence before it."""
    if new_day is None or new_day == old_local.date():
        return 0
    days = (new_day - old_local.date()).days
    if not rule_given and moved_rule(series.rrule, old_local, days) is None:
        raise RuleCannotMove({"start_date": _(
            "This series' rule cannot move to another day: give a new rule to move all following meetups; "
            "a new date alone applies to this meetup only.")})
    assert start.original_start is not None
    before = session.scalar(select(Meetup.original_start).where(
        Meetup.series_id == series.id, Meetup.original_start < start.original_start)
        .order_by(Meetup.original_start.desc()).limit(1))
    if before is not None and recurrence.to_local(before, series.timezone).date() >= new_day:
        raise ValidationFailed({"start_date": _(
            "Move it to a day after the meetup before it, or change only this one.")})
    return days


def change_following(session: Session, series: MeetupSeries, actor_id: int, data: dict[str, Any]) -> MeetupSeries:
    """Apply `data` (template fields, start_date, start_time "HH:MM", duration_minutes, rrule,
    until) to the occurrence `from_meetup_id` and all following ones; earlier ones stay as they
    are. A new `start_date` moves this and every following occurrence by the same days (the
    rule's weekdays along, and a series' end date) unless the rule cannot move (422)."""
    start = session.get(Meetup, data.get("from_meetup_id") or 0)
    if start is None or start.series_id != series.id or start.original_start is None:
        raise ValidationFailed({"from_meetup_id": _("Choose a meetup of this series.")})
    if series.status == "ended":
        raise ValidationFailed({"from_meetup_id": _("This series has ended.")})
    zone = series.timezone
    old_local = recurrence.to_local(start.original_start, zone)
    clock: time = data.get("start_time") or old_local.time()
    days = _move_days(session, series, start, old_local, data.get("start_date"), bool(data.get("rrule")))
    shift = timedelta(days=days)
    rule = recurrence.parse(data["rrule"]).rrule if data.get("rrule") else series.rrule
    if days and not data.get("rrule"):
        rule = moved_rule(series.rrule, old_local, days) or rule
    until = series.until
    if "until" in data:
        until = recurrence.end_of_day(data["until"], zone) if data["until"] else None
    elif until is not None and days:
        until = recurrence.to_utc(recurrence.to_local(until, zone) + shift, zone)
    local_first = datetime.combine(old_local.date() + shift, clock)
    first = recurrence.first(rule, local_first, zone)
    if first is None or (until is not None and first > until):
        raise ValidationFailed({"recurrence": _("This repeat rule gives no meetup.")})
    if days and first != recurrence.to_utc(local_first, zone):
        raise ValidationFailed({"start_date": _("The new date is not one of the dates of the new rule.")})
    template = {k: data[k] for k in TEMPLATE if k in data and (data[k] is not None or k in ("online_url", "capacity"))}
    timing = (rule != series.rrule or clock != old_local.time() or "duration_minutes" in data or "until" in data
              or days != 0)
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
    fits = set(occurrences_from(target, max(starts) + max(shift, timedelta(0)) + timedelta(days=2)))
    # moved later, the last one first: no occurrence takes a date another still holds
    for meetup in reversed(following) if days > 0 else following:
        assert meetup.original_start is not None
        local_day = recurrence.to_local(meetup.original_start, zone).date() + shift
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
