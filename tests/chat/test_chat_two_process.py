"""Two `tribes serve` processes sharing PostgreSQL and Redis behave as one chat."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable

import pytest

from tests.chat.live_helpers import LiveUser, RawReceiver, at_once, make_tribe, wait_for
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


def test_two_processes_share_the_chat_limit_and_deliver_batches_in_id_order(
    live_database: Callable[[], str], live_server_factory: Callable[..., LiveServer]
) -> None:
    """Sends arriving together on both processes (batches: one Redis round trip for their
    limits, one publish for their broadcasts): the limit is one budget across processes, and
    every reader on either process receives exactly its tribe's stored messages, each once,
    in id order."""
    url = live_database()
    redis = os.environ["TRIBES_TEST_REDIS_URL"]
    env = {"TRIBES_SECRET_KEY": secrets.token_hex(32), "TRIBES_SOCKETIO_CHANNEL": f"tribes-test-{secrets.token_hex(6)}",
           "TRIBES_LIMIT_CHAT": "3 per minute", "TRIBES_LIMIT_CHAT_NEW_MEMBER": "3 per minute",
           "TRIBES_RATELIMIT_KEY_PREFIX": f"test-{secrets.token_hex(6)}"}
    one = live_server_factory(database_url=url, redis_url=redis, env=env)
    two = live_server_factory(database_url=url, redis_url=redis, env=env)
    people = [LiveUser(one.url) for _ in range(7)]
    watcher, alice = people[0], people[1]
    first = make_tribe(watcher, people[1:4])
    second = make_tribe(watcher, people[4:])
    sockets = {(p.user["id"], server.url): p.socket(server.url) for p in people for server in (one, two)}
    readers = [RawReceiver(server.url, watcher.cookie_header(), slug)
               for server in (one, two) for slug in (first, second)]
    try:
        sends = []
        for n, person in enumerate(people[1:], start=1):
            slug = first if n <= 3 else second
            for server in (one, two):
                assert sockets[(person.user["id"], server.url)].call("join", {"tribe": slug})["ok"]
            count = 8 if person is alice else 3  # alice: 4 on each process, over her limit of 3
            for i in range(count):
                server = (one, two)[i % 2]
                sends.append((sockets[(person.user["id"], server.url)], "send",
                              {"tribe": slug, "body": f"{n}/{i}", "client_id": f"{n}-{i}"}))
        acks = at_once(sends)
        alices = [ack for cid, ack in acks if cid.startswith("1-")]
        assert sorted(ack["ok"] for ack in alices) == [False] * 5 + [True] * 3
        assert all(ack["ok"] for cid, ack in acks if not cid.startswith("1-"))
        stored = {slug: sorted(ack["message"]["id"] for _cid, ack in acks if ack["ok"] and ack["message"]["tribe"] == slug)
                  for slug in (first, second)}
        assert len(stored[first]) == 3 + 2 * 3 and len(stored[second]) == 3 * 3
        for reader, slug in zip(readers, [first, second, first, second], strict=True):
            wait_for(lambda reader=reader, slug=slug: len(reader.messages) >= len(stored[slug]))
            assert [m["id"] for m in reader.messages] == stored[slug]
    finally:
        for reader in readers:
            reader.close()
        for sock in sockets.values():
            sock.close()
