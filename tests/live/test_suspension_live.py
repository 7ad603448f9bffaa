"""A suspension made through one `tribes serve` process ends the account's socket held by another
(PostgreSQL + Redis), and its HTTP session at once."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable

import pytest
from sqlalchemy import create_engine, text

from tests.chat.live_helpers import LiveUser, make_tribe, wait_for
from tests.live_server import LiveServer

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (os.environ.get("TRIBES_TEST_DATABASE_URL", "").startswith("postgresql")
             and os.environ.get("TRIBES_TEST_REDIS_URL")),
        reason="needs TRIBES_TEST_DATABASE_URL (PostgreSQL) and TRIBES_TEST_REDIS_URL",
    ),
]


def test_suspension_through_one_process_disconnects_a_socket_on_another(
    live_database: Callable[[], str], live_server_factory: Callable[..., LiveServer]
) -> None:
    url = live_database()
    redis = os.environ["TRIBES_TEST_REDIS_URL"]
    env = {"TRIBES_SECRET_KEY": secrets.token_hex(32), "TRIBES_SOCKETIO_CHANNEL": f"suspend-{secrets.token_hex(6)}"}
    one = live_server_factory(database_url=url, redis_url=redis, env=env)
    two = live_server_factory(database_url=url, redis_url=redis, env=env)
    admin, member = LiveUser(one.url), LiveUser(one.url)
    engine = create_engine(url)
    try:
        with engine.begin() as conn:   # as after `tribes admin grant`
            conn.execute(text("UPDATE users SET site_admin = true WHERE id = :id"), {"id": admin.user["id"]})
    finally:
        engine.dispose()
    slug = make_tribe(admin, [member])
    sock = member.socket(two.url)     # the member's socket lives in process two
    try:
        assert sock.call("join", {"tribe": slug})["ok"]
        done = admin.call("POST", f"site/users/{member.user['id']}/suspend", {"reason": "spam"})   # process one
        assert done.status_code == 200, done.text
        wait_for(lambda: not sock.client.connected, timeout=10)
        assert member.call("GET", "me", base=two.url).status_code == 401
        again = member.http.post(f"{two.url}/api/v1/auth/login",
                                 json={"email": member.user["email"], "password": "correct horse battery staple"})
        assert again.status_code == 403 and again.json()["error"]["code"] == "suspended"
    finally:
        sock.close()
