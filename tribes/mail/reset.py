"""Password reset by mail: a link `<base>/reset/<token>` (256 random bits, only its SHA-256
stored, single use, valid 60 minutes); following it sets a new password and ends every session.

An unknown address gets the same answer after the same work (the same queries, a token hashed,
a mail built), so neither the answer nor its timing tells whether the address has an account.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask_babel import force_locale
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tribes.accounts import passwords
from tribes.accounts.models import User
from tribes.accounts.service import end_sessions_everywhere, normalise_email, token_hash
from tribes.db import rowcount, utcnow
from tribes.errors import ValidationFailed
from tribes.i18n import LOCALES, _
from tribes.mail.links import base_url
from tribes.mail.models import PasswordResetToken
from tribes.mail.outbox import build_message, mail_from, queue

VALIDITY = timedelta(minutes=60)
KIND = "password_reset"


def reset_mail(name: str, link: str, locale: str) -> tuple[str, str]:
    """Subject and text of the reset mail, in `locale`."""
    with force_locale(locale if locale in LOCALES else LOCALES[0]):
        subject = _("Choose a new password for Tribes")
        text = "\n\n".join([
            _("Hello %(name)s,", name=name),
            _("someone, hopefully you, asked to reset the password of your Tribes account. "
              "Open this link within 60 minutes to choose a new one:"),
            link,
            _("The link works once. If you did not ask for it, ignore this mail: your password stays as it is."),
            _("Your Tribes team"),
        ]) + "\n"
    return subject, text


def request_reset(session: Session, email: str) -> None:
    """Queue a reset link for the account with this address; for an unknown address do the
    same work and queue nothing (flushed, never committed here)."""
    raw = secrets.token_urlsafe(32)
    digest = token_hash(raw)
    address = normalise_email(email)
    user = session.scalar(select(User).where(User.email == address))
    session.scalar(select(PasswordResetToken.id).where(PasswordResetToken.token_hash == digest))
    link = f"{base_url()}/reset/{raw}"
    if user is None:
        subject, text = reset_mail("", link, LOCALES[0])
        build_message(to=address, subject=subject, text=text, sender=mail_from())
        return
    now = utcnow()
    session.add(PasswordResetToken(user_id=user.id, token_hash=digest, created_at=now, expires_at=now + VALIDITY))
    subject, text = reset_mail(user.display_name, link, user.locale)
    queue(session, to=user.email, subject=subject, text=text, kind=KIND, user_id=user.id)


def _bad_token() -> ValidationFailed:
    return ValidationFailed({"token": _("This link is invalid, used or expired. Ask for a new one.")})


def token_valid(session: Session, raw: str) -> bool:
    """Whether a reset link would still work (changes nothing: for the page's GET)."""
    return session.scalar(
        select(PasswordResetToken.id).where(
            PasswordResetToken.token_hash == token_hash(raw), PasswordResetToken.expires_at > utcnow()
        )
    ) is not None


def confirm_reset(session: Session, raw: str, new_password: str) -> User:
    """Set the new password of the link's account and end all its sessions (and its other
    links, its calendar feed); a bad, used or expired token is a field error `token`."""
    row = session.scalar(
        select(PasswordResetToken).where(
            PasswordResetToken.token_hash == token_hash(raw), PasswordResetToken.expires_at > utcnow()
        )
    )
    if row is None:
        raise _bad_token()
    # single use: of two concurrent confirmations only the one that deletes the row goes on
    if rowcount(session.execute(delete(PasswordResetToken).where(PasswordResetToken.id == row.id))) != 1:
        raise _bad_token()
    user = session.get(User, row.user_id)
    if user is None:
        raise _bad_token()
    user.password_hash = passwords.hash_password(new_password)
    end_sessions_everywhere(session, user.id, keep=None, reason="password_reset")
    return user
