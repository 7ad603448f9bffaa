"""Meet-up notification mails as members receive them: the notification mail
(tribes/notifications/instant.py) queues them with the cause; the tests send the outbox to the
test SMTP server and pick a person's mails of one kind (read from the signed one-click
unsubscribe link every notification mail carries)."""

from __future__ import annotations

import re
from email.message import EmailMessage
from typing import Any

from icalendar import Calendar
from itsdangerous import URLSafeSerializer

from tribes.mail.outbox import send_due


def _kind_of(app: Any, mail: EmailMessage) -> str | None:
    link = re.search(r"/unsubscribe/([^>\s]+)>", str(mail.get("List-Unsubscribe", "")))
    if link is None:
        return None
    _user_id, kind = URLSafeSerializer(app.config["SECRET_KEY"], salt="tribes.unsubscribe").loads(link[1])
    return str(kind)


def mails_of(app: Any, smtp_server: Any, person: Any, kind: str) -> list[EmailMessage]:
    """Send the outbox; the mails of `kind` that `person` (an ApiClient) received, oldest first."""
    send_due(app)
    return [m for m in smtp_server.handler.to(person.user["email"]) if _kind_of(app, m) == kind]


def text_of(mail: EmailMessage) -> str:
    """The plain-text body."""
    body = mail.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


def ics_of(mail: EmailMessage) -> tuple[Calendar, EmailMessage]:
    """The attached meetup.ics, parsed, and its MIME part."""
    parts = [p for p in mail.iter_attachments() if p.get_filename() == "meetup.ics"]
    assert len(parts) == 1, [p.get_filename() for p in mail.iter_attachments()]
    return Calendar.from_ical(parts[0].get_payload(decode=True)), parts[0]  # type: ignore[return-value]


def rsvp_links(mail: EmailMessage) -> list[str]:
    """The /rsvp/ links in the mail's text, in order."""
    return re.findall(r"https?://\S+/rsvp/\S+", text_of(mail))
