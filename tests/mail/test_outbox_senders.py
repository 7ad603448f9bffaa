"""The outbox senders under production conditions: a slow SMTP server, a long mail history,
many mails in one pass."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, insert, select, text

from tests.mail.conftest import Recorder, SmtpServer
from tests.mail.test_outbox import queue_mails, statuses
from tribes.db import random_id, utcnow
from tribes.extensions import db
from tribes.mail import outbox
from tribes.mail.models import OutboxMail
from tribes.mail.outbox import claim, send_due


class SlowRecorder(Recorder):
    """Takes `delay` seconds to accept each mail; remembers each mail's connection."""

    def __init__(self, delay: float = 0.0) -> None:
        super().__init__()
        self.delay = delay
        self.peers: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.sleep(self.delay)
        self.peers.append(session.peer)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def slow_server(app: Any) -> Any:
    """An SMTP server whose handler can be slowed down."""
    server = SmtpServer()
    server.handler = SlowRecorder()
    server.start()
    app.config.update(SMTP_URL=server.url, MAIL_RETRY_SECONDS=0)
    yield server
    server.stop()


def test_a_sender_held_up_by_a_slow_server_never_sends_a_mail_another_sender_took_over(
    app: Any, slow_server: SmtpServer, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # a claim lasts 2 s, and a mail is begun only while 1 s of it is left; each mail takes 0.3 s
    monkeypatch.setattr(outbox, "LEASE", timedelta(seconds=2))
    monkeypatch.setattr(outbox, "MARGIN", timedelta(seconds=1))
    slow_server.handler.delay = 0.3
    queue_mails(app, 10)
    first = threading.Thread(target=send_due, args=(app,))
    first.start()  # claims all ten; would need 3 s for them
    time.sleep(2.3)  # its claim has run out: the second sender may take what is left
    send_due(app)
    first.join()
    while send_due(app):
        pass
    subjects = Counter(m["Subject"] for m in slow_server.mails)
    assert subjects == {f"Mail {i}": 1 for i in range(10)}
    assert set(statuses(app).values()) == {"sent"}


def test_mails_released_by_a_held_up_sender_keep_their_attempts(
    app: Any, slow_server: SmtpServer, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(outbox, "LEASE", timedelta(seconds=1))
    monkeypatch.setattr(outbox, "MARGIN", timedelta(seconds=0.5))
    slow_server.handler.delay = 0.3
    queue_mails(app, 5)
    # 5 mails of 0.3 s each do not fit a 1 s lease: the pass sends what fits before the margin
    # (two on an idle machine, fewer on a loaded one) and gives the rest back untouched
    first = send_due(app)
    with app.app_context():
        rows = db.session.query(OutboxMail).all()
        given_back = [m for m in rows if m.status == "queued"]
        assert len(given_back) == 5 - first and first < 5
        assert sorted(m.status for m in rows) == ["queued"] * len(given_back) + ["sent"] * first
        assert all(m.attempts == 0 and m.claimed_until is None for m in given_back)
        db.remove()
    passes = [first]
    while sum(passes) < 5 and len(passes) < 10:
        passes.append(send_due(app))
    assert sum(passes) == 5
    assert sorted(m["Subject"] for m in slow_server.mails) == [f"Mail {i}" for i in range(5)]


def test_one_smtp_connection_carries_every_mail_of_a_pass(app: Any, slow_server: SmtpServer) -> None:
    queue_mails(app, 2 * outbox.BATCH + 5)
    assert send_due(app) == 2 * outbox.BATCH + 5
    assert len(set(slow_server.handler.peers)) == 1


def test_the_claim_does_not_read_the_mail_history(app: Any) -> None:
    """Due mails are found through an index, not by reading (and sorting) every mail ever sent."""
    queue_mails(app, 1)
    with app.app_context():
        [template] = db.session.scalars(select(OutboxMail)).all()
        values = {c.key: getattr(template, c.key) for c in OutboxMail.__table__.columns}
        start = utcnow() - timedelta(days=30)
        db.session.execute(insert(OutboxMail), [
            {**values, "id": random_id(), "status": "sent" if i % 10 else "queued", "created_at": start
             + timedelta(seconds=i), "next_attempt_at": start + timedelta(seconds=i)} for i in range(3000)
        ])
        db.session.commit()
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        seen: list[tuple[str, Any]] = []

        def remember(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
            if statement.lstrip().upper().startswith("SELECT") and "outbox_mails" in statement:
                seen.append((statement, parameters))

        event.listen(db.engine, "before_cursor_execute", remember)
        try:
            assert len(claim(db.session, utcnow())) == outbox.BATCH
        finally:
            event.remove(db.engine, "before_cursor_execute", remember)
        db.session.rollback()
        plans = [explain(db.session, statement, parameters) for statement, parameters in seen[:-1]]
        db.remove()
    assert plans
    for plan in plans:
        assert "SCAN outbox_mails" not in plan and "Seq Scan" not in plan, plan
        assert "Sort" not in plan.replace("Incremental Sort", ""), plan


def explain(session: Any, statement: str, parameters: Any) -> str:
    """The plan of one captured statement, as text (SQLite or PostgreSQL)."""
    connection = session.connection().connection.driver_connection
    if session.get_bind().dialect.name == "sqlite":
        return "\n".join(str(row) for row in connection.execute("EXPLAIN QUERY PLAN " + statement, parameters))
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + statement, parameters)
        return "\n".join(row[0] for row in cursor.fetchall())
