"""Chat under hostile or heavy use: bounded lock table, slow hooks, both edges validated alike."""

from __future__ import annotations

import os
import threading
from typing import Any

import pytest

from tests.chat.conftest import client_id, events_named, send
from tribes import events
from tribes.chat import ordering


def test_unknown_tribes_do_not_grow_the_lock_table(make_user: Any, make_tribe: Any, make_socket: Any) -> None:
    alice = make_user()
    tribe = make_tribe(owner=alice)
    sock = make_socket(alice)
    size = len(ordering._locks)
    for n in range(2_000):   # any growth would show as 2,000 more entries
        assert send(sock, f"no-such-tribe-{n}", "hello", "same") == {"ok": False, "error": "not_found"}
    assert len(ordering._locks) == size
    assert send(sock, tribe["slug"], "still works")["ok"]


def test_a_slow_hook_after_a_send_does_not_hold_up_the_tribe(
    make_user: Any, make_tribe: Any, make_socket: Any
) -> None:
    """While moderation's hook of one message is busy, another member's message is delivered."""
    alice, bob, carol = make_user(), make_user(), make_user()
    tribe = make_tribe(owner=alice, members=[bob, carol])
    b, c = make_socket(bob), make_socket(carol)
    for sock in (b, c):
        assert sock.emit("join", {"tribe": tribe["slug"]}, callback=True)["ok"]
    acks: list[Any] = []
    seen_by_carol: list[Any] = []

    def busy_hook(_sender: Any, *, messages: list[Any], **_: Any) -> None:
        if [m.body for m in messages] != ["first"]:
            return
        other = threading.Thread(target=lambda: acks.append(send(b, tribe["slug"], "second")))
        other.start()
        other.join(timeout=30)  # the first send's hook is busy until bob's send is through
        seen_by_carol.extend(m["body"] for m in events_named(c, "message"))

    events.tribe_messages_posted.connect(busy_hook)
    try:
        first = alice.post(f"tribes/{tribe['slug']}/messages", {"body": "first", "client_id": "a-1"})
    finally:
        events.tribe_messages_posted.disconnect(busy_hook)
    assert first.status_code == 201
    assert len(acks) == 1 and acks[0]["ok"] and acks[0]["message"]["body"] == "second"
    assert seen_by_carol == ["first", "second"]


def test_both_edges_refuse_unstorable_text(
    make_user: Any, make_tribe: Any, make_socket: Any
) -> None:
    alice = make_user()
    tribe = make_tribe(owner=alice)
    slug = tribe["slug"]
    sock = make_socket(alice)
    assert sock.emit("join", {"tribe": slug}, callback=True)["ok"]
    bad_texts = ["nul \x00 byte", "lone \ud800 surrogate", "\udfff"]
    for text in bad_texts:
        assert send(sock, slug, text) == {"ok": False, "error": "validation_failed"}
        assert send(sock, slug, "fine", cid=text) == {"ok": False, "error": "validation_failed"}
        assert send(sock, text, "fine") == {"ok": False, "error": "validation_failed"}
        assert sock.emit("join", {"tribe": text}, callback=True) == {"ok": False, "error": "validation_failed"}
        assert alice.post(f"tribes/{slug}/messages", {"body": text, "client_id": client_id()}).status_code == 422
    assert alice.get(f"tribes/{slug}/messages").get_json()["items"] == []  # nothing was stored
    assert send(sock, slug, "fine")["ok"]


def test_socket_join_refuses_ids_beyond_the_contract(make_user: Any, make_tribe: Any, make_socket: Any) -> None:
    alice = make_user()
    slug = make_tribe(owner=alice)["slug"]
    sock = make_socket(alice)
    for huge in (2**53, 2**63, 2**64, 10**30, -(2**64)):
        ack = sock.emit("join", {"tribe": slug, "after_id": huge}, callback=True)
        assert ack == {"ok": False, "error": "validation_failed"}
    for largest in (2**31, 2**53 - 1):  # message ids are 64-bit on PostgreSQL too
        assert sock.emit("join", {"tribe": slug, "after_id": largest}, callback=True) == {
            "ok": True, "missed": [], "has_more": False,
        }
    assert alice.get(f"tribes/{slug}/messages?after={2**53 - 1}").status_code == 200


def test_a_muted_member_cannot_edit(make_user: Any, make_tribe: Any) -> None:
    alice, bob = make_user(), make_user()
    tribe = make_tribe(owner=alice, members=[bob])
    slug = tribe["slug"]
    posted = bob.post(f"tribes/{slug}/messages", {"body": "before the mute", "client_id": "b-1"}).get_json()
    assert alice.post(f"tribes/{slug}/mutes", {"user_id": bob.user["id"], "minutes": 30}).status_code == 201
    edit = bob.patch(f"messages/{posted['id']}", {"body": "something rude"})
    assert edit.status_code == 403 and edit.get_json()["error"]["code"] == "muted"
    assert bob.get(f"tribes/{slug}/messages").get_json()["items"][0]["body"] == "before the mute"


