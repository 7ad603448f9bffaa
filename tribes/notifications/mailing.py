"""Notifications by mail: what a feature adds to the mail of one of its kinds.

A feature above notifications (meet-ups: the `.ics` and the RSVP links) registers a function
for its kinds with `register_extras`; the notification mail asks it while building the mail
for one recipient, in that recipient's language (Flask-Babel's locale is forced around the
call). A discreet tribe's mail never asks (no names, no content, no attachments).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from tribes.mail.outbox import Attachment

if TYPE_CHECKING:
    from tribes.accounts.models import User
    from tribes.notifications.models import Notification


@dataclass
class MailExtras:
    """Paragraphs to append to a notification mail's text, and its attachments."""

    paragraphs: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)


#: builds the extras of one notification's mail for its recipient (None: nothing to add)
Extras = Callable[[Session, "Notification", "User"], MailExtras | None]

#: loads at once what `Extras` needs for many mails of one kind, into the cache it is given
#: (`session.info[EXTRAS_CACHE]`, which lives while one batch of instant mails is built)
Prepare = Callable[[Session, list[tuple["Notification", "User"]], dict[str, Any]], None]

_EXTRAS: dict[str, Extras] = {}
_PREPARE: dict[str, Prepare] = {}
#: the `session.info` key of the cache `Prepare` fills and `Extras` may read
EXTRAS_CACHE = "tribes.mail_extras_cache"


def register_extras(kind: str, build: Extras, prepare: Prepare | None = None) -> None:
    """Let a feature add paragraphs and attachments to the mails of one notification kind
    (`prepare`: load what they need for many recipients at once, so a mail to 45 people costs
    the queries of one)."""
    _EXTRAS[kind] = build
    if prepare is not None:
        _PREPARE[kind] = prepare


@contextmanager
def prepared(session: Session, pairs: list[tuple[Notification, User]]) -> Iterator[None]:
    """While building these mails, what each kind's `prepare` loaded is in the session's cache."""
    cache: dict[str, Any] = {}
    by_kind: dict[str, list[tuple[Notification, User]]] = {}
    for notification, user in pairs:
        if notification.kind in _PREPARE:
            by_kind.setdefault(notification.kind, []).append((notification, user))
    for kind, group in by_kind.items():
        _PREPARE[kind](session, group, cache)
    session.info[EXTRAS_CACHE] = cache
    try:
        yield
    finally:
        session.info.pop(EXTRAS_CACHE, None)


def extras_for(session: Session, notification: Notification, user: User) -> MailExtras:
    """What the feature of the notification's kind adds to its mail (empty when nothing)."""
    build = _EXTRAS.get(notification.kind)
    result = build(session, notification, user) if build is not None else None
    return result or MailExtras()
