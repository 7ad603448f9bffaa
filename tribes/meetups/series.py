"""Recurring meet-up series: create, materialise occurrences, change this and following,
end, answer all following, and notice a series that lost its organiser.

"This and following" splits the series the RFC 5545 way: the old series gets an UNTIL just
before the chosen occurrence, a new series (new UID) starts there and takes the following
occurrences along (their RSVPs stay). A change of one occurrence alone goes through
`service.update_meetup` and becomes an override (RECURRENCE-ID = its `original_start`).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tribes.db import utcnow
from tribes.errors import ValidationFailed
from tribes.groups import policy
from tribes.groups.models import Tribe
from tribes.i18n import _
from tribes.meetups import checkin, questions, recurrence, seats, service
from tribes.meetups.models import Meetup, MeetupQuestion, Rsvp
from tribes.meetups.series_models import MeetupSeries, SeriesRsvp
from tribes.meetups.times import to_utc
from tribes.notifications.service import notify

#: how far ahead occurrences exist: 12 months for monthly rules, 6 months for more frequent ones
HORIZON_MONTHLY = timedelta(days=366)
HORIZON_FREQUENT = timedelta(days=183)
TEMPLATE = ("title", "description", "location", "online_url", "capacity", "max_guests", "attendee_visibility")
ORPHANED_KIND = "series_orphaned"


def horizon(series: MeetupSeries) -> timedelta:
    """How far ahead of now the series' occurrences are materialised."""
    return HORIZON_MONTHLY if series.rrule.startswith("FREQ=MONTHLY") else HORIZON_FREQUENT


def get_series_for(session: Session, user_id: int, series_id: int, minimum: str = "member") -> MeetupSeries:
    """The series, if the user is a member of its tribe (404 otherwise; 403 below `minimum`)."""
    series: MeetupSeries
    series, member = policy.get_as_member(session, MeetupSeries, series_id, user_id)
    policy.require_role(member, minimum)
    return series


def _local(value: datetime, zone: str) -> datetime:
    return recurrence.to_local(value, zone) if value.tzinfo is not None else value


def _occurrence(series: MeetupSeries, start: datetime) -> Meetup:
    end = recurrence.to_utc(recurrence.to_local(start, series.timezone) + timedelta(minutes=series.duration_minutes),
                            series.timezone)
    now = utcnow()
    return Meetup(
        tribe_id=series.tribe_id, created_by_id=series.organiser_id, title=series.title,
        description=series.description, starts_at=start, ends_at=end, timezone=series.timezone,
        location=series.location, online_url=series.online_url, capacity=series.capacity,
        max_guests=series.max_guests, attendee_visibility=series.attendee_visibility, status="scheduled",
        sequence=0, going_count=0, uid=f"{uuid.uuid4()}@tribes", series_id=series.id, original_start=start,
        checkin_code=checkin.new_code(), created_at=now, updated_at=now,
    )


def occurrence_starts(series: MeetupSeries, end: datetime) -> list[datetime]:
    """Every start the rule gives from the series' first one up to `end` (and its until)."""
    return recurrence.expand(series.rrule, series.starts_at, series.timezone, series.starts_at, end, series.until)


def _ask_as_before(session: Session, series: MeetupSeries, made: list[Meetup],
                   items: list[dict[str, Any]] | None = None) -> None:
    """New occurrences ask what the series asks: `items` when it is created, later the questions
    of its latest occurrence before them."""
    if not made:
        return
    if items is None:
        latest = session.scalar(
            select(Meetup.id).where(Meetup.series_id == series.id, Meetup.id.not_in([m.id for m in made]),
                                    Meetup.original_start < min(m.original_start for m in made if m.original_start))
            .order_by(Meetup.original_start.desc()).limit(1))
        if latest is None:
            return
        items = [{"text": q.text, "required": q.required} for q in questions.questions_of(session, [latest])[latest]]
    if not items:
        return
    now = utcnow()
    session.add_all(MeetupQuestion(meetup_id=meetup.id, position=index, text=item["text"],
                                   required=bool(item.get("required")), created_at=now)
                    for meetup in made for index, item in enumerate(items))
    session.flush()


