"""RSVPs, seats and the waitlist: capacity is never exceeded, freed seats go FIFO.

Seats are taken only by a conditional UPDATE (`going_count + n <= capacity`, the
rowcount decides) while the meetup row is locked (`SELECT ... FOR UPDATE` on
PostgreSQL, BEGIN IMMEDIATE on SQLite), so concurrent RSVPs cannot overbook.

Fairness rule: a freed seat goes to the member who joined the waitlist first *whose
party (the member plus guests) fits* into the free seats; a party too large for them
keeps its place and is skipped until enough seats are free. Shrinking one's party
while waitlisted keeps one's place; re-answering "going" while waitlisted too.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from tribes.db import rowcount, utcnow
from tribes.errors import Conflict, ValidationFailed
from tribes.i18n import _
from tribes.meetups.models import Meetup, Rsvp
from tribes.meetups.questions import check_answers, questions_of
from tribes.meetups.schemas import RsvpOut
from tribes.notifications.service import notify


def lock_meetup(session: Session, meetup_id: int) -> Meetup:
    """Lock the meetup row for this transaction and return it freshly loaded."""
    stmt = (
        select(Meetup)
        .where(Meetup.id == meetup_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return session.scalars(stmt).one()


def take_seats(session: Session, meetup_id: int, seats: int) -> bool:
    """Take `seats` seats if they are free; the conditional UPDATE's rowcount decides."""
    result = session.execute(
        update(Meetup)
        .where(
            Meetup.id == meetup_id,
            or_(Meetup.capacity.is_(None), Meetup.going_count + seats <= Meetup.capacity),
        )
        .values(going_count=Meetup.going_count + seats)
        .execution_options(synchronize_session=False)
    )
    return rowcount(result) == 1


def release_seats(session: Session, meetup_id: int, seats: int) -> None:
    """Give back `seats` seats."""
    if seats > 0:
        session.execute(
            update(Meetup)
            .where(Meetup.id == meetup_id)
            .values(going_count=Meetup.going_count - seats)
            .execution_options(synchronize_session=False)
        )


def waitlist_position(session: Session, rsvp: Rsvp) -> int | None:
    """1-based place on the waitlist (None unless waitlisted)."""
    if rsvp.status != "waitlisted" or rsvp.waitlisted_at is None:
        return None
    ahead = session.scalar(
        select(func.count()).where(
            Rsvp.meetup_id == rsvp.meetup_id,
            Rsvp.status == "waitlisted",
            or_(
                Rsvp.waitlisted_at < rsvp.waitlisted_at,
                and_(Rsvp.waitlisted_at == rsvp.waitlisted_at, Rsvp.id < rsvp.id),
            ),
        )
    )
    return int(ahead or 0) + 1


def position_column() -> Any:
    """A correlated subquery giving each waitlisted RSVP its position (one SQL statement)."""
    other = aliased(Rsvp)
    return (
        select(func.count())
        .where(
            other.meetup_id == Rsvp.meetup_id,
            other.status == "waitlisted",
            or_(
                other.waitlisted_at < Rsvp.waitlisted_at,
                and_(other.waitlisted_at == Rsvp.waitlisted_at, other.id <= Rsvp.id),
            ),
        )
        .correlate(Rsvp)
        .scalar_subquery()
    )


def rsvp_out(session: Session, rsvp: Rsvp | None) -> RsvpOut:
    """The contract's RSVP answer with its waitlist place (`{status: null, guests: 0}` for none)."""
    return RsvpOut.of(rsvp, waitlist_position(session, rsvp) if rsvp is not None else None)


def _notice(meetup: Meetup) -> dict[str, Any]:
    return {
        "meetup_id": meetup.id,
        "tribe": meetup.tribe.slug,
        "title": meetup.title,
        "starts_at": meetup.starts_at.isoformat(),
    }


