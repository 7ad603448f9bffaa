"""Direct messages against a real `tribes serve` with python-socketio's client: id order under
concurrent senders, idempotency under concurrent resends, catch-up after reconnecting, and two
processes sharing PostgreSQL and Redis."""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Callable
from typing import Any

import pytest

from tests.chat.live_helpers import LiveUser, RawReceiver, make_tribe, wait_for
from tests.live_server import LiveServer


def befriend(a: LiveUser, b: LiveUser) -> None:
    """Make two live users contacts."""
    make_tribe(a, [b])
    sent = a.call("POST", "contacts/requests", {"user_id": b.user["id"]})
    assert b.call("POST", f"contacts/requests/{sent.json()['id']}/accept").status_code == 200


def conversation(a: LiveUser, *others: LiveUser) -> int:
    """a starts a conversation with others; its id."""
    response = a.call("POST", "conversations", {"user_ids": [o.user["id"] for o in others]})
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def test_concurrent_senders_arrive_in_id_order_once(live_server: LiveServer) -> None:
    ana, ben, cy = (LiveUser(live_server.url) for _ in range(3))
    befriend(ana, ben)
    befriend(ana, cy)
    befriend(ben, cy)
    cid = conversation(ana, ben, cy)
    sockets = [u.socket() for u in (ana, ben, cy)]
    reader = RawReceiver(live_server.url, cy.cookie_header(), "", join={"conversation": cid})
    try:
        def burst(sock: Any, who: int) -> None:
            for i in range(15):
                ack = sock.call("send", {"conversation": cid, "body": f"{who}:{i}", "client_id": f"{who}-{i}"})
                assert ack["ok"], ack
                # a resend of the same client_id, racing its own first send, is the same message
                again = sock.call("send", {"conversation": cid, "body": f"{who}:{i}", "client_id": f"{who}-{i}"})
                assert again == ack

        threads = [threading.Thread(target=burst, args=(s, n)) for n, s in enumerate(sockets)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for s in sockets:
            wait_for(lambda s=s: len(s.named("message")) >= 45)
            assert len({m["id"] for m in s.named("message")}) == 45
        wait_for(lambda: len(reader.messages) >= 45)
        ids = [m["id"] for m in reader.messages]
        assert ids == sorted(ids) and len(set(ids)) == 45  # frame order is id order, no duplicate
        history = ben.call("GET", f"conversations/{cid}/messages?after=0&limit=100").json()["items"]
        assert [m["id"] for m in history] == ids
    finally:
        reader.close()
        for s in sockets:
            s.close()


def test_catch_up_after_reconnect(live_server: LiveServer) -> None:
    ana, ben = LiveUser(live_server.url), LiveUser(live_server.url)
    befriend(ana, ben)
    cid = conversation(ana, ben)
    a, b = ana.socket(), ben.socket()
    try:
        first = a.call("send", {"conversation": cid, "body": "first", "client_id": "1"})["message"]
        wait_for(lambda: b.named("message") == [first])
        b.close()
        missed = [a.call("send", {"conversation": cid, "body": f"while away {i}", "client_id": f"w{i}"})["message"]
                  for i in range(3)]
        b = ben.socket()
        assert b.call("join", {"conversation": cid, "after_id": first["id"]}) == {
            "ok": True, "missed": missed, "has_more": False}
    finally:
        a.close()
        b.close()


@pytest.mark.skipif(
    not (os.environ.get("TRIBES_TEST_DATABASE_URL", "").startswith("postgresql")
         and os.environ.get("TRIBES_TEST_REDIS_URL")),
    reason="needs TRIBES_TEST_DATABASE_URL (PostgreSQL) and TRIBES_TEST_REDIS_URL",
)
def test_two_processes_deliver_in_order(
    live_database: Callable[[], str], live_server_factory: Callable[..., LiveServer]
) -> None:
    url, redis = live_database(), os.environ["TRIBES_TEST_REDIS_URL"]
    env = {"TRIBES_SECRET_KEY": secrets.token_hex(32), "TRIBES_SOCKETIO_CHANNEL": f"tribes-test-{secrets.token_hex(6)}",
           "TRIBES_LIMIT_DM": "10000 per minute"}
    one = live_server_factory(database_url=url, redis_url=redis, env=env)
    two = live_server_factory(database_url=url, redis_url=redis, env=env)
    ana, ben = LiveUser(one.url), LiveUser(one.url)
    befriend(ana, ben)
    cid = conversation(ana, ben)
    a1, b2 = ana.socket(one.url), ben.socket(two.url)
    a2 = ana.socket(two.url)  # Ana writes through both processes at once
    reader = RawReceiver(two.url, ben.cookie_header(), "", join={"conversation": cid})
    try:
        def burst(sock: Any, tag: str) -> None:
            for i in range(15):
                assert sock.call("send", {"conversation": cid, "body": f"{tag}{i}", "client_id": f"{tag}{i}"})["ok"]

        threads = [threading.Thread(target=burst, args=(s, t)) for s, t in ((a1, "a"), (a2, "b"))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wait_for(lambda: len(reader.messages) >= 30)
        ids = [m["id"] for m in reader.messages]
        assert ids == sorted(ids) and len(set(ids)) == 30
        wait_for(lambda: len(b2.named("message")) >= 30)
        # a block made through process one swallows what process two receives
        assert ben.call("POST", "blocks", {"user_id": ana.user["id"]}, base=one.url).status_code == 201
        ack = a2.call("send", {"conversation": cid, "body": "swallowed", "client_id": "s"})
        assert ack["ok"], ack
        wait_for(lambda: len(a1.named("message")) >= 31)
        assert len(b2.named("message")) == 30 and len(reader.messages) == 30
    finally:
        reader.close()
        for s in (a1, a2, b2):
            s.close()
