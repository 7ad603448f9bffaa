"""Two `tribes serve` processes and a `tribes worker` send one outbox on PostgreSQL: every
mail arrives exactly once, also when the SMTP server is stopped for a while and started again.

The mails are password-reset mails queued through real HTTP requests. Each process sends with
its own envelope sender (TRIBES_MAIL_FROM), so the test sees that all three took part.
"""

from __future__ import annotations

import os
import re
import secrets
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import create_engine, text

from tests.live_server import LiveServer
from tests.mail.conftest import SmtpServer

pytestmark = pytest.mark.skipif(
    not os.environ.get("TRIBES_TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="needs TRIBES_TEST_DATABASE_URL (PostgreSQL)",
)

ACCOUNTS = 100
PASSWORD = "exactly once passphrase"
SENDERS = ("serve-one", "serve-two", "worker")


class LiveWorker(LiveServer):
    """`tribes worker` in a subprocess (same environment handling as LiveServer)."""

    def command(self) -> list[str]:
        """`tribes worker` from the running interpreter's environment."""
        serve = super().command()
        return [*serve[:serve.index("serve")], "worker"]

    def _wait_ready(self) -> bool:
        """Ready once it printed its start line (it serves no HTTP)."""
        assert self.process is not None
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            if "Tribes worker" in self.log():
                return True
            time.sleep(0.1)
        self._terminate()
        return False


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll `condition` until it holds; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.1)


def register(base: str, email: str) -> None:
    """Create an account over HTTP."""
    response = requests.post(base + "/api/v1/auth/register", json={
        "email": email, "password": PASSWORD, "display_name": email.split("@")[0],
    }, timeout=30)
    assert response.status_code == 201, response.text


def ask_reset(base: str, email: str) -> None:
    """Ask for a password-reset mail over HTTP."""
    response = requests.post(base + "/api/v1/auth/password-reset", json={"email": email}, timeout=30)
    assert response.status_code == 202, response.text


def in_parallel(call: Callable[[str, str], None], jobs: Iterable[tuple[str, str]]) -> None:
    """Run `call(base, email)` for every job from a few client threads."""
    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(lambda job: call(*job), jobs))


def test_two_servers_and_a_worker_send_each_mail_exactly_once_across_an_smtp_outage(
    live_database: Callable[[], str], live_server_factory: Callable[..., LiveServer],
) -> None:
    smtp = SmtpServer()
    smtp.start()
    url = live_database()
    deployment = {  # one deployment: same secret key, fast polling and retries, no reset limit
        "TRIBES_SECRET_KEY": secrets.token_hex(32),
        "TRIBES_SMTP_URL": smtp.url,
        "TRIBES_MAIL_POLL_SECONDS": "0.2",
        "TRIBES_MAIL_RETRY_SECONDS": "0.5",
        "TRIBES_LIMIT_PASSWORD_RESET": "100000 per minute",
    }
    servers = [
        live_server_factory(database_url=url, env={**deployment, "TRIBES_MAIL_FROM": f"Tribes <{name}@live.test>"})
        for name in SENDERS[:2]
    ]
    worker = LiveWorker(database_url=url, env={**deployment, "TRIBES_MAIL_FROM": "Tribes <worker@live.test>"})
    engine = create_engine(url)
    try:
        worker.start()
        emails = [f"person{i}@live.test" for i in range(ACCOUNTS)]
        bases = [servers[i % 2].url for i in range(ACCOUNTS)]
        in_parallel(register, zip(bases, emails, strict=True))

        def outbox(where: str = "true") -> int:
            with engine.connect() as conn:
                return int(conn.execute(text(f"SELECT count(*) FROM outbox_mails WHERE {where}")).scalar_one())

        # 1. the server is up: the first round of mails goes out while more are being queued
        in_parallel(ask_reset, zip(bases, emails, strict=True))
        smtp.stop()  # 2. down, perhaps in the middle of a batch
        in_parallel(ask_reset, zip(reversed(bases), emails, strict=True))
        wait_until(lambda: outbox("status = 'queued' AND attempts >= 2") >= ACCOUNTS // 2, 30,
                   "the senders to meet the stopped server twice")
        smtp.start()  # 3. up again on the same port, while the third round is queued
        in_parallel(ask_reset, zip(bases, emails, strict=True))
        total = 4 * ACCOUNTS   # per account: its confirmation link at registration and 3 reset links
        assert outbox() == total
        wait_until(lambda: outbox("status = 'sent'") == total and len(smtp.mails) >= total, 40,
                   "every mail to be sent")
        time.sleep(1.5)  # a late copy would arrive now
    finally:
        smtp.stop()
        worker.stop()
        with engine.connect() as conn:
            queued = {row.message_id: row for row in conn.execute(text(
                "SELECT message_id, to_address, status, attempts FROM outbox_mails"))}
        engine.dispose()

    mails = smtp.mails
    ids = Counter(str(m["Message-ID"]) for m in mails)
    assert len(mails) == total and max(ids.values()) == 1, [i for i, n in ids.items() if n > 1]
    assert set(ids) == set(queued)  # none lost, none invented
    assert Counter(str(m["To"]) for m in mails) == {e: 4 for e in emails}
    assert all(row.status == "sent" for row in queued.values())
    assert any(row.attempts > 1 for row in queued.values()), "no mail was ever retried"
    bodies = [m.get_body(("plain",)).get_content() for m in mails]
    links = [found.group(1) for body in bodies if (found := re.search(r"/reset/(\S+)", body))]
    assert len(set(links)) == 3 * ACCOUNTS
    assert sum("/verify/" in body for body in bodies) == ACCOUNTS
    senders = Counter(envelope_from for envelope_from, _ in smtp.handler.envelopes)
    assert set(senders) == {f"{name}@live.test" for name in SENDERS}, senders
    assert all(rcpts == [str(m["To"])] for (_, rcpts), m in zip(smtp.handler.envelopes, mails, strict=True))