def promote_waitlist(session: Session, meetup: Meetup) -> list[int]:
    """Fill free seats from the waitlist, oldest first among parties that fit; notify them."""
    promoted: list[int] = []
    if meetup.status != "scheduled" or meetup.ends_at <= utcnow():
        return promoted
    while True:
        going, capacity = session.execute(
            select(Meetup.going_count, Meetup.capacity).where(Meetup.id == meetup.id)
        ).one()
        stmt = select(Rsvp).where(Rsvp.meetup_id == meetup.id, Rsvp.status == "waitlisted")
        if capacity is not None:
            free = capacity - going
            if free <= 0:
                break
            stmt = stmt.where(Rsvp.guests + 1 <= free)
        candidate = session.scalars(stmt.order_by(Rsvp.waitlisted_at, Rsvp.id).limit(1)).first()
        if candidate is None or not take_seats(session, meetup.id, candidate.guests + 1):
            break
        candidate.status, candidate.waitlisted_at, candidate.updated_at = "going", None, utcnow()
        session.flush()
        promoted.append(candidate.user_id)
        notify(session, candidate.user_id, "meetup_promoted", _notice(meetup))
    session.refresh(meetup)
    return promoted


def set_rsvp(
    session: Session, meetup: Meetup, user_id: int, status: str, guests: int, answers: dict[str, str] | None = None
) -> Rsvp:
    """Answer going / maybe / not_going; going past capacity joins the waitlist. "going" checks
    the answers to the meetup's questions (`answers` None: the stored ones)."""
    meetup = lock_meetup(session, meetup.id)
    if meetup.status != "scheduled":
        raise Conflict(_("This meetup was cancelled."))
    if meetup.ends_at <= utcnow():
        raise Conflict(_("This meetup is over."))
    if guests > meetup.max_guests:
        raise ValidationFailed({"guests": _("At most %(count)s guests for this meetup.", count=meetup.max_guests)})
    rsvp = session.scalar(select(Rsvp).where(Rsvp.meetup_id == meetup.id, Rsvp.user_id == user_id))
    checked: dict[str, str] | None = None
    if status == "going":
        asked = questions_of(session, [meetup.id])[meetup.id]
        checked = check_answers(asked, answers, rsvp.answers if rsvp else None)
    now: datetime = utcnow()
    if rsvp is None:
        rsvp = Rsvp(meetup_id=meetup.id, user_id=user_id, status="maybe", guests=0, created_at=now)
        session.add(rsvp)
    held = rsvp.guests + 1 if rsvp.status == "going" else 0
    freed = False
    if status == "going":
        need = guests + 1
        if held:
            if need > held and not take_seats(session, meetup.id, need - held):
                raise Conflict(_("Not enough free seats for that many guests; your seat is kept."))
            release_seats(session, meetup.id, held - need)
            freed = need < held
        elif take_seats(session, meetup.id, need):
            rsvp.waitlisted_at = None
        else:
            if rsvp.status != "waitlisted" or rsvp.waitlisted_at is None:
                rsvp.waitlisted_at = now
            status = "waitlisted"
    else:
        release_seats(session, meetup.id, held)
        freed = held > 0
        rsvp.waitlisted_at = None
    rsvp.status, rsvp.guests, rsvp.updated_at = status, guests, now
    if checked is not None:
        rsvp.answers = checked or None
    if status != "going":
        rsvp.checked_in_at = None
    session.flush()
    if freed:
        promote_waitlist(session, meetup)
    session.refresh(meetup)
    return rsvp


def drop_rsvps(session: Session, user_id: int, tribe_id: int | None = None) -> None:
    """Delete a user's RSVPs (in one tribe, or everywhere), freeing seats for the waitlist."""
    stmt = select(Rsvp.meetup_id).where(Rsvp.user_id == user_id)
    if tribe_id is not None:
        stmt = stmt.join(Meetup, Meetup.id == Rsvp.meetup_id).where(Meetup.tribe_id == tribe_id)
    for meetup_id in sorted(set(session.scalars(stmt))):
        meetup = lock_meetup(session, meetup_id)
        rsvp = session.scalar(select(Rsvp).where(Rsvp.meetup_id == meetup_id, Rsvp.user_id == user_id))
        if rsvp is None:
            continue
        held = rsvp.guests + 1 if rsvp.status == "going" else 0
        session.delete(rsvp)
        release_seats(session, meetup_id, held)
        session.flush()
        if held:
            promote_waitlist(session, meetup)
