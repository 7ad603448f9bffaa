"""The outbox: `queue()` writes a mail in the caller's transaction; `send_due()` sends it.

A rolled-back cause sends nothing (the row never commits). Senders (the background job of
every `tribes serve` and `tribes worker`) claim due mails in queue order with a conditional
UPDATE (status still `queued`, or a claim whose lease ran out); on PostgreSQL the candidates
are first selected `FOR UPDATE SKIP LOCKED`, so several processes never wait on or win the
same row; the due mails are found through an index in queue order, never by reading the
mail history (sent mails stay in the table). The claim commits before the SMTP conversation
(no lock is held while the network is slow), and each result commits right after: sent,
retried with exponential back-off (server down, 4xx), or failed (5xx, or still not taken
24 hours after it was queued). One SMTP connection carries every mail of a pass. A sender
held up by a slow server begins no mail whose claim is about to run out (MARGIN): it gives
the rest of its batch back, so no other sender can take over a mail it is still sending.

A sender that dies between the server's "250 OK" and its own commit leaves the mail claimed;
it is retried when the lease ends, with the same Message-ID, so a receiving server or client
can tell the copy (the one case SMTP itself cannot make exactly-once).
"""

from __future__ import annotations

import email.policy
import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from tribes.db import rowcount, utcnow
from tribes.jobs import pass_failed
from tribes.mail.models import OutboxMail
from tribes.mail.transport import (
    FileTransport,
    PermanentFailure,
    TemporaryFailure,
    Transport,
    transport_for,
)

log = logging.getLogger(__name__)

#: mails claimed per pass
BATCH = 20
#: how long a claim lasts before another sender may take the mail again
LEASE = timedelta(minutes=15)
#: a mail is begun only while this much of its claim is left: far more than one SMTP
#: conversation takes (transport.SMTP_TIMEOUT per reply), so a sender held up by a slow
#: server never hands over a mail that another sender may meanwhile have taken
MARGIN = timedelta(minutes=5)
#: RFC 5322 with CRLF line ends and only 7-bit bytes (quoted-printable/base64 bodies)
POLICY = email.policy.SMTP.clone(cte_type="7bit")

#: (filename, content type "maintype/subtype", content)
Attachment = tuple[str, str, bytes | str]


def mail_from(config: Any = None) -> str:
    """The From address: TRIBES_MAIL_FROM, else Tribes <tribes@localhost>."""
    config = config if config is not None else (current_app.config if has_app_context() else {})
    return str(config.get("MAIL_FROM") or "Tribes <tribes@localhost>")


def build_message(
    *, to: str, subject: str, text: str, html: str | None = None, sender: str,
    headers: dict[str, str] | None = None, attachments: Iterable[Attachment] = (),
) -> EmailMessage:
    """A mail with a plain-text part always, HTML as the alternative, attachments, a Message-ID."""
    message = EmailMessage(policy=POLICY)
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(utcnow())
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    message["Message-ID"] = make_msgid(domain=domain)
    message["Auto-Submitted"] = "auto-generated"
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(text, subtype="plain", charset="utf-8")
    if html is not None:
        message.add_alternative(html, subtype="html", charset="utf-8")
    for filename, content_type, content in attachments:
        maintype, _, subtype = content_type.partition("/")
        if isinstance(content, str):
            message.add_attachment(content, subtype=subtype, filename=filename, charset="utf-8")
        else:
            message.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return message


def queue(
    session: Session,
    *,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    kind: str,
    user_id: int | None = None,
    headers: dict[str, str] | None = None,
    attachments: Iterable[Attachment] = (),
    flush: bool = True,
) -> OutboxMail:
    """Queue a mail in the caller's transaction (flushed, never committed here; with
    `flush=False` the caller flushes, so many mails are one INSERT)."""
    Address(addr_spec=to)  # a malformed address fails here, in the cause's transaction
    message = build_message(
        to=to, subject=subject, text=text, html=html, sender=mail_from(), headers=headers,
        attachments=attachments,
    )
    now = utcnow()
    row = OutboxMail(
        user_id=user_id, to_address=to, kind=kind, subject=subject[:300],
        message_id=str(message["Message-ID"]), message=message.as_string(),
        status="queued", attempts=0, created_at=now, next_attempt_at=now,
    )
    session.add(row)
    if flush:
        session.flush()
    return row


# ---------------------------------------------------------------- sending


def _due(now: datetime) -> Any:
    return or_(
        (OutboxMail.status == "queued") & (OutboxMail.next_attempt_at <= now),
        (OutboxMail.status == "sending") & (OutboxMail.claimed_until < now),
    )


def _candidates(session: Session, now: datetime, limit: int) -> list[int]:
    """Ids of up to `limit` due mails, oldest first, each kind found through an index.

    Two queries instead of one with OR: each walks `ix_outbox_mails_status_created_at` in
    queue order and stops after `limit` rows; sent mails (the outbox keeps them) are never read.
    """
    locking = session.get_bind().dialect.name == "postgresql"
    found: list[tuple[datetime, int]] = []
    for condition in (
        (OutboxMail.status == "sending") & (OutboxMail.claimed_until < now),  # a sender died or stalled
        (OutboxMail.status == "queued") & (OutboxMail.next_attempt_at <= now),
    ):
        stmt = (select(OutboxMail.created_at, OutboxMail.id).where(condition)
                .order_by(OutboxMail.status, OutboxMail.created_at, OutboxMail.id).limit(limit))
        if locking:
            stmt = stmt.with_for_update(skip_locked=True)
        found.extend(session.execute(stmt).tuples())
    return [mail_id for _, mail_id in sorted(found)[:limit]]


