"""Wiring: an account's mails and reset links go with it."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import delete
from sqlalchemy.orm import Session

from tribes import events, metrics
from tribes.mail.models import OutboxMail, PasswordResetToken


def _on_user_deleting(user_id: int, session: Session, **_: Any) -> None:
    """An account is deleted: its mails (sent or still queued) and reset links are removed."""
    session.execute(delete(OutboxMail).where(OutboxMail.user_id == user_id))
    session.execute(delete(PasswordResetToken).where(PasswordResetToken.user_id == user_id))


def _on_credentials_reset(user_id: int, session: Session, **_: Any) -> None:
    """Password changed or logged out everywhere: open reset links stop working too."""
    session.execute(delete(PasswordResetToken).where(PasswordResetToken.user_id == user_id))


def _outbox_depth() -> dict[tuple[str, ...], float]:
    """Mails in the outbox by status (sent ones included: a rising `failed` is the alarm)."""
    from sqlalchemy import func, select

    from tribes.extensions import db

    try:
        rows = db.session.execute(select(OutboxMail.status, func.count()).group_by(OutboxMail.status)).all()
        return {(status,): float(count) for status, count in rows}
    finally:
        db.remove()


def _outbox_lag() -> dict[tuple[str, ...], float]:
    """Seconds since the oldest mail that is due became due (0 when none waits)."""
    from sqlalchemy import func, select

    from tribes.db import utcnow
    from tribes.extensions import db

    try:
        now = utcnow()
        oldest = db.session.scalar(select(func.min(OutboxMail.next_attempt_at)).where(
            OutboxMail.status == "queued", OutboxMail.next_attempt_at <= now))
        return {(): max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0}
    finally:
        db.remove()


metrics.gauge("tribes_outbox_mails", "Mails in the outbox by status.", _outbox_depth, ("status",))
metrics.gauge("tribes_outbox_lag_seconds", "How long the oldest due mail has been waiting.", _outbox_lag)
events.user_deleting.connect(_on_user_deleting, weak=False)
events.credentials_reset.connect(_on_credentials_reset, weak=False)


def init_app(app: Flask) -> None:
    """Nothing to register on the app yet (the sender starts from tribes.mail.jobs)."""
