"""Two `tribes serve` processes sharing PostgreSQL and Redis behave as one chat."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable

import pytest

from tests.chat.live_helpers import LiveUser, make_tribe, wait_for
from tests.live_server import LiveServer

pytestmark = pytest.mark.skipif(
    not (os.environ.get("TRIBES_TEST_DATABASE_URL", "").startswith("postgresql")
         and os.environ.get("TRIBES_TEST_REDIS_URL")),
    reason="needs TRIBES_TEST_DATABASE_URL (PostgreSQL) and TRIBES_TEST_REDIS_URL",
)


def test_two_processes_share_messages_and_removals(
    live_database: Callable[[], str], live_server_factory: Callable[..., LiveServer]
) -> None:
    url = live_database()
    redis = os.environ["TRIBES_TEST_REDIS_URL"]
    env = {  # one deployment: same secret key (cookies), own pub/sub channel for this test
        "TRIBES_SECRET_KEY": secrets.token_hex(32),
        "TRIBES_SOCKETIO_CHANNEL": f"tribes-test-{secrets.token_hex(6)}",
    }
    one = live_server_factory(database_url=url, redis_url=redis, env=env)
    two = live_server_factory(database_url=url, redis_url=redis, env=env)
    alice, bob = LiveUser(one.url), LiveUser(one.url)
    slug = make_tribe(alice, [bob])
    a = alice.socket(one.url)
    b = bob.socket(two.url)  # same cookie, other process
    try:
        assert a.call("join", {"tribe": slug})["ok"] and b.call("join", {"tribe": slug})["ok"]
        sent = a.call("send", {"tribe": slug, "body": "across processes", "client_id": "1"})
        wait_for(lambda: [m["id"] for m in b.named("message")] == [sent["message"]["id"]])
        # removal made through process one kicks the socket held by process two
        assert alice.call("DELETE", f"tribes/{slug}/members/{bob.user['id']}").status_code == 204
        wait_for(lambda: b.named("removed") == [{"tribe": slug}])
        a.call("send", {"tribe": slug, "body": "not for bob", "client_id": "2"})
        wait_for(lambda: len(a.named("message")) == 2)
        assert len(b.named("message")) == 1
        assert b.call("send", {"tribe": slug, "body": "x", "client_id": "x"})["error"] == "not_found"
        # logging out through process one disconnects the socket held by process two
        assert bob.call("POST", "auth/logout").status_code == 204
        wait_for(lambda: not b.client.connected)
    finally:
        a.close()
        b.close()
