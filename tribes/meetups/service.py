"""Meetup operations: create, change, cancel, look up and list."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from tribes import events
from tribes.accounts.models import User
from tribes.accounts.schemas import card
from tribes.db import utcnow
from tribes.errors import ValidationFailed
from tribes.groups import policy
from tribes.groups.models import Membership, Tribe
from tribes.i18n import _
from tribes.meetups import checkin, online, questions, seats
from tribes.meetups.models import Meetup, Rsvp
from tribes.meetups.schemas import MeetupOut
from tribes.meetups.times import as_utc, shift, to_utc
from tribes.notifications.service import notify
from tribes.paging import keyset_page

#: fields whose change moves the event in time or place (iCalendar SEQUENCE +1)
RESCHEDULING = ("starts_at", "ends_at", "timezone", "location", "online_url")
MAX_DURATION_DAYS = 31


def rsvp_facts(
    session: Session, meetups: list[Meetup], user_id: int | None
) -> tuple[dict[int, str], dict[int, int]]:
    """For a page of meetups, in two queries: the user's answer (none for user None) and
    the waitlist length, by meetup id."""
    ids = [m.id for m in meetups]
    if not ids:
        return {}, {}
    mine: dict[int, str] = {}
    if user_id is not None:
        mine = dict(
            session.execute(  # type: ignore[arg-type]
                select(Rsvp.meetup_id, Rsvp.status).where(Rsvp.meetup_id.in_(ids), Rsvp.user_id == user_id)
            ).all()
        )
    waiting: dict[int, int] = dict(
        session.execute(  # type: ignore[arg-type]
            select(Rsvp.meetup_id, func.count())
            .where(Rsvp.meetup_id.in_(ids), Rsvp.status == "waitlisted")
            .group_by(Rsvp.meetup_id)
        ).all()
    )
    return mine, {k: int(v) for k, v in waiting.items()}


def reader_facts(session: Session, meetups: list[Meetup], user_id: int | None) -> tuple[Any, ...]:
    """`rsvp_facts` plus the meetups the reader organises and the questions: the arguments of
    `MeetupOut.many` after the meetups."""
    mine, waiting = rsvp_facts(session, meetups, user_id)
    return mine, waiting, online.organising(session, meetups, user_id), questions.questions_of(session, [m.id for m in meetups])


def meetup_out(session: Session, meetup: Meetup, user_id: int | None) -> MeetupOut:
    """One meetup as the given member (None: nobody in particular) sees it."""
    facts = reader_facts(session, [meetup], user_id)
    if meetup.id in facts[2]:
        checkin.ensure_code(session, meetup)
    return MeetupOut.many([meetup], *facts)[0]


# ---------------------------------------------------------------- lookups


def get_meetup_for(session: Session, user_id: int, meetup_id: int) -> Meetup:
    """The meetup, if the user is a member of its tribe; NotFound otherwise."""
    meetup: Meetup = policy.get_as_member(session, Meetup, meetup_id, user_id)[0]
    return meetup


def get_meetup_as(session: Session, user_id: int, meetup_id: int, minimum: str) -> tuple[Meetup, Membership]:
    """The meetup and my membership, requiring `minimum` role (404 outsiders, 403 below)."""
    meetup, member = policy.get_as_member(session, Meetup, meetup_id, user_id)
    policy.require_role(member, minimum)
    return meetup, member


def my_rsvp(session: Session, meetup_id: int, user_id: int) -> Rsvp | None:
    """The user's RSVP to the meetup, if any."""
    return session.scalar(select(Rsvp).where(Rsvp.meetup_id == meetup_id, Rsvp.user_id == user_id))


# ---------------------------------------------------------------- changes


def _check_times(starts_at: datetime, ends_at: datetime) -> None:
    if ends_at <= starts_at:
        raise ValidationFailed({"ends_at": _("The end must be after the start.")})
    if (ends_at - starts_at).days >= MAX_DURATION_DAYS:
        raise ValidationFailed({"ends_at": _("A meetup lasts less than %(days)s days.", days=MAX_DURATION_DAYS)})


def _check_guests(tribe: Tribe, max_guests: int) -> None:
    if max_guests > tribe.max_guests:
        raise ValidationFailed({"max_guests": _("This tribe allows at most %(count)s guests.", count=tribe.max_guests)})


