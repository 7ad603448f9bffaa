"""A small demo for `tribes serve --demo`: people named for their role, a listed and a secret
tribe, chat, a meet-up with a waitlist, a pending contact request, an open report in the
tribe and one to the site admins (the owner is the site admin), two contacts with a
conversation.

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
#: (email, name): the name says the person's part in the demo tribe
PEOPLE = [
    ("ada@demo.tribes.test", "Ada Owner"),
    ("ben@demo.tribes.test", "Ben Organiser"),
    ("cleo@demo.tribes.test", "Cleo Member"),
    ("dana@demo.tribes.test", "Dana Newcomer"),
]
OWNER, ORGANISER, MEMBER, NEWCOMER = range(4)
CHAT = [
    (OWNER, "Welcome to Digital Media Women Berlin! Say hello and tell us what you work on."),
    (ORGANISER, "Hi all, Ben here: podcast producer, looking for people to swap editing tips with."),
    (MEMBER, "Cleo, UX writer. Happy to help anyone with portfolio reviews."),
    (NEWCOMER, "Hi! Dana here. My agency's social-media course is 50% off this week only, DM me!"),
]


def load_demo() -> list[str]:
    """Create the demo people and tribes unless they exist; return lines to print."""
    session = db.session
    lines = [f"Demo logins (password for all: {DEMO_PASSWORD}):"]
    if session.scalar(select(User).where(User.email == PEOPLE[0][0])) is None:
        # demo addresses are confirmed (their mails go to instance/mail/), but for the newcomer's:
        # she has one confirmation mail there, and the pages show her the banner that asks for it
        users = [accounts.register(session, email, DEMO_PASSWORD, name, email_verified=n != NEWCOMER)
                 for n, (email, name) in enumerate(PEOPLE)]
        users[OWNER].site_admin = True  # as after `tribes admin grant ada@demo.tribes.test`
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
        _demo_meetup(session, tribe, users)
        _demo_contact_request(session, users[NEWCOMER], users[MEMBER])
        _demo_report(session, tribe, users[MEMBER])
        _demo_joining(session, tribe, users)
        _demo_site_report(session, users[MEMBER], users[NEWCOMER])
        _demo_conversation(session, users[OWNER], users[ORGANISER])
        session.commit()
        lines.append("(demo data loaded)")
    for email, name in PEOPLE:
        lines.append(f"  {name}: {email}")
    lines.append("Dana joined a moment ago, so she may not invite yet (new-member hours), and has not")
    lines.append("confirmed her address yet (the link is in instance/mail/); Cleo has a")
    lines.append("contact request from Dana, Ada an open report, the meet-up is full with Cleo waitlisted.")
    lines.append("Ben's listed tribe Podcast Makers takes join requests; Cleo has asked to join it.")
    lines.append("Ada is also the site admin (/admin), with a report about Dana to the site admins.")
    lines.append("Ada and Ben are contacts; Ben's last direct message to Ada is unread (/messages).")
    return lines


def _demo_joining(session: Session, tribe: Tribe, users: list[User]) -> None:
    """Join requests: on for the demo tribe, and a second listed tribe (Ben's) with Cleo's request."""
    from tribes.joining import service as joining

    groups.update_tribe(session, tribe, {"join_requests": True,
                                         "join_questions": ["What do you work on?", "Who in the tribe knows you?"]},
                        actor_id=users[OWNER].id)
    podcasts = groups.create_tribe(
        session, users[ORGANISER], "Podcast Makers", slug="podcast-makers",
        description="Producers and hosts swapping editing tips.", visibility="listed",
    )
    groups.update_tribe(session, podcasts, {"join_requests": True, "join_questions": ["Which show do you make?"]},
                        actor_id=users[ORGANISER].id)
    joining.ask(session, podcasts, users[MEMBER], ["A weekly show about UX writing"], "Ben suggested I ask.")


def _demo_chat(session: Session, tribe: Tribe, users: list[User]) -> None:
    """A few chat messages in the listed tribe, through the one send path (it commits)."""
    from tribes.chat.sending import send_message

    for n, (who, body) in enumerate(CHAT):
        send_message(users[who].id, tribe.slug, body, f"demo-{n}")


def _demo_meetup(session: Session, tribe: Tribe, users: list[User]) -> None:
    """Next week's evening meet-up in Berlin time, scheduled by the organiser: two seats, both
    taken (owner and organiser), the member on the waitlist."""
    from tribes.meetups import seats
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
        "capacity": 2, "max_guests": 1,
    }).model_dump()
    meetup = meetups.create_meetup(session, tribe, users[ORGANISER].id, data)
    session.flush()
    for who in (ORGANISER, OWNER, MEMBER):
        seats.set_rsvp(session, meetup, users[who].id, "going", 0)


def _demo_contact_request(session: Session, sender: User, recipient: User) -> None:
    """The newcomer asks the member to connect; the request waits for an answer."""
    from tribes.contacts import service as contacts

    contacts.send_request(session, sender, recipient.id, "Hi Cleo, could you look at my portfolio some time?")


def _demo_report(session: Session, tribe: Tribe, reporter: User) -> None:
    """The member reports the newcomer's advert in the chat; the owner finds it open."""
    from tribes.chat.models import Message
    from tribes.moderation import reports

    advert = session.scalar(select(Message).where(Message.tribe_id == tribe.id).order_by(Message.id.desc()))
    if advert is not None:
        reports.file_report(session, reporter.id, tribe.slug, "message", advert.id,
                            "Advertising in the welcome chat.")


def _demo_site_report(session: Session, reporter: User, target: User) -> None:
    """The member also tells the site admins about the newcomer's adverts."""
    from tribes.moderation import site_reports

    site_reports.file_site_report(session, reporter.id, target.id, "Sends the same advert to everyone.")


def _demo_conversation(session: Session, owner: User, organiser: User) -> None:
    """The owner and the organiser are contacts and talk by direct message; the organiser's last
    message is still unread for the owner (the header badge shows it)."""
    from tribes.chat import direct
    from tribes.chat.direct_sending import send_direct
    from tribes.contacts import service as contacts

    _status, req = contacts.send_request(session, owner, organiser.id, "Let's stay in touch between meet-ups.")
    if req is None:
        return
    contacts.accept_request(session, organiser, req)
    conversation, _created = direct.start(session, owner, [organiser.id])
    session.commit()  # the send path opens its own transaction
    for n, (who, body) in enumerate([
        (owner, "Ben, could you bring the projector next week?"),
        (organiser, "Sure! And I'll ask Cleo whether she can review two portfolios on the evening."),
    ]):
        send_direct(who.id, conversation.id, body, f"demo-dm-{n}")
