"""Meet-up notification mails as the notification mail (branch mail/notify) will build them:
subject = the notification's sentence, text = sentence + extras' paragraphs, the extras'
attachments; queued in the outbox and sent to the test SMTP server.

Until the generic part is on main, this stands in for it; the lead switches the tests to
the real path at the merge.
"""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

from flask_babel import force_locale
from icalendar import Calendar
from sqlalchemy import select

from tribes.accounts.models import User
from tribes.extensions import db
from tribes.mail.outbox import queue, send_due
from tribes.notifications.mailing import extras_for
from tribes.notifications.models import Notification
from tribes.notifications.texts import Reader, describe


def mail_notifications(app: Any, user_id: int, kind: str, skip: int = 0) -> int:
    """Queue a mail for every notification of `kind` the user has (but the first `skip`,
    mailed before), then send the outbox."""
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user is not None
        items = list(db.session.scalars(
            select(Notification).where(Notification.user_id == user_id, Notification.kind == kind)
            .order_by(Notification.created_at, Notification.id)
        ))[skip:]
        for notification in items:
            [(sentence, _url)] = describe(db.session, [notification], Reader.of(user))
            with force_locale(user.locale):
                extras = extras_for(db.session, notification, user)
            queue(db.session, to=user.email, subject=sentence, text="\n\n".join([sentence, *extras.paragraphs]),
                  kind=kind, user_id=user.id, attachments=extras.attachments)
        db.session.commit()
        db.remove()
    send_due(app)
    return len(items)


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
    import re

    return re.findall(r"https?://\S+/rsvp/\S+", text_of(mail))
