"""Who a meetup's people are, by their answer: for features that address them (announcements)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, false, or_, select

from tribes.groups.models import Membership
from tribes.meetups.models import Meetup, Rsvp

#: answers a meetup's people can be picked by; "none" = members who have not answered at all
ANSWERS = ("going", "maybe", "waitlisted", "none")


def people_by_answer(meetup: Meetup, answers: Iterable[str]) -> Select[Any]:
    """SELECT of the user ids of the meetup's tribe members whose answer is one of `answers`
    ("none": no answer to this meetup). Only current members: a removed member is never picked."""
    wanted = set(answers)
    statuses = [a for a in ANSWERS if a in wanted and a != "none"]
    answered = select(Rsvp.id).where(Rsvp.meetup_id == meetup.id, Rsvp.user_id == Membership.user_id)
    conditions: list[ColumnElement[bool]] = []
    if statuses:
        conditions.append(exists(answered.where(Rsvp.status.in_(statuses))))
    if "none" in wanted:
        conditions.append(~exists(answered))
    if not conditions:
        return select(Membership.user_id).where(false())  # nobody
    return select(Membership.user_id).where(Membership.tribe_id == meetup.tribe_id, or_(*conditions))


def meetup_in_tribe(session: Any, tribe_id: int, meetup_id: int) -> Meetup | None:
    """The meetup if it belongs to the tribe, else None (the caller decides what that means)."""
    meetup = session.get(Meetup, meetup_id)
    return meetup if meetup is not None and meetup.tribe_id == tribe_id else None
