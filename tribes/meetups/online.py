"""Who may read a meetup's online link: people going, and the tribe's organisers (and above).

Everyone else (maybe, not going, waitlisted, no answer, or nobody in particular, as in the
tribe-wide live broadcast) reads `online_url` as null: in the meetup JSON, on the meetup
page, in the .ics file, in the private calendar feed and in mails.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from tribes.groups import policy
from tribes.groups.models import Membership
from tribes.meetups.models import Meetup, Rsvp

ORGANISER_ROLES = tuple(role for role in policy.RANK if policy.at_least(role, "organiser"))


def organising(session: Session, meetups: Iterable[Meetup], user_id: int | None) -> set[int]:
    """Ids of the meetups whose tribe the user organises (organiser or above)."""
    meetups = list(meetups)
    if user_id is None or not meetups:
        return set()
    tribes = {m.tribe_id for m in meetups}
    mine = set(session.scalars(
        select(Membership.tribe_id).where(Membership.user_id == user_id, Membership.tribe_id.in_(tribes),
                                          Membership.role.in_(ORGANISER_ROLES))
    ))
    return {m.id for m in meetups if m.tribe_id in mine}


def reads_link(role: str | None, status: str | None) -> bool:
    """The rule of `readers_of_link` for one person whose role and answer are known."""
    return status == "going" or role in ORGANISER_ROLES


def readers_of_link(session: Session, meetups: Iterable[Meetup], user_id: int | None) -> set[int]:
    """Ids of the meetups whose online link the user may read (going, or organising)."""
    meetups = list(meetups)
    if user_id is None or not meetups:
        return set()
    going = set(session.scalars(
        select(Rsvp.meetup_id).where(Rsvp.meetup_id.in_([m.id for m in meetups]), Rsvp.user_id == user_id,
                                     Rsvp.status == "going")
    ))
    return going | organising(session, meetups, user_id)


def link_for(meetup: Meetup, allowed: Iterable[int]) -> str | None:
    """The online link if the reader may see it, else None."""
    return meetup.online_url if meetup.id in set(allowed) else None
