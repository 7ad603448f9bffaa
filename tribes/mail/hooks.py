"""Wiring: an account's mails and reset links go with it."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import delete
from sqlalchemy.orm import Session

from tribes import events
from tribes.mail.models import OutboxMail, PasswordResetToken


def _on_user_deleting(user_id: int, session: Session, **_: Any) -> None:
    """An account is deleted: its mails (sent or still queued) and reset links are removed."""
    session.execute(delete(OutboxMail).where(OutboxMail.user_id == user_id))
    session.execute(delete(PasswordResetToken).where(PasswordResetToken.user_id == user_id))


def _on_credentials_reset(user_id: int, session: Session, **_: Any) -> None:
    """Password changed or logged out everywhere: open reset links stop working too."""
    session.execute(delete(PasswordResetToken).where(PasswordResetToken.user_id == user_id))


events.user_deleting.connect(_on_user_deleting, weak=False)
events.credentials_reset.connect(_on_credentials_reset, weak=False)


def init_app(app: Flask) -> None:
    """Nothing to register on the app yet (the sender starts from tribes.mail.jobs)."""