def create_meetup(session: Session, tribe: Tribe, actor_id: int, data: dict[str, Any]) -> Meetup:
    """Schedule a meetup (organiser+ checked by the caller); the creator is not RSVPed."""
    starts_at = to_utc(data["starts_at"], data["timezone"], "starts_at")
    ends_at = to_utc(data["ends_at"], data["timezone"], "ends_at")
    _check_times(starts_at, ends_at)
    _check_guests(tribe, data.get("max_guests") or 0)
    now = utcnow()
    meetup = Meetup(
        tribe_id=tribe.id,
        created_by_id=actor_id,
        title=data["title"],
        description=data.get("description") or "",
        starts_at=starts_at,
        ends_at=ends_at,
        timezone=data["timezone"],
        location=data.get("location") or "",
        online_url=data.get("online_url"),
        capacity=data.get("capacity"),
        max_guests=data.get("max_guests") or 0,
        attendee_visibility=data.get("attendee_visibility") or "members",
        status="scheduled",
        sequence=0,
        going_count=0,
        uid=f"{uuid.uuid4()}@tribes",
        created_at=now,
        updated_at=now,
        checkin_code=checkin.new_code(),
    )
    session.add(meetup)
    session.flush()
    if data.get("questions"):
        questions.set_questions(session, meetup, data["questions"])
    _notify_members(session, meetup, actor_id)
    return meetup


def _notify_members(session: Session, meetup: Meetup, actor_id: int) -> None:
    """Tell every member of the tribe but the creator about a new meetup (one INSERT for all)."""
    actor = session.get(User, actor_id)
    data = {"meetup_id": meetup.id, "tribe": meetup.tribe.slug, "title": meetup.title,
            "starts_at": meetup.starts_at.isoformat()}
    if actor is not None:
        data["by"] = card(actor)
    member_ids = session.scalars(
        select(Membership.user_id).where(Membership.tribe_id == meetup.tribe_id, Membership.user_id != actor_id)
    ).all()
    for user_id in member_ids:
        notify(session, user_id, "meetup_created", data, about_user_id=actor_id)


def _broadcast(session: Session, meetup: Meetup) -> None:
    """Push `meetup_changed` to the tribe room once the transaction commits."""
    payload = meetup_out(session, meetup, None).model_dump(mode="json")
    room = f"tribe:{meetup.tribe_id}"

    def emit() -> None:
        from tribes.extensions import socketio

        socketio.emit("meetup_changed", payload, to=room)

    events.on_commit(session, emit)


def _notify_attendees(
    session: Session, meetup: Meetup, kind: str, extra: dict[str, Any], actor_id: int | None = None
) -> None:
    """Notify going and waitlisted members (naming who made the change, when known)."""
    user_ids = session.scalars(
        select(Rsvp.user_id).where(Rsvp.meetup_id == meetup.id, Rsvp.status.in_(("going", "waitlisted")))
    ).all()
    actor = session.get(User, actor_id) if actor_id is not None else None
    data = {"meetup_id": meetup.id, "tribe": meetup.tribe.slug, "title": meetup.title,
            "starts_at": meetup.starts_at.isoformat(), **extra}
    if actor is not None:
        data["by"] = card(actor)
    for uid in user_ids:
        if uid != actor_id:
            notify(session, uid, kind, data, about_user_id=actor_id)


def update_meetup(
    session: Session, meetup: Meetup, changes: dict[str, Any], actor_id: int | None = None
) -> Meetup:
    """Edit a meetup; a change of time or place bumps `sequence` and notifies attendees."""
    meetup = seats.lock_meetup(session, meetup.id)
    if meetup.status == "cancelled":
        raise ValidationFailed({"status": _("A cancelled meetup cannot be edited.")})
    changes = {k: v for k, v in changes.items() if v is not None or k in ("online_url", "capacity")}
    if "questions" in changes:
        questions.set_questions(session, meetup, changes.pop("questions"))
    zone = changes.get("timezone") or meetup.timezone
    for key in ("starts_at", "ends_at"):
        if key in changes:
            changes[key] = to_utc(changes[key], zone, key)
    _check_times(changes.get("starts_at", meetup.starts_at), changes.get("ends_at", meetup.ends_at))
    if "max_guests" in changes:
        _check_guests(meetup.tribe, changes["max_guests"])
    if changes.get("capacity") is not None and changes["capacity"] < meetup.going_count:
        raise ValidationFailed({"capacity": _("%(count)s seats are already taken.", count=meetup.going_count)})
    if "description" in changes and changes["description"] is None:
        changes["description"] = ""
    moved = [k for k in RESCHEDULING if k in changes and changes[k] != getattr(meetup, k)]
    old_capacity = meetup.capacity
    for key, value in changes.items():
        setattr(meetup, key, value)
    meetup.updated_at = utcnow()
    if moved:
        meetup.sequence += 1
    session.flush()
    if "capacity" in changes and changes["capacity"] != old_capacity:
        seats.promote_waitlist(session, meetup)
    if moved:
        _notify_attendees(session, meetup, "meetup_changed", {"changed": moved}, actor_id)
    _broadcast(session, meetup)
    return meetup