def claim(session: Session, now: datetime, limit: int = BATCH) -> list[OutboxMail]:
    """Claim up to `limit` due mails, oldest first; returns the ones this sender won (flushed)."""
    candidates = _candidates(session, now, limit)
    if not candidates:
        return []
    won = list(session.scalars(
        update(OutboxMail)
        .where(OutboxMail.id.in_(candidates), _due(now))
        .values(status="sending", claimed_until=now + LEASE)
        .returning(OutboxMail.id)
        .execution_options(synchronize_session=False)
    ))
    return list(session.scalars(
        select(OutboxMail).where(OutboxMail.id.in_(won)).order_by(OutboxMail.created_at, OutboxMail.id)
        .execution_options(populate_existing=True)
    ))


def backoff(attempts: int, base_seconds: float) -> timedelta:
    """Wait before attempt `attempts + 1`: base · 2^(attempts-1), at most one hour."""
    return timedelta(seconds=min(3600.0, base_seconds * 2 ** max(0, attempts - 1)))


def _finish(session: Session, mail_id: int, held: datetime | None, /, **values: Any) -> bool:
    """Record a result, only if this sender still holds the claim; committed at once."""
    done = rowcount(session.execute(
        update(OutboxMail)
        .where(OutboxMail.id == mail_id, OutboxMail.status == "sending", OutboxMail.claimed_until == held)
        .values(**values)
        .execution_options(synchronize_session=False)
    ))
    session.commit()
    return done == 1


def _release(session: Session, mails: list[OutboxMail]) -> None:
    """Give claimed mails that were not begun back to the queue at once (no attempt counted)."""
    for mail in mails:
        _finish(session, mail.id, mail.claimed_until, status="queued", claimed_until=None)


def _send_one(transport: Transport, sender: str, mail: OutboxMail) -> None:
    """Hand one mail to the transport (raises TemporaryFailure or PermanentFailure)."""
    raw = mail.message.encode("ascii", "replace")
    if isinstance(transport, FileTransport):
        name = f"{mail.created_at:%Y%m%dT%H%M%S%f}-{mail.id}"
        transport.send(sender, mail.to_address, raw, name=name, subject=mail.subject)
    else:
        transport.send(sender, mail.to_address, raw)


def send_batch(
    session: Session, config: Any, instance_path: str, now: datetime | None = None,
    transport: Transport | None = None,
) -> int:
    """Claim and send one batch; returns how many mails the server (or the .eml folder) took.

    `transport` (one connection kept for a whole pass) is used when given, else one is
    opened and closed for this batch.
    """
    now = now or utcnow()
    mails = claim(session, now)
    session.commit()
    if not mails:
        return 0
    own = transport is None
    transport = transport or transport_for(config, instance_path)
    sender = parseaddr(mail_from(config))[1] or "tribes@localhost"
    retry_base = float(config.get("MAIL_RETRY_SECONDS", 30))
    give_up = timedelta(hours=float(config.get("MAIL_GIVE_UP_HOURS", 24)))
    sent = 0
    try:
        for index, mail in enumerate(mails):
            held = mail.claimed_until
            assert held is not None
            if max(now, utcnow()) > held - MARGIN:  # a slow server: never begin a mail another may take
                _release(session, mails[index:])
                break
            try:
                _send_one(transport, sender, mail)
            except PermanentFailure as exc:
                log.warning("mail %s to %s failed for good: %s", mail.id, mail.to_address, exc)
                _finish(session, mail.id, held, status="failed", attempts=mail.attempts + 1,
                        last_error=str(exc)[:500], claimed_until=None)
            except TemporaryFailure as exc:
                attempts = mail.attempts + 1
                at = max(now, utcnow())
                expired = at - mail.created_at >= give_up
                log.info("mail %s to %s not sent (attempt %d): %s", mail.id, mail.to_address, attempts, exc)
                _finish(session, mail.id, held,
                        status="failed" if expired else "queued", attempts=attempts,
                        next_attempt_at=at + backoff(attempts, retry_base),
                        last_error=str(exc)[:500], claimed_until=None)
            else:
                if _finish(session, mail.id, held, status="sent", sent_at=utcnow(),
                           attempts=mail.attempts + 1, claimed_until=None, last_error=None):
                    sent += 1
    finally:
        if own:
            transport.close()
    return sent


def send_due(app: Any, now: datetime | None = None) -> int:
    """Send every due mail, batch after batch, in its own app context; returns mails sent.

    THE one place the sender job commits (or rolls back).
    """
    from tribes.extensions import db

    total = 0
    with app.app_context():
        transport = transport_for(app.config, app.instance_path)  # one SMTP connection per pass
        try:
            while True:
                sent = send_batch(db.session, app.config, app.instance_path, now, transport)
                total += sent
                if sent < BATCH:  # a short or troubled batch: the next pass tries again
                    break
        except Exception as exc:
            db.session.rollback()
            pass_failed(log, "sending mail", exc)
        finally:
            transport.close()
            db.remove()
    return total