def test_edits_share_the_chat_rate_limit(make_user: Any, make_tribe: Any, app: Any) -> None:
    alice = make_user()
    slug = make_tribe(owner=alice)["slug"]
    app.config["LIMIT_CHAT"] = app.config["LIMIT_CHAT_NEW_MEMBER"] = "3 per minute"  # one budget: posts and edits
    mine = alice.post(f"tribes/{slug}/messages", {"body": "v0", "client_id": "a-1"}).get_json()
    answers = [alice.patch(f"messages/{mine['id']}", {"body": f"v{n}"}) for n in range(1, 5)]
    assert [r.status_code for r in answers] == [200, 200, 429, 429]
    assert answers[-1].get_json()["error"]["code"] == "rate_limited"
    assert alice.get(f"tribes/{slug}/messages").get_json()["items"][0]["body"] == "v2"


def test_no_mention_notification_from_someone_i_blocked(
    make_user: Any, make_tribe: Any, make_socket: Any
) -> None:
    alice, bob = make_user("Alice Blocker"), make_user("Bob Pest")
    tribe = make_tribe(owner=alice, members=[bob])
    slug = tribe["slug"]
    a = make_socket(alice)

    def mentions() -> list[Any]:
        items = alice.get("notifications").get_json()["items"]
        return [n for n in items if n["kind"] == "mention"]

    assert bob.post(f"tribes/{slug}/messages", {"body": "hi @Alice Blocker", "client_id": "b-1"}).status_code == 201
    assert len(mentions()) == 1 and len(events_named(a, "notification")) == 1
    assert alice.post("blocks", {"user_id": bob.user["id"]}).status_code == 201
    assert bob.post(f"tribes/{slug}/messages", {"body": "@Alice Blocker hello?", "client_id": "b-2"}).status_code == 201
    assert len(mentions()) == 1 and events_named(a, "notification") == []
    assert alice.delete(f"blocks/{bob.user['id']}").status_code == 204
    assert bob.post(f"tribes/{slug}/messages", {"body": "@alice blocker again", "client_id": "b-3"}).status_code == 201
    assert len(mentions()) == 2


def _cap_test(make_user: Any, make_socket: Any, app: Any) -> tuple[int, int]:
    app.config["MAX_SOCKETS_PER_ACCOUNT"] = 3
    alice, bob = make_user(), make_user()
    socks = [make_socket(alice) for _ in range(3)]
    assert all(s.is_connected() for s in socks)
    assert not make_socket(alice).is_connected()  # the fourth is refused
    assert make_socket(bob).is_connected()  # per account: others are not affected
    socks[0].disconnect()  # a closed socket frees its place
    again = make_socket(alice)
    assert again.is_connected()
    assert not make_socket(alice).is_connected()
    assert again.emit("join", {"tribe": "nope"}, callback=True) == {"ok": False, "error": "not_found"}
    assert alice.post("auth/logout").status_code == 204  # ended sessions disconnect: places freed
    return alice.user["id"], bob.user["id"]


def test_sockets_per_account_are_capped(make_user: Any, make_socket: Any, app: Any) -> None:
    alice_id, bob_id = _cap_test(make_user, make_socket, app)
    from tribes.chat import socket_cap

    assert socket_cap.local_count(alice_id) == 0 and socket_cap.local_count(bob_id) == 1


@pytest.mark.skipif(not os.environ.get("TRIBES_TEST_REDIS_URL"), reason="needs TRIBES_TEST_REDIS_URL")
def test_sockets_per_account_are_capped_across_processes_with_redis(
    make_user: Any, make_socket: Any, app: Any
) -> None:
    """With Redis the count lives there (a second process would see the same sets)."""
    import redis

    url = os.environ["TRIBES_TEST_REDIS_URL"]
    client = redis.Redis.from_url(url)
    app.config["REDIS_URL"] = url
    for key in client.scan_iter("tribes:sockets:*"):
        client.delete(key)
    alice_id, bob_id = _cap_test(make_user, make_socket, app)
    assert list(client.scan_iter("tribes:sockets:*")) == [f"tribes:sockets:{bob_id}".encode()]
    assert client.zcard(f"tribes:sockets:{bob_id}") == 1  # bob's one socket; alice's are released


def test_live_over_cap_connect_is_refused_with_a_reason(live_server_factory: Any) -> None:
    import socketio

    from tests.chat.live_helpers import LiveUser

    server = live_server_factory(env={"TRIBES_MAX_SOCKETS_PER_ACCOUNT": "2"})
    alice = LiveUser(server.url)
    first, second = alice.socket(), alice.socket()
    errors: list[Any] = []
    client = socketio.Client(reconnection=False)
    client.on("connect_error", errors.append)
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(server.url, transports=["websocket"], wait_timeout=10,
                       headers={"Cookie": alice.cookie_header()})
    assert errors and errors[0]["message"] == "too_many_sockets" and errors[0]["data"]["max"] == 2
    first.close()
    third = alice.socket()
    assert third.client.connected and second.client.connected
    third.close()
    second.close()