def materialise(session: Session, series: MeetupSeries, now: datetime,
                ask: list[dict[str, Any]] | None = None) -> list[Meetup]:
    """Create the missing occurrences up to the horizon; idempotent (the unique
    (series_id, original_start) settles two workers racing). They ask the series' questions
    (`ask` at its creation); standing answers apply to new ones, but for "going" to an
    occurrence with required questions (the member answers those there)."""
    if series.status != "active":
        return []
    limit = now + horizon(series)
    if series.until is not None:
        limit = min(limit, series.until)
    start = series.starts_at
    if series.materialised_until is not None:
        start = max(start, series.materialised_until + timedelta(microseconds=1))
    starts = recurrence.expand(series.rrule, series.starts_at, series.timezone, start, limit, series.until)
    existing = set(session.scalars(
        select(Meetup.original_start).where(Meetup.series_id == series.id, Meetup.original_start.in_(starts))
    )) if starts else set()
    missing = [moment for moment in starts if moment not in existing]
    made: list[Meetup] = []
    try:  # all at once (one INSERT); only when another worker raced us, one by one
        with session.begin_nested():
            made = [_occurrence(series, moment) for moment in missing]
            session.add_all(made)
    except IntegrityError:
        made = []
        for moment in missing:
            meetup = _occurrence(series, moment)
            try:
                with session.begin_nested():
                    session.add(meetup)
            except IntegrityError:
                continue  # another worker made it first
            made.append(meetup)
    if series.materialised_until is None or limit > series.materialised_until:
        series.materialised_until = limit
    session.flush()
    _ask_as_before(session, series, made, ask)
    answers = session.scalars(select(SeriesRsvp).where(SeriesRsvp.series_id == series.id)
                              .order_by(SeriesRsvp.created_at, SeriesRsvp.id)).all()
    for meetup in made:
        if meetup.ends_at <= now:
            continue
        for answer in answers:
            try:
                with session.begin_nested():
                    seats.set_rsvp(session, meetup, answer.user_id, answer.status, 0)
            except ValidationFailed:
                continue  # required questions: not answered for them
    return made


