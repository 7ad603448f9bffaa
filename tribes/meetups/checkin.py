"""Check-in at the door.

Each meetup has a short code (6 characters of an alphabet without look-alikes, from
`secrets`) that organisers show at the door. A going member checks themselves in with it
(`{code}`, guesses limited by LIMIT_CHECKIN per user), an organiser checks anybody going in
(`{user_id}`) and can undo it. Only RSVPs with status "going" can be checked in (409
otherwise); checking in twice changes nothing. The conditional UPDATE decides races.
"""

from __future__ import annotations

import functools
import secrets
from typing import Any

from flask import current_app
from limits import parse as parse_limit
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from tribes import events, ratelimits
from tribes.db import utcnow
from tribes.errors import Conflict, RateLimited, ValidationFailed
from tribes.groups import policy
from tribes.i18n import _
from tribes.meetups.models import Meetup, Rsvp
from tribes.meetups.seats import lock_meetup

#: no 0/O, 1/I/L: readable from a screen across a room, typeable on a phone
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6
#: the live event of the door view (see `push`)
EVENT = "meetup_checkin"


def new_code() -> str:
    """A fresh door code."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalise(raw: str) -> str:
    """What a person typed, as a code: upper case, spaces and dashes dropped."""
    return "".join(ch for ch in raw.upper() if ch not in " -\t")


def ensure_code(session: Session, meetup: Meetup) -> str:
    """The meetup's door code, made on first use (a conditional UPDATE: one code wins)."""
    if meetup.checkin_code:
        return meetup.checkin_code
    session.execute(
        update(Meetup).where(Meetup.id == meetup.id, Meetup.checkin_code.is_(None))
        .values(checkin_code=new_code()).execution_options(synchronize_session=False)
    )
    code = session.scalar(select(Meetup.checkin_code).where(Meetup.id == meetup.id))
    meetup.checkin_code = code
    return code or ""


def _rsvp(session: Session, meetup_id: int, user_id: int) -> Rsvp | None:
    return session.scalar(
        select(Rsvp).where(Rsvp.meetup_id == meetup_id, Rsvp.user_id == user_id).execution_options(populate_existing=True)
    )


def check_in(session: Session, meetup: Meetup, user_id: int) -> Rsvp:
    """Mark the going member as here (idempotent); Conflict unless they are going. The meetup
    row is locked first, as an RSVP change locks it: a check-in and "not going" never interleave."""
    lock_meetup(session, meetup.id)
    session.execute(
        update(Rsvp)
        .where(Rsvp.meetup_id == meetup.id, Rsvp.user_id == user_id, Rsvp.status == "going",
               Rsvp.checked_in_at.is_(None))
        .values(checked_in_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    rsvp = _rsvp(session, meetup.id, user_id)
    if rsvp is None or rsvp.status != "going":
        raise Conflict(_("Only people who are going can be checked in."))
    push(session, meetup, rsvp)
    return rsvp


def undo(session: Session, meetup: Meetup, user_id: int) -> Rsvp:
    """Take a check-in back (idempotent); Conflict for someone without an answer."""
    lock_meetup(session, meetup.id)
    session.execute(
        update(Rsvp).where(Rsvp.meetup_id == meetup.id, Rsvp.user_id == user_id)
        .values(checked_in_at=None).execution_options(synchronize_session=False)
    )
    rsvp = _rsvp(session, meetup.id, user_id)
    if rsvp is None:
        raise Conflict(_("This person has not answered."))
    push(session, meetup, rsvp)
    return rsvp


def push(session: Session, meetup: Meetup, rsvp: Rsvp) -> None:
    """After the commit, `meetup_checkin {meetup_id, user_id, checked_in, here, going}` goes to
    the personal socket rooms of the tribe's organisers and above (asked now, so a plain member,
    or an organiser demoted meanwhile, gets nothing): their open door views follow along."""
    here, going = counts(session, meetup.id)
    payload = {"meetup_id": meetup.id, "user_id": rsvp.user_id, "checked_in": rsvp.checked_in_at is not None,
               "here": here, "going": going}
    # the personal rooms every socket joins on connect (chat.fanout.user_room, a feature beside this one)
    rooms = [f"user:{user_id}" for user_id in session.scalars(policy.members_at_least(meetup.tribe_id, "organiser"))]

    def emit() -> None:
        from tribes.extensions import socketio

        if rooms:
            socketio.emit(EVENT, payload, to=rooms)

    events.on_commit(session, emit)


@functools.lru_cache(maxsize=8)
def _parsed(text: str) -> Any:
    return parse_limit(text)


def _limit(user_id: int) -> None:
    """One guess of a door code against LIMIT_CHECKIN (per user, across meetups); 429 beyond."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return
    item = _parsed(current_app.config["LIMIT_CHECKIN"])
    if not ratelimits.hit(item, "checkin", str(user_id)):
        reset = ratelimits.reset_in(item, "checkin", str(user_id))
        raise RateLimited(int(reset - utcnow().timestamp()) + 1)


def check_in_with_code(session: Session, meetup: Meetup, user_id: int, raw: str) -> Rsvp:
    """The member checks themselves in with the door code: 422 `code` when it is not this
    meetup's, 429 after too many guesses, 409 unless going."""
    _limit(user_id)
    code = normalise(raw)
    expected = meetup.checkin_code or ""
    if not expected or len(code) != len(expected) or not secrets.compare_digest(code, expected):
        raise ValidationFailed({"code": _("This is not the code of this meetup.")})
    return check_in(session, meetup, user_id)


def counts(session: Session, meetup_id: int) -> tuple[int, int]:
    """(checked in, going) people of the meetup (guests not counted)."""
    going, here = session.execute(
        select(func.count(), func.count(Rsvp.checked_in_at)).where(Rsvp.meetup_id == meetup_id, Rsvp.status == "going")
    ).one()
    return int(here), int(going)
