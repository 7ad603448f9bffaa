"""What the mail feature stores about a user, for the account export: the mails sent to them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tribes.accounts.models import User
from tribes.mail.models import OutboxMail

#: tables holding personal data of this feature (reset and confirmation links are secrets:
#: never exported; a pending address change shows on the settings page)
TABLES = {"outbox_mails", "password_reset_tokens", "email_tokens"}


def export_user(session: Session, user: User) -> dict[str, Any]:
    """`mails`: kind, time and subject of every mail sent to the user (not the bodies' links)."""
    rows = session.scalars(
        select(OutboxMail)
        .where(OutboxMail.user_id == user.id, OutboxMail.status == "sent")
        .order_by(OutboxMail.created_at, OutboxMail.id)
    )
    return {
        "mails": [
            {"kind": m.kind, "sent_at": (m.sent_at or m.created_at).isoformat(), "subject": m.subject}
            for m in rows
        ]
    }