def create_series(session: Session, tribe: Tribe, actor_id: int, data: dict[str, Any], rec: dict[str, Any]) -> Meetup:
    """A series from the new-meetup fields and `recurrence: {rrule, until?}`; returns the first occurrence."""
    rule = recurrence.parse(rec.get("rrule") or "")
    zone = data["timezone"]
    starts_at = to_utc(data["starts_at"], zone, "starts_at")
    ends_at = to_utc(data["ends_at"], zone, "ends_at")
    service._check_times(starts_at, ends_at)
    service._check_guests(tribe, data.get("max_guests") or 0)
    local_start = recurrence.to_local(starts_at, zone)
    duration = recurrence.to_local(ends_at, zone) - local_start
    first = recurrence.first(rule.rrule, local_start, zone)
    if first is None:
        raise ValidationFailed({"recurrence": _("This repeat rule gives no meetup.")})
    until = recurrence.end_of_day(rec["until"], zone) if rec.get("until") else None
    now = utcnow()
    series = MeetupSeries(
        tribe_id=tribe.id, organiser_id=actor_id, rrule=rule.rrule, starts_at=first, until=until, timezone=zone,
        duration_minutes=max(1, int(duration.total_seconds() // 60)), title=data["title"],
        description=data.get("description") or "", location=data.get("location") or "",
        online_url=data.get("online_url"), capacity=data.get("capacity"), max_guests=data.get("max_guests") or 0,
        attendee_visibility=data.get("attendee_visibility") or "members", status="active",
        uid=f"series-{uuid.uuid4()}@tribes", sequence=0, created_at=now, updated_at=now,
    )
    if rule.count is not None:
        last = recurrence.nth_last(rule.rrule, first, zone, rule.count)
        series.until = last if series.until is None else min(series.until, last)
    if series.until is not None and series.until < first:
        raise ValidationFailed({"recurrence": _("The series ends before its first meetup.")})
    session.add(series)
    session.flush()
    ask = [{"text": q["text"], "required": bool(q.get("required"))} for q in data.get("questions") or []]
    if len(ask) > questions.MAX_QUESTIONS:
        raise ValidationFailed({"questions": _("At most %(count)s questions.", count=questions.MAX_QUESTIONS)})
    made = materialise(session, series, now, ask)
    meetup = next((m for m in made if m.original_start == first), None)
    if meetup is None:  # the first date lies beyond the horizon: it exists all the same
        meetup = _occurrence(series, first)
        session.add(meetup)
        session.flush()
        _ask_as_before(session, series, [meetup], ask)
    service._notify_members(session, meetup, actor_id)
    return meetup


def occurrences_query(series_id: int, after: datetime | None = None) -> Select[tuple[Meetup]]:
    """The series' occurrences (those ending after `after`, when given), to be ordered by
    (original_start, id): soonest first."""
    stmt = select(Meetup).where(Meetup.series_id == series_id)
    if after is not None:
        stmt = stmt.where(Meetup.ends_at > after)
    return stmt


def occurrences(session: Session, series_id: int, after: datetime | None = None, limit: int | None = None) -> list[Meetup]:
    """The series' occurrences, soonest first (those ending after `after`, when given)."""
    stmt = occurrences_query(series_id, after).order_by(Meetup.original_start, Meetup.id)
    if limit:
        stmt = stmt.limit(limit)
    return list(session.scalars(stmt))


def end_series(session: Session, series: MeetupSeries, actor_id: int) -> MeetupSeries:
    """Stop the series: future occurrences cancelled (their people told), the rule ends now."""
    now = utcnow()
    if series.status == "ended":
        return series
    for meetup in occurrences(session, series.id):
        if meetup.status == "scheduled" and meetup.starts_at > now:
            service.cancel_meetup(session, meetup, actor_id, _("The series ended."))
    series.status, series.updated_at = "ended", now
    series.until = now if series.until is None or series.until > now else series.until
    series.sequence += 1
    session.flush()
    return series


def set_series_rsvp(session: Session, series: MeetupSeries, user_id: int, status: str) -> list[Rsvp]:
    """Answer every following occurrence (seat rules of `seats.set_rsvp`); later ones inherit it."""
    now = utcnow()
    answer = session.scalar(select(SeriesRsvp).where(SeriesRsvp.series_id == series.id, SeriesRsvp.user_id == user_id))
    if answer is None:
        try:
            with session.begin_nested():
                answer = SeriesRsvp(series_id=series.id, user_id=user_id, status=status, created_at=now)
                session.add(answer)
        except IntegrityError:
            answer = session.scalars(
                select(SeriesRsvp).where(SeriesRsvp.series_id == series.id, SeriesRsvp.user_id == user_id)
            ).one()
    answer.status, answer.updated_at = status, now
    session.flush()
    done = []
    for meetup in occurrences(session, series.id, after=now):
        if meetup.status != "scheduled":
            continue
        mine = service.my_rsvp(session, meetup.id, user_id)
        done.append(seats.set_rsvp(session, meetup, user_id, status, mine.guests if mine else 0))
    return done


def offers_adoption(series: MeetupSeries, user_id: int) -> bool:
    """Whether the series page offers an organiser to take the series over: an orphaned
    series, or one still running that somebody else organises."""
    return series.status == "orphaned" or (series.organiser_id != user_id and series.status != "ended")


def adopt(session: Session, series: MeetupSeries, actor_id: int) -> MeetupSeries:
    """An organiser takes the series over; an orphaned one produces occurrences again."""
    series.organiser_id = actor_id
    if series.status == "orphaned":
        series.status, series.orphan_notified_at = "active", None
    series.updated_at = utcnow()
    session.flush()
    materialise(session, series, utcnow())
    return series


def check_orphaned(session: Session, series: MeetupSeries, now: datetime, leaving: bool = False) -> bool:
    """Orphan the series when its organiser is no longer organiser+ of the tribe (or is
    `leaving` it: the membership or the account is about to go); tell the tribe's admins once.
    True when it is (now) orphaned."""
    if series.status == "orphaned":
        return True
    role = policy.role_of(session, series.tribe_id, series.organiser_id) if series.organiser_id else None
    if policy.at_least(role, "organiser") and not leaving:
        return False
    series.status, series.updated_at = "orphaned", now
    if series.orphan_notified_at is None:
        series.orphan_notified_at = now
        admins = session.scalars(policy.members_at_least(series.tribe_id, "admin")).all()
        data = {"series_id": series.id, "tribe": series.tribe.slug, "title": series.title}
        for admin_id in admins:
            if admin_id == series.organiser_id:  # an admin leaving or deleting their account
                continue
            notify(session, admin_id, ORPHANED_KIND, data, tribe_id=series.tribe_id)
    session.flush()
    return True


def orphan_series_of(session: Session, user_id: int, tribe_id: int | None = None, leaving: bool = False) -> None:
    """The moment an organiser steps down, leaves, is removed or banned, or deletes the account,
    their running series (in that tribe, or everywhere) are checked at once, not only by the
    job's next pass."""
    stmt = select(MeetupSeries).where(MeetupSeries.organiser_id == user_id, MeetupSeries.status == "active")
    if tribe_id is not None:
        stmt = stmt.where(MeetupSeries.tribe_id == tribe_id)
    now = utcnow()
    for series in session.scalars(stmt.order_by(MeetupSeries.id)):
        check_orphaned(session, series, now, leaving=leaving)


def materialise_all(session: Session, now: datetime) -> int:
    """One job pass: orphan checks, then missing occurrences of every active series."""
    made = 0
    for series in session.scalars(select(MeetupSeries).where(MeetupSeries.status == "active").order_by(MeetupSeries.id)):
        if check_orphaned(session, series, now):
            continue
        made += len(materialise(session, series, now))
    return made


def cancel_following(session: Session, series: MeetupSeries, meetup: Meetup, actor_id: int, reason: str) -> None:
    """Cancel this occurrence and all following: the series ends just before it."""
    if meetup.series_id != series.id or meetup.original_start is None:
        raise ValidationFailed({"from_meetup_id": _("Choose a meetup of this series.")})
    start = meetup.original_start
    for item in occurrences(session, series.id):
        if item.original_start is not None and item.original_start >= start and item.status == "scheduled":
            service.cancel_meetup(session, item, actor_id, reason)
    series.until = start - timedelta(seconds=1)
    if start <= series.starts_at:
        series.status = "ended"
    series.sequence += 1
    series.updated_at = utcnow()
    session.flush()
