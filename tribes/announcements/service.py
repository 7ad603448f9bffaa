"""Announcement operations: pick the audience, send (notify, audit, cap), list what a member may read."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import Any

from flask import current_app
from limits import parse as parse_limit
from sqlalchemy import Select, exists, func, insert, or_, select
from sqlalchemy.orm import Session

from tribes import ratelimits
from tribes.accounts.blocks import who_blocked
from tribes.accounts.models import User
from tribes.accounts.schemas import UserCard, card
from tribes.announcements.models import Announcement, AnnouncementRecipient
from tribes.announcements.schemas import AnnouncementIn, AnnouncementOut
from tribes.db import random_id, utcnow
from tribes.errors import RateLimited, ValidationFailed
from tribes.groups import audit, policy
from tribes.groups.models import Membership, Tribe
from tribes.i18n import _
from tribes.meetups.audience import meetup_in_tribe, people_by_answer
from tribes.meetups.models import Meetup
from tribes.notifications.service import notify

#: the notification kind every recipient gets
KIND = "announcement"
#: the audit log action
AUDITED = "announcement_sent"
#: the meetup answers picked when none are given
DEFAULT_ANSWERS = ["going"]


_WEEKS = re.compile(r"(?:\bper\s+|/\s*)(\d+\s+)?weeks?\b", re.IGNORECASE)


@functools.lru_cache(maxsize=16)
def _parsed_limit(text: str) -> Any:
    """A Flask-Limiter string parsed once; "per week" / "per N weeks" (which the `limits` library
    does not know) are read as 7 / 7N days."""
    return parse_limit(_WEEKS.sub(lambda m: f"per {7 * int(m.group(1) or 1)} days", text))


def check_cap(tribe: Tribe) -> None:
    """Count one announcement against the tribe's LIMIT_ANNOUNCEMENTS; 429 when it is used up."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return
    item = _parsed_limit(current_app.config["LIMIT_ANNOUNCEMENTS"])
    if not ratelimits.hit(item, "announcements", str(tribe.id)):
        reset = ratelimits.reset_in(item, "announcements", str(tribe.id))
        raise RateLimited(int(reset - utcnow().timestamp()) + 1,
                          _("This tribe has sent as many announcements as it may for now."))


def resolve_audience(
    session: Session, tribe: Tribe, author_id: int, meetup_id: int | None, answers: Sequence[str] | None,
    essential: bool = False,
) -> tuple[Meetup | None, list[str], Select[Any]]:
    """The meetup (or None for the whole tribe), the answers picked and a SELECT of the
    recipients' user ids (current members, the author left out); 422 for a bad combination."""
    if meetup_id is None:
        if answers:
            raise ValidationFailed({"rsvp": _("Answers pick people of a meetup: choose the meetup too.")})
        if essential:
            raise ValidationFailed({"essential": _("Only a message about a meetup's practical changes can be essential.")})
        people = select(Membership.user_id).where(Membership.tribe_id == tribe.id, Membership.user_id != author_id)
        return None, [], people
    meetup = meetup_in_tribe(session, tribe.id, meetup_id)
    if meetup is None:
        raise ValidationFailed({"meetup_id": _("No such meetup in this tribe.")})
    picked = list(answers) if answers else list(DEFAULT_ANSWERS)
    people = people_by_answer(meetup, picked).where(Membership.user_id != author_id)
    return meetup, picked, people


def audience_count(session: Session, people: Select[Any]) -> int:
    """How many people the audience SELECT names."""
    return int(session.scalar(select(func.count()).select_from(people.subquery())) or 0)


def send(session: Session, tribe: Tribe, author_id: int, data: AnnouncementIn) -> Announcement:
    """Store the announcement, notify each recipient (in-app, live, mail per preferences), audit it.

    Checked in this order: audience (422), the tribe's cap (429); nothing is stored or sent
    when either fails."""
    meetup, picked, people = resolve_audience(session, tribe, author_id, data.meetup_id, data.rsvp, data.essential)
    recipients = [int(uid) for uid in session.scalars(people)]
    if meetup is not None and not recipients:
        raise ValidationFailed({"rsvp": _("Nobody in this meetup has given these answers.")})
    check_cap(tribe)
    announcement = Announcement(
        id=random_id(), tribe_id=tribe.id, author_id=author_id, title=data.title, body=data.body,
        audience="meetup" if meetup is not None else "tribe",
        meetup_id=meetup.id if meetup is not None else None, rsvp=picked, essential=data.essential,
        recipient_count=len(recipients), created_at=utcnow(),
    )
    session.add(announcement)
    session.flush()
    if meetup is not None and recipients:
        session.execute(insert(AnnouncementRecipient), [
            {"id": random_id(), "announcement_id": announcement.id, "user_id": uid} for uid in recipients
        ])
    author = session.get(User, author_id)
    payload: dict[str, Any] = {
        "tribe": {"slug": tribe.slug, "name": tribe.name}, "announcement_id": announcement.id,
        "title": announcement.title, "by": card(author), "essential": data.essential,
    }
    if meetup is not None:
        payload["meetup_id"] = meetup.id
    # someone who blocked the author is not reached (no notification, no mail, essential or
    # not); they stay in the counts, so the author cannot tell (the announcement itself is on
    # the tribe's Announcements tab for them as for anyone it was addressed to)
    blockers = who_blocked(session, author_id, recipients)
    for uid in recipients:
        if uid not in blockers:
            notify(session, uid, KIND, dict(payload), about_user_id=None, tribe_id=tribe.id)
    audit.record(session, tribe.id, author_id, AUDITED, details={
        "announcement_id": announcement.id, "title": announcement.title,
        "audience": "meetup" if meetup is not None else "tribe",
        "meetup_id": meetup.id if meetup is not None else None, "rsvp": picked,
        "essential": data.essential, "count": len(recipients),
    })
    return announcement


def visible_query(tribe_id: int, member: Membership) -> Select[Any]:
    """The announcements of the tribe the member may read: organisers all of them; others the
    tribe-wide ones and those addressed to them."""
    stmt = select(Announcement).where(Announcement.tribe_id == tribe_id)
    if policy.at_least(member.role, "organiser"):
        return stmt
    addressed = exists(select(AnnouncementRecipient.id).where(
        AnnouncementRecipient.announcement_id == Announcement.id, AnnouncementRecipient.user_id == member.user_id,
    ))
    return stmt.where(or_(Announcement.audience == "tribe", addressed, Announcement.author_id == member.user_id))


def out(announcement: Announcement, tribe: Tribe, member: Membership) -> AnnouncementOut:
    """The announcement as this member reads it (the reach only for organisers)."""
    author = announcement.author
    return AnnouncementOut(
        id=announcement.id, tribe=tribe.slug, title=announcement.title, body=announcement.body,
        author=UserCard.of(author) if author is not None else None, audience=announcement.audience,
        meetup_id=announcement.meetup_id, rsvp=list(announcement.rsvp or []), essential=announcement.essential,
        recipient_count=announcement.recipient_count if policy.at_least(member.role, "organiser") else None,
        created_at=announcement.created_at,
    )
