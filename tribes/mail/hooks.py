"""Wiring: confirmation links at registration, invite mails, an account's mails and links go
with it; the "E-mail address" settings section and the banner for an unconfirmed address."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_login import current_user
from sqlalchemy import delete
from sqlalchemy.orm import Session

from tribes import events, metrics
from tribes.mail.models import EmailToken, OutboxMail, PasswordResetToken


def _on_user_deleting(user_id: int, session: Session, **_: Any) -> None:
    """An account is deleted: its mails (sent or still queued) and its links are removed."""
    session.execute(delete(OutboxMail).where(OutboxMail.user_id == user_id))
    session.execute(delete(PasswordResetToken).where(PasswordResetToken.user_id == user_id))
    session.execute(delete(EmailToken).where(EmailToken.user_id == user_id))


def _on_credentials_reset(user_id: int, session: Session, **_: Any) -> None:
    """Password changed or logged out everywhere: open reset and address-change links stop working too."""
    session.execute(delete(PasswordResetToken).where(PasswordResetToken.user_id == user_id))
    session.execute(delete(EmailToken).where(EmailToken.user_id == user_id, EmailToken.purpose == "change"))


def _on_user_registered(user_id: int, *, session: Session, user: Any, **_: Any) -> None:
    """A new account with an unproven address gets a confirmation link."""
    from tribes.mail.verification import send_verification

    send_verification(session, user)


def _on_invite_mailed(tribe_id: int, *, session: Session, invite: Any, tribe: Any, token: str, **_: Any) -> None:
    """An invite made for an e-mail address is mailed there."""
    from tribes.mail.invite_mail import queue_invite_mail

    queue_invite_mail(session, invite, tribe, token)


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
events.user_registered.connect(_on_user_registered, weak=False)
events.invite_mailed.connect(_on_invite_mailed, weak=False)


def init_app(app: Flask) -> None:
    """The settings section and the banner (the sender starts from tribes.mail.jobs)."""
    from tribes.mail.views import settings_section_context
    from tribes.pages import add_settings_section

    add_settings_section(app, "mail/_settings_section.html", settings_section_context)

    @app.context_processor
    def _address_banner() -> dict[str, Any]:
        """Whether the page shows the "confirm your address" banner: a logged-in, unconfirmed account.

        The banner is the same on every page (its resend button leads to the settings section),
        so a page's bytes still depend on nothing but what it shows."""
        return {"unconfirmed_address": bool(current_user.is_authenticated and not current_user.email_verified)}
