"""One-click RSVP links in meet-up mails (`<base>/rsvp/<token>`), answered without a login.

A token is signed with the app's secret (itsdangerous, its own salt) and binds one person,
one meet-up and one answer ("going" or "not_going"); nothing is stored. It is good until
the meet-up (as it stands when the link is followed) starts: a moved meet-up moves the
deadline with it, a cancelled one refuses every link. The token is the whole credential:
the browser's session is never consulted, so a cross-site POST can do no more than the
token itself grants (give that one answer for that one person), and only someone who holds
the mail has the token. Following a link re-checks membership (a removed member's link
is a 404) and answers through `seats.set_rsvp`, the same rules as `PUT /meetups/{id}/rsvp`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import current_app
from flask_babel import force_locale
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import Session

from tribes.accounts.models import User
from tribes.db import utcnow
from tribes.errors import ApiError, NotFound
from tribes.groups import policy
from tribes.i18n import LOCALES, _, current_locale
from tribes.mail.links import base_url
from tribes.meetups import seats
from tribes.meetups.models import Meetup, Rsvp
from tribes.meetups.online import reads_link
from tribes.meetups.service import my_rsvp
from tribes.meetups.times import spoken
from tribes.notifications.texts import url_for

SALT = "tribes.meetups.rsvp-link"
ANSWERS = ("going", "not_going")
#: the longest token looked at (a real one is well under 100 characters)
MAX_TOKEN = 300


class LinkGone(ApiError):
    """The link was genuine but can no longer be used (meet-up cancelled or begun): 410."""

    status = 410
    code = "gone"


@dataclass
class LinkTarget:
    """What a valid link is about: the person, the meet-up and the answer it gives."""

    user: User
    meetup: Meetup
    answer: str
    rsvp: Rsvp | None
    #: the person's role in the meet-up's tribe
    role: str


def _serializer(secret: str | bytes | None = None) -> URLSafeSerializer:
    return URLSafeSerializer(secret if secret is not None else current_app.secret_key, salt=SALT)  # type: ignore[arg-type]


def make_token(user_id: int, meetup_id: int, answer: str, secret: str | bytes | None = None) -> str:
    """A signed token for one person, meet-up and answer (`secret`: the app's by default)."""
    if answer not in ANSWERS:
        raise ValueError(answer)
    return _serializer(secret).dumps([user_id, meetup_id, answer])


def link_url(user_id: int, meetup_id: int, answer: str) -> str:
    """The absolute address of an RSVP link for a mail."""
    return base_url() + url_for("meetups_pages.rsvp_link", token=make_token(user_id, meetup_id, answer))


def read_token(token: str) -> tuple[int, int, str] | None:
    """(user id, meet-up id, answer) of a genuine token, else None."""
    if not token or len(token) > MAX_TOKEN:
        return None
    try:
        value = _serializer().loads(token)
    except BadSignature:
        return None
    if (not isinstance(value, list) or len(value) != 3 or not all(isinstance(v, int) for v in value[:2])
            or value[2] not in ANSWERS):
        return None
    return int(value[0]), int(value[1]), str(value[2])


def target(session: Session, token: str) -> LinkTarget:
    """What the link is about, if it may still be used: NotFound for a forged token, a
    deleted or suspended account, or a person who is no longer a member; LinkGone when the
    meet-up was cancelled or has begun."""
    found = read_token(token)
    if found is None:
        raise NotFound()
    user_id, meetup_id, answer = found
    user = session.get(User, user_id)
    if user is None or user.suspended_at is not None:
        raise NotFound()
    meetup, member = policy.get_as_member(session, Meetup, meetup_id, user_id)
    if meetup.status == "cancelled":
        raise LinkGone(_("This meet-up was cancelled, so there is nothing to answer any more."))
    if meetup.starts_at <= utcnow():
        raise LinkGone(_("This meet-up has begun: the links in its mails no longer work."))
    return LinkTarget(user, meetup, answer, my_rsvp(session, meetup.id, user_id), member.role)


def answer(session: Session, token: str) -> tuple[LinkTarget, Rsvp, int | None]:
    """Give the link's answer (the same rules as the API's RSVP); returns the target, the
    RSVP and its waitlist position. A person already going keeps their guests."""
    link = target(session, token)
    guests = 0
    if link.answer == "going" and link.rsvp is not None and link.rsvp.status in ("going", "waitlisted"):
        guests = min(link.rsvp.guests, link.meetup.max_guests)
    rsvp = seats.set_rsvp(session, link.meetup, link.user.id, link.answer, guests)
    return link, rsvp, seats.waitlist_position(session, rsvp)


def online_url(link: LinkTarget, answer: Rsvp | None) -> str | None:
    """The meet-up's online link if the person may read it with this answer (going, or an
    organiser: `online.reads_link`), else None."""
    return link.meetup.online_url if reads_link(link.role, answer.status if answer else None) else None


def person(session: Session, token: str) -> User | None:
    """The account a genuine token names (for its language), else None."""
    found = read_token(token)
    return session.get(User, found[0]) if found is not None else None


def language_of(user: User | None) -> str:
    """The person's language, or the request's when the link names nobody."""
    locale = getattr(user, "locale", None)
    return locale if locale in LOCALES else current_locale()


@contextmanager
def in_language_of(user: User | None) -> Iterator[None]:
    """Texts (and <html lang>) in the linked person's language while the page is built."""
    with force_locale(language_of(user)):
        yield


def when(link: LinkTarget) -> str:
    """The meet-up's time in the linked person's time zone and language."""
    return spoken(link.meetup.starts_at, link.meetup.ends_at, link.user.timezone or "UTC", language_of(link.user))