def cancel_meetup(session: Session, meetup: Meetup, actor_user_id: int | None, reason: str) -> Meetup:
    """Cancel: stays visible as cancelled (iCal STATUS:CANCELLED, sequence +1); attendees told."""
    meetup = seats.lock_meetup(session, meetup.id)
    if meetup.status == "cancelled":
        return meetup
    now = utcnow()
    meetup.status, meetup.cancel_reason, meetup.cancelled_at = "cancelled", reason or "", now
    meetup.sequence += 1
    meetup.updated_at = now
    session.flush()
    _notify_attendees(session, meetup, "meetup_cancelled", {"reason": meetup.cancel_reason}, actor_user_id)
    _broadcast(session, meetup)
    return meetup


# ---------------------------------------------------------------- listing


def earliest_start(start: datetime) -> datetime:
    """Before this instant began no meetup that has not ended by `start` (a meetup lasts less
    than MAX_DURATION_DAYS): `starts_at > earliest_start(start)` is implied by `ends_at > start`
    and bounds the index on starts_at, so the lists do not read a tribe's past meetups."""
    return shift(start, -timedelta(days=MAX_DURATION_DAYS))


def window(stmt: Select[Any], start: datetime | None, end: datetime | None) -> Select[Any]:
    """Meetups overlapping [start, end): not ended by `start` (default now), begun before `end`."""
    start = start or utcnow()
    stmt = stmt.where(Meetup.ends_at > start, Meetup.starts_at > earliest_start(start))
    if end is not None:
        stmt = stmt.where(Meetup.starts_at < end)
    return stmt


def tribe_meetups_query(tribe_id: int, start: datetime | None = None, end: datetime | None = None) -> Select[Any]:
    """A tribe's meetups in the window (page it by starts_at, id)."""
    stmt = select(Meetup).where(Meetup.tribe_id == tribe_id)
    return window(stmt, start, end).options(selectinload(Meetup.created_by), selectinload(Meetup.tribe))


def my_meetups_query(user_id: int, start: datetime | None = None, end: datetime | None = None) -> Select[Any]:
    """Meetups of all my tribes in the window (page it by starts_at, id)."""
    stmt = select(Meetup).join(Membership, policy.member_of(Meetup.tribe_id, user_id))
    return window(stmt, start, end).options(selectinload(Meetup.created_by), selectinload(Meetup.tribe))


def reminder_lead_minutes() -> int:
    """MEETUP_REMINDER_MINUTES from the app config (default 24 h)."""
    if has_app_context():
        return int(current_app.config.get("MEETUP_REMINDER_MINUTES", 1440))
    return 1440


#: which RSVPs each level of attendee access lists
ATTENDEE_STATUSES = {"all": ("going", "waitlisted"), "going": ("going",), "count": (), "none": ()}


def attendee_access(session: Session, meetup: Meetup, user_id: int) -> str:
    """What the user may see of who comes: all (organisers: going and waitlist), going
    (visibility "members"), count (visibility "count") or none (visibility "organisers")."""
    if policy.at_least(policy.role_of(session, meetup.tribe_id, user_id), "organiser"):
        return "all"
    return {"members": "going", "count": "count"}.get(meetup.attendee_visibility, "none")


def attendees_query(meetup_id: int, access: str) -> Select[Any]:
    """The RSVPs the given access lists, users loaded (page it by Rsvp.id or order it)."""
    return (
        select(Rsvp)
        .where(Rsvp.meetup_id == meetup_id, Rsvp.status.in_(ATTENDEE_STATUSES[access]))
        .options(selectinload(Rsvp.user))
    )


def _attendee_key(values: list[Any]) -> list[Any]:
    status, queued, created, ident = values
    if not all(isinstance(v, str) for v in (status, queued, created)) or not isinstance(ident, int):
        raise ValueError("bad cursor")
    return [status, as_utc(datetime.fromisoformat(queued)), as_utc(datetime.fromisoformat(created)), ident]


def attendee_page(
    session: Session, meetup_id: int, access: str, limit: int, cursor: str | None
) -> tuple[list[Rsvp], str | None]:
    """One page of the attendee list for the meetup page: going first (by answer time), then
    the waitlist in its order; returns the RSVPs and the next page's cursor."""
    queued = func.coalesce(Rsvp.waitlisted_at, Rsvp.created_at)
    return keyset_page(
        session, attendees_query(meetup_id, access), [Rsvp.status, queued, Rsvp.created_at, Rsvp.id],
        limit=limit, cursor=cursor, parse_key=_attendee_key,
        key_of=lambda r: [r.status, (r.waitlisted_at or r.created_at).isoformat(), r.created_at.isoformat(), r.id],
    )
