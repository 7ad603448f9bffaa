"""A small demo for `tribes serve --demo`: people, a listed and a secret tribe, chat, a meetup.

Loaded once (skipped when the first demo account exists); returns the lines to print.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from tribes.accounts import service as accounts
from tribes.accounts.models import User
from tribes.extensions import db
from tribes.groups import invites
from tribes.groups import service as groups
from tribes.groups.models import Tribe

DEMO_PASSWORD = "tribes-demo-password"
PEOPLE = [
    ("ada@demo.tribes.test", "Ada Organiser"),
    ("ben@demo.tribes.test", "Ben Member"),
    ("cleo@demo.tribes.test", "Cleo Member"),
]
CHAT = [
    (0, "Welcome to Digital Media Women Berlin! Say hello and tell us what you work on."),
    (1, "Hi all, Ben here: podcast producer, looking for people to swap editing tips with."),
    (2, "Cleo, UX writer. Happy to help anyone with portfolio reviews."),
]


def load_demo() -> list[str]:
    """Create the demo people and tribes unless they exist; return lines to print."""
    session = db.session
    lines = [f"Demo logins (password for all: {DEMO_PASSWORD}):"]
    if session.scalar(select(User).where(User.email == PEOPLE[0][0])) is None:
        users = [accounts.register(session, email, DEMO_PASSWORD, name) for email, name in PEOPLE]
        tribe = groups.create_tribe(
            session, users[0], "Digital Media Women Berlin",
            slug="dmw-berlin",
            description="Regional meet-ups and a protected space for women in digital media.",
            visibility="listed", invite_policy="members", max_guests=1,
        )
        owner = groups.get_member(session, tribe.id, users[0].id)
        for user in users[1:]:
            _, raw = invites.create_invite(session, tribe, owner)
            invites.accept_invite(session, raw, user)
        groups.change_role(session, tribe, owner, groups.get_member(session, tribe.id, users[1].id), "organiser")
        secret = groups.create_tribe(
            session, users[0], "Organisers' Circle", slug="organisers-circle",
            description="A secret tribe: invisible to everyone who is not in it.",
        )
        _, raw = invites.create_invite(session, secret, groups.get_member(session, secret.id, users[0].id))
        invites.accept_invite(session, raw, users[1])
        _demo_chat(session, tribe, users)
        _demo_meetup(session, tribe, users[1])
        session.commit()
        lines.append("(demo data loaded)")
    for email, name in PEOPLE:
        lines.append(f"  {name}: {email}")
    return lines


def _demo_chat(session: Session, tribe: Tribe, users: list[User]) -> None:
    """A few chat messages in the listed tribe, through the one send path (it commits)."""
    from tribes.chat.sending import send_message

    for n, (who, body) in enumerate(CHAT):
        send_message(users[who].id, tribe.slug, body, f"demo-{n}")


def _demo_meetup(session: Session, tribe: Tribe, organiser: User) -> None:
    """Next week's evening meetup, organised by an organiser, in Berlin time."""
    from tribes.meetups import service as meetups
    from tribes.meetups.schemas import MeetupIn

    zone = ZoneInfo("Europe/Berlin")
    day = (datetime.now(zone) + timedelta(days=7)).date()
    starts = datetime(day.year, day.month, day.day, 19, 0)
    data: dict[str, Any] = MeetupIn.model_validate({
        "title": "Monthly meet-up: portfolios and pretzels",
        "description": "Bring a piece of work you are proud of. First drink is on us.",
        "starts_at": starts.isoformat(), "ends_at": (starts + timedelta(hours=2, minutes=30)).isoformat(),
        "timezone": "Europe/Berlin", "location": "Betahaus, Rudi-Dutschke-Str. 23, Berlin",
        "capacity": 30, "max_guests": 1,
    }).model_dump()
    meetups.create_meetup(session, tribe, organiser.id, data)
