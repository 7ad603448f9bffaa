"""The outbox against a real SMTP server (aiosmtpd): queued in the cause's transaction, sent
once, in order, retried while the server is down or answers 4xx, failed on 5xx or after 24 h."""

from __future__ import annotations

import email
import email.policy
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from tribes.db import utcnow
from tribes.extensions import db
from tribes.mail.models import OutboxMail
from tribes.mail.outbox import queue, send_due


def queue_mails(app: Any, count: int, kind: str = "test", user_id: int | None = None) -> list[int]:
    with app.app_context():
        ids = [
            queue(db.session, to=f"person{i}@example.test", subject=f"Mail {i}", text=f"Hello number {i} – grüße",
                  kind=kind, user_id=user_id).id
            for i in range(count)
        ]
        db.session.commit()
        db.remove()
    return ids


def statuses(app: Any) -> dict[int, str]:
    with app.app_context():
        found = {m.id: m.status for m in db.session.scalars(select(OutboxMail))}
        db.remove()
    return found


def test_without_smtp_url_each_mail_is_an_eml_file(app):
    app.config["SMTP_URL"] = None
    queue_mails(app, 1)
    assert send_due(app) == 1
    files = sorted((Path(app.instance_path) / "mail").glob("*.eml"))
    assert files, "no .eml written"
    message = email.message_from_bytes(files[-1].read_bytes(), policy=email.policy.default)
    assert message["Subject"] == "Mail 0" and message["To"] == "person0@example.test"
    assert message["Message-ID"] and message["Date"]
    assert "grüße" in message.get_body(("plain",)).get_content()
    assert set(statuses(app).values()) == {"sent"}


def test_a_mail_arrives_once_with_text_part_and_message_id(app, smtp_server):
    queue_mails(app, 1)
    assert send_due(app) == 1
    assert send_due(app) == 0
    [mail] = smtp_server.mails
    assert mail["Subject"] == "Mail 0" and mail["Message-ID"]
    assert "Hello number 0 – grüße" in mail.get_body(("plain",)).get_content()
    assert "<img" not in mail.as_string()


def test_a_mail_queued_in_a_rolled_back_transaction_is_never_sent(app, smtp_server):
    with app.app_context():
        queue(db.session, to="nobody@example.test", subject="Rolled back", text="x", kind="test")
        db.session.rollback()
        db.remove()
    assert send_due(app) == 0
    assert smtp_server.mails == []
    assert statuses(app) == {}


def test_mails_go_out_in_the_order_they_were_queued(app, smtp_server):
    queue_mails(app, 30)
    assert send_due(app) == 30
    assert [m["Subject"] for m in smtp_server.mails] == [f"Mail {i}" for i in range(30)]


def test_smtp_down_then_up_every_mail_arrives_exactly_once(app, smtp_server):
    smtp_server.stop()
    queue_mails(app, 5)
    assert send_due(app) == 0
    assert set(statuses(app).values()) == {"queued"}
    with app.app_context():
        assert all(m.attempts == 1 and m.last_error for m in db.session.scalars(select(OutboxMail)))
        db.remove()
    assert send_due(app) == 0  # still down: retried, still nothing lost
    smtp_server.start()
    assert send_due(app) == 5
    assert send_due(app) == 0
    assert sorted(m["Subject"] for m in smtp_server.mails) == [f"Mail {i}" for i in range(5)]


def test_back_off_grows_while_the_server_stays_down(app, smtp_server):
    app.config["MAIL_RETRY_SECONDS"] = 60
    smtp_server.stop()
    [mail_id] = queue_mails(app, 1)
    send_due(app)
    assert send_due(app) == 0  # not due again before its back-off
    with app.app_context():
        first = db.session.get(OutboxMail, mail_id).next_attempt_at
        db.remove()
    send_due(app, now=first + timedelta(seconds=1))
    with app.app_context():
        mail = db.session.get(OutboxMail, mail_id)
        assert mail.attempts == 2 and mail.next_attempt_at - first >= timedelta(seconds=120)
        db.remove()
    smtp_server.start()
    assert send_due(app, now=utcnow() + timedelta(hours=1)) == 1
    assert len(smtp_server.mails) == 1


def test_a_4xx_answer_is_retried_and_a_5xx_answer_fails_for_good(app, smtp_server):
    smtp_server.handler.refuse = ["451 4.3.0 try again later"]
    [retried] = queue_mails(app, 1)
    assert send_due(app) == 0
    assert statuses(app)[retried] == "queued"
    assert send_due(app) == 1
    assert statuses(app)[retried] == "sent"

    smtp_server.handler.refuse = ["550 5.1.1 no such mailbox"]
    with app.app_context():
        failed = queue(db.session, to="gone@example.test", subject="Bounce", text="x", kind="test").id
        db.session.commit()
        db.remove()
    assert send_due(app) == 0
    assert statuses(app)[failed] == "failed"
    assert send_due(app, now=utcnow() + timedelta(hours=2)) == 0
    assert [m["Subject"] for m in smtp_server.mails] == ["Mail 0"]


def test_a_mail_not_taken_for_24_hours_is_marked_failed(app, smtp_server):
    smtp_server.stop()
    [mail_id] = queue_mails(app, 1)
    send_due(app)
    assert statuses(app)[mail_id] == "queued"
    send_due(app, now=utcnow() + timedelta(hours=24, minutes=1))
    assert statuses(app)[mail_id] == "failed"


def test_starttls_and_login(app, starttls_server):
    queue_mails(app, 2)
    assert send_due(app) == 2
    assert [m["Subject"] for m in starttls_server.mails] == ["Mail 0", "Mail 1"]


def test_starttls_server_with_an_untrusted_certificate_gets_nothing(app, starttls_server):
    app.config["SMTP_CA_FILE"] = None
    [mail_id] = queue_mails(app, 1)
    assert send_due(app) == 0
    assert starttls_server.mails == [] and statuses(app)[mail_id] == "queued"


def test_two_concurrent_senders_send_each_mail_once(app, smtp_server):
    queue_mails(app, 80)
    results: list[int] = []

    def sender() -> None:
        results.append(send_due(app))

    threads = [threading.Thread(target=sender) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    while send_due(app):
        pass
    subjects = [m["Subject"] for m in smtp_server.mails]
    assert len(subjects) == 80 and len(set(subjects)) == 80
    assert set(statuses(app).values()) == {"sent"}
