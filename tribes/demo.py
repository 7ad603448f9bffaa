"""A small demo tribe for `tribes serve --demo`, loaded once."""

from __future__ import annotations

from sqlalchemy import select

from tribes.accounts import service as accounts
from tribes.accounts.models import User
from tribes.extensions import db
from tribes.groups import service as groups

DEMO_PASSWORD = "tribes-demo-password"
PEOPLE = [
    ("ada@demo.tribes.test", "Ada Organiser"),
    ("ben@demo.tribes.test", "Ben Member"),
    ("cleo@demo.tribes.test", "Cleo Member"),
]


def load_demo() -> list[str]:
    """Create the demo people and tribe unless they exist; return lines to print."""
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
            _, raw = groups.create_invite(session, tribe, owner)
            groups.accept_invite(session, raw, user)
        session.commit()
        lines.append("(demo data loaded)")
    for email, name in PEOPLE:
        lines.append(f"  {name}: {email}")
    return lines
