"""Address confirmation by mail: a link `<base>/verify/<token>` (256 random bits, only its
SHA-256 stored, single use, valid 48 hours), mailed at registration, on request again, and to
a new address the account wants to move to. Following it marks the address verified; for an
address change the account switches to the new address then, and the old one (if it was
confirmed) gets a notice.

A change to an address another account uses gets the same answer after the same work (a token
hashed, a mail built, nothing queued), so the answer does not tell that the address is taken.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask_babel import force_locale
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tribes.accounts import passwords
from tribes.accounts.models import User
from tribes.accounts.service import normalise_email, token_hash
from tribes.db import rowcount, utcnow
from tribes.errors import ApiError, ValidationFailed
from tribes.i18n import LOCALES, _
from tribes.mail.links import base_url
from tribes.mail.models import EmailToken, PasswordResetToken
from tribes.mail.outbox import build_message, mail_from, queue

VALIDITY = timedelta(hours=48)
KIND = "verify_email"
NOTICE_KIND = "email_changed"


def mask(address: str) -> str:
    """An address with its local part hidden but for the first character: n***@example.org."""
    local, _at, domain = address.partition("@")
    return f"{local[:1]}***@{domain}"


def _locale(locale: str) -> str:
    return locale if locale in LOCALES else LOCALES[0]


def verification_mail(name: str, link: str, locale: str, *, change: bool) -> tuple[str, str]:
    """Subject and text of the confirmation mail (for the current or a new address), in `locale`."""
    with force_locale(_locale(locale)):
        if change:
            subject = _("Confirm your new e-mail address for Tribes")
            intro = _("you asked to use this address for your Tribes account from now on. "
                      "Open this link within 48 hours to confirm it:")
            outro = _("Until you do, your account keeps its old address. If you did not ask for this, "
                      "ignore this mail: nothing changes.")
        else:
            subject = _("Confirm your e-mail address for Tribes")
            intro = _("please confirm that this address is yours, so your tribes can reach you by mail. "
                      "Open this link within 48 hours:")
            outro = _("If you did not create a Tribes account, ignore this mail.")
        text = "\n\n".join([_("Hello %(name)s,", name=name), intro, link, outro, _("Your Tribes team")]) + "\n"
    return subject, text


def notice_mail(name: str, new_address: str, locale: str) -> tuple[str, str]:
    """Subject and text of the notice to the old address after a change (the new one masked)."""
    with force_locale(_locale(locale)):
        subject = _("The e-mail address of your Tribes account was changed")
        text = "\n\n".join([
            _("Hello %(name)s,", name=name),
            _("the e-mail address of your Tribes account was changed to %(address)s. "
              "Mail for your account goes there from now on.", address=mask(new_address)),
            _("If you did this, there is nothing to do. If you did not, someone knows your password: "
              "tell the administrators of %(site)s right away.", site=base_url()),
            _("Your Tribes team"),
        ]) + "\n"
    return subject, text


def _issue(session: Session, user: User, purpose: str, address: str) -> str:
    """A new link of this purpose for the user (the older one stops working); returns its raw token."""
    raw = secrets.token_urlsafe(32)
    now = utcnow()
    session.execute(delete(EmailToken).where(EmailToken.user_id == user.id, EmailToken.purpose == purpose))
    session.add(EmailToken(user_id=user.id, token_hash=token_hash(raw), purpose=purpose, email=address,
                           created_at=now, expires_at=now + VALIDITY))
    session.flush()
    return raw


def send_verification(session: Session, user: User) -> None:
    """Mail a link that confirms the account's current address; nothing when it is verified already."""
    if user.email_verified:
        return
    raw = _issue(session, user, "verify", user.email)
    subject, text = verification_mail(user.display_name, f"{base_url()}/verify/{raw}", user.locale, change=False)
    queue(session, to=user.email, subject=subject, text=text, kind=KIND, user_id=user.id)


def request_address_change(session: Session, user: User, new_email: str, password: str) -> None:
    """Mail a link to `new_email` that moves the account there when followed; a wrong password is
    403 `invalid_password`; an address another account uses gets the same work and no mail."""
    if not passwords.verify_password(user.password_hash, password):
        raise ApiError(_("The current password is wrong."), status=403, code="invalid_password")
    address = normalise_email(new_email)
    if address == user.email:
        raise ValidationFailed({"new_email": _("This is already your address.")})
    taken = session.scalar(select(User.id).where(User.email == address)) is not None
    if taken:
        raw = secrets.token_urlsafe(32)
        session.scalar(select(EmailToken.id).where(EmailToken.token_hash == token_hash(raw)))
        subject, text = verification_mail(user.display_name, f"{base_url()}/verify/{raw}", user.locale, change=True)
        build_message(to=address, subject=subject, text=text, sender=mail_from())
        return
    raw = _issue(session, user, "change", address)
    subject, text = verification_mail(user.display_name, f"{base_url()}/verify/{raw}", user.locale, change=True)
    queue(session, to=address, subject=subject, text=text, kind=KIND, user_id=user.id)


def _bad_token() -> ValidationFailed:
    return ValidationFailed({"token": _("This link is invalid, used or expired. Ask for a new one.")})


def pending(session: Session, raw: str) -> EmailToken | None:
    """The link's row while it still works (changes nothing: for the page's GET)."""
    return session.scalar(
        select(EmailToken).where(EmailToken.token_hash == token_hash(raw), EmailToken.expires_at > utcnow())
    )


def confirm(session: Session, raw: str) -> User:
    """Follow a link: the address is verified (and, for a change, the account moves to it and the
    old address gets a notice); a bad, used or expired token is a field error `token`."""
    row = pending(session, raw)
    if row is None:
        raise _bad_token()
    # single use: of two concurrent confirmations only the one that deletes the row goes on
    if rowcount(session.execute(delete(EmailToken).where(EmailToken.id == row.id))) != 1:
        raise _bad_token()
    user = session.get(User, row.user_id)
    if user is None:
        raise _bad_token()
    if row.email == user.email:
        user.email_verified = True
        session.flush()
        return user
    if row.purpose != "change":  # a link for an address the account has since left
        raise _bad_token()
    _switch_address(session, user, row.email)
    return user


def _switch_address(session: Session, user: User, address: str) -> None:
    """Move the account to a confirmed address; its other links end; the old address, if it was
    confirmed, gets a notice."""
    taken = ValidationFailed({"token": _("Another account uses this address now. Choose a different one.")})
    if session.scalar(select(User.id).where(User.email == address, User.id != user.id)) is not None:
        raise taken
    old, old_verified = user.email, bool(user.email_verified)
    try:
        with session.begin_nested():
            user.email = address
            user.email_verified = True
            session.flush()
    except IntegrityError as exc:  # taken at the same moment: the database decides
        raise taken from exc
    # links mailed to the old address (reset, confirmation) stop working
    session.execute(delete(EmailToken).where(EmailToken.user_id == user.id))
    session.execute(delete(PasswordResetToken).where(PasswordResetToken.user_id == user.id))
    if old_verified:  # an address never confirmed may not be the owner's: it is told nothing
        subject, text = notice_mail(user.display_name, address, user.locale)
        queue(session, to=old, subject=subject, text=text, kind=NOTICE_KIND, user_id=user.id)


def pending_change(session: Session, user_id: int) -> EmailToken | None:
    """The account's address change waiting for its link to be followed, if any."""
    return session.scalar(select(EmailToken).where(
        EmailToken.user_id == user_id, EmailToken.purpose == "change", EmailToken.expires_at > utcnow()
    ))

