"""Faults that happen in real life, against real processes: the database restarts, Redis goes
away for a while. Each goes through a relay (tests/faults.py) that can drop and refuse
connections like a restarting server, without touching the shared test services."""

from __future__ import annotations

import os
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
import requests
from sqlalchemy.engine import make_url

from tests.chat.live_helpers import LiveUser, make_tribe, wait_for
from tests.faults import Relay
from tests.live_server import LiveServer

pytestmark = pytest.mark.slow

POSTGRES = os.environ.get("TRIBES_TEST_DATABASE_URL", "")
REDIS = os.environ.get("TRIBES_TEST_REDIS_URL", "")
needs_postgres = pytest.mark.skipif(not POSTGRES.startswith("postgresql"), reason="needs PostgreSQL")
needs_redis = pytest.mark.skipif(not (POSTGRES.startswith("postgresql") and REDIS), reason="needs PostgreSQL and Redis")


def _through(relay: Relay, url: str) -> str:
    """The same database URL, reached through the relay."""
    return make_url(url).set(host="127.0.0.1", port=relay.port).render_as_string(hide_password=False)


@needs_postgres
def test_a_database_restart_answers_503_and_the_process_recovers(live_database: Callable[[], str],
                                                                 live_server_factory: Callable[..., LiveServer]) -> None:
    real = live_database()
    parsed = make_url(real)
    relay = Relay(parsed.host or "127.0.0.1", parsed.port or 5432).start()
    server = live_server_factory(database_url=_through(relay, real))
    user = LiveUser(server.url)
    slug = make_tribe(user, [])
    assert user.call("GET", "tribes").status_code == 200

    relay.cut()   # PostgreSQL restarting: connections dropped, new ones refused
    for method, path, body in (("GET", "tribes", None), ("POST", f"tribes/{slug}/messages", {"body": "hi", "client_id": "x"}),
                               ("GET", "auth/session", None)):
        answer = user.call(method, path, body)
        assert answer.status_code == 503, (path, answer.status_code, answer.text[:300])
        assert answer.json()["error"]["code"] == "service_unavailable"
        assert answer.headers["Retry-After"] == "5"
    page = user.http.get(server.url + "/tribes", headers={"Accept": "text/html"})
    assert page.status_code == 503 and "<html" in page.text and "Traceback" not in page.text
    assert requests.get(server.url + "/healthz", timeout=5).status_code == 200     # alive
    assert requests.get(server.url + "/readyz", timeout=10).status_code == 503     # not ready

    relay.restore()   # back: the process recovers by itself
    wait_for(lambda: user.call("GET", "tribes").status_code == 200, timeout=20)
    sent = user.call("POST", f"tribes/{slug}/messages", {"body": "after the restart", "client_id": "y"})
    assert sent.status_code == 201, sent.text
    assert requests.get(server.url + "/readyz", timeout=10).status_code == 200
    assert "Traceback" not in server.log()
    assert server.process is not None and server.process.poll() is None


@needs_redis
def test_redis_away_for_ten_seconds_loses_nothing(live_database: Callable[[], str],
                                                  live_server_factory: Callable[..., LiveServer]) -> None:
    real_redis = make_url(REDIS.replace("redis://", "postgresql://", 1))   # only to read host and port
    relay = Relay(real_redis.host or "127.0.0.1", real_redis.port or 6379).start()
    redis_url = f"redis://127.0.0.1:{relay.port}/{(real_redis.database or '0')}"
    env = {"TRIBES_SECRET_KEY": secrets.token_hex(32), "TRIBES_SOCKETIO_CHANNEL": f"faults-{secrets.token_hex(6)}"}
    database = live_database()
    one = live_server_factory(database_url=database, redis_url=redis_url, env=env)
    two = live_server_factory(database_url=database, redis_url=redis_url, env=env)
    alice, bob = LiveUser(one.url), LiveUser(one.url)
    slug = make_tribe(alice, [bob])
    a, b = alice.socket(one.url), bob.socket(two.url)
    try:
        assert a.call("join", {"tribe": slug})["ok"] and b.call("join", {"tribe": slug})["ok"]
        acked: list[int] = []

        def send(n: int) -> Any:
            """Send until acknowledged, always with the same client_id (what the web client does)."""
            for _ in range(100):
                answer = a.call("send", {"tribe": slug, "body": f"message {n}", "client_id": f"m{n}"})
                if answer and answer.get("ok"):
                    acked.append(answer["message"]["id"])
                    return answer
                time.sleep(0.2)
            raise AssertionError(f"message {n} never acknowledged")

        send(0)
        wait_for(lambda: [m["id"] for m in b.named("message")] == acked)
        relay.cut()
        outage_began = time.monotonic()

        def chat_on() -> None:   # messages go on being sent (and resent until acknowledged)
            for n in range(1, 6):
                send(n)
                time.sleep(0.5)

        sender = threading.Thread(target=chat_on)
        sender.start()
        time.sleep(max(0.0, 10 - (time.monotonic() - outage_began)))
        relay.restore()
        back = time.monotonic()
        sender.join(timeout=60)
        assert len(acked) == 6
        # pub/sub lost what was emitted meanwhile: every process closes its sockets once it
        # hears Redis again, and clients reconnect and catch up from their last message id
        wait_for(lambda: not b.client.connected and not a.client.connected, timeout=15)
        resumed = time.monotonic() - back
        seen = [m["id"] for m in b.named("message")]
        b.close()
        b = bob.socket(two.url)
        missed = b.call("join", {"tribe": slug, "after_id": seen[-1]})["missed"]
        assert seen + [m["id"] for m in missed] == acked      # nothing lost, nothing twice, in order
        a.close()
        a = alice.socket(one.url)
        assert a.call("join", {"tribe": slug})["ok"]
        send(6)                                               # and live delivery goes on
        wait_for(lambda: [m["id"] for m in b.named("message")] == acked[-1:], timeout=10)
        assert resumed < 15
        for server in (one, two):
            assert server.process is not None and server.process.poll() is None   # nobody crashed
            assert requests.get(server.url + "/readyz", timeout=10).status_code == 200
        print(f"live delivery resumed {resumed:.1f} s after Redis returned")
    finally:
        a.close()
        b.close()
        relay.cut()
