"""Notifications by mail: what a feature adds to the mail of one of its kinds.

A feature above notifications (meet-ups: the `.ics` and the RSVP links) registers a function
for its kinds with `register_extras`; the notification mail asks it while building the mail
for one recipient, in that recipient's language (Flask-Babel's locale is forced around the
call). A discreet tribe's mail never asks (no names, no content, no attachments).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

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

_EXTRAS: dict[str, Extras] = {}


def register_extras(kind: str, build: Extras) -> None:
    """Let a feature add paragraphs and attachments to the mails of one notification kind."""
    _EXTRAS[kind] = build


def extras_for(session: Session, notification: Notification, user: User) -> MailExtras:
    """What the feature of the notification's kind adds to its mail (empty when nothing)."""
    build = _EXTRAS.get(notification.kind)
    result = build(session, notification, user) if build is not None else None
    return result or MailExtras()
