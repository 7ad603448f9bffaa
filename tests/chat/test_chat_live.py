"""Chat against a real `tribes serve` (gevent, WebSocket) with python-socketio's client.

Runs on SQLite, or on PostgreSQL when TRIBES_TEST_DATABASE_URL is set (each server gets a
fresh database of its own).
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
import socketio

from tests.chat.live_helpers import LiveUser, RawReceiver, at_once, make_tribe, wait_for
from tests.live_server import LiveServer


@pytest.fixture
def server(live_server: LiveServer) -> LiveServer:
    return live_server


def test_live_send_reaches_members_in_id_order(server: LiveServer) -> None:
    alice, bob, carol = LiveUser(server.url), LiveUser(server.url), LiveUser(server.url)
    slug = make_tribe(alice, [bob, carol])
    sockets = [u.socket() for u in (alice, bob, carol)]
    listener = LiveUser(server.url)
    make_tribe(listener, [])  # an outsider with a live socket
    outsider = listener.socket()
    reader = RawReceiver(server.url, carol.cookie_header(), slug)  # frame order, one thread
    try:
        for s in sockets:
            assert s.call("join", {"tribe": slug})["ok"]
        assert outsider.call("join", {"tribe": slug}) == {"ok": False, "error": "not_found"}

        def burst(sock: Any, who: int) -> None:
            for i in range(15):
                ack = sock.call("send", {"tribe": slug, "body": f"{who}:{i}", "client_id": f"{who}-{i}"})
                assert ack["ok"], ack

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
        assert ids == sorted(ids) and len(set(ids)) == 45  # arrival (frame) order is id order
        assert outsider.named("message") == []
        # a resend with the same client_id acks the stored message and broadcasts nothing
        again = sockets[0].call("send", {"tribe": slug, "body": "0:0", "client_id": "0-0"})
        assert again["ok"] and again["message"]["body"] == "0:0"
        rest = bob.call("POST", f"tribes/{slug}/messages", {"body": "over REST", "client_id": "r"})
        assert rest.status_code == 201
        wait_for(lambda: sockets[2].named("message")[-1]["id"] == rest.json()["id"])
        assert len(sockets[2].named("message")) == 46
    finally:
        reader.close()
        for s in [*sockets, outsider]:
            s.close()


def test_live_removal_and_logout_take_effect_at_once(server: LiveServer) -> None:
    alice, bob = LiveUser(server.url), LiveUser(server.url)
    slug = make_tribe(alice, [bob])
    a, b = alice.socket(), bob.socket()
    try:
        for s in (a, b):
            assert s.call("join", {"tribe": slug})["ok"]
        assert alice.call("DELETE", f"tribes/{slug}/members/{bob.user['id']}").status_code == 204
        wait_for(lambda: b.named("removed") == [{"tribe": slug}])
        assert a.call("send", {"tribe": slug, "body": "secret", "client_id": "s"})["ok"]
        wait_for(lambda: a.named("message"))
        assert b.named("message") == []
        assert b.call("send", {"tribe": slug, "body": "x", "client_id": "x"})["error"] == "not_found"
        assert alice.call("POST", "auth/logout").status_code == 204
        wait_for(lambda: not a.client.connected)
    finally:
        a.close()
        b.close()


def _handshake(server: LiveServer, user: LiveUser, origin: str) -> str:
    """A raw WebSocket handshake with a chosen Origin; the first engine.io packet, or ""."""
    import websocket

    ws_url = server.url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
    try:
        conn = websocket.create_connection(ws_url, cookie=user.cookie_header(), origin=origin, timeout=5)
    except (websocket.WebSocketException, OSError):
        return ""
    try:
        return str(conn.recv() or "")
    except (websocket.WebSocketException, OSError):
        return ""
    finally:
        conn.close()


def test_live_connect_refusals(server: LiveServer) -> None:
    with pytest.raises(socketio.exceptions.ConnectionError):
        socketio.Client(reconnection=False).connect(server.url, transports=["websocket"], wait_timeout=5)
    alice = LiveUser(server.url)
    assert _handshake(server, alice, server.url).startswith("0{")  # engine.io OPEN
    assert _handshake(server, alice, "https://evil.example") == ""
    sock = alice.socket()  # python-socketio sends the server's own origin
    assert sock.client.connected
    sock.close()


def test_live_concurrent_writes_do_not_stall(server: LiveServer) -> None:
    """Many simultaneous writers (HTTP and sockets) on one gevent process all succeed."""
    from concurrent.futures import ThreadPoolExecutor

    users = [LiveUser(server.url) for _ in range(6)]
    slug = make_tribe(users[0], users[1:])
    sockets = [u.socket() for u in users]
    try:
        def write(n: int) -> int:
            user = users[n % len(users)]
            if n % 2:
                ack = sockets[n % len(users)].call(
                    "send", {"tribe": slug, "body": f"s{n}", "client_id": f"s{n}"})
                return 200 if ack.get("ok") else 500
            created = user.call("POST", "tribes", {"name": f"Concurrent {n}"})
            return created.status_code

        with ThreadPoolExecutor(12) as pool:
            codes = list(pool.map(write, range(36)))
        assert set(codes) <= {200, 201}, codes
    finally:
        for s in sockets:
            s.close()


def test_live_sends_arriving_together_are_judged_one_by_one(server: LiveServer) -> None:
    """Sends that reach the server at the same moment (one batch of `chat.batching`): each
    gets its own answer (stored, muted, not a member), the same client_id sent twice at once
    is stored and broadcast once and both acks carry it, and what members receive is exactly
    the stored messages, once each, in id order."""
    alice, bob, dave, carol = (LiveUser(server.url) for _ in range(4))
    slug = make_tribe(alice, [bob, dave])
    make_tribe(carol, [])  # an outsider with a live socket
    muted = alice.call("POST", f"tribes/{slug}/mutes", {"user_id": bob.user["id"], "minutes": 10})
    assert muted.status_code in (200, 201), muted.text
    a, b, d, c = (u.socket() for u in (alice, bob, dave, carol))
    reader = RawReceiver(server.url, alice.cookie_header(), slug)
    try:
        for s in (a, b, d):
            assert s.call("join", {"tribe": slug})["ok"]
        rounds, acks = 6, []
        lock = threading.Lock()
        for r in range(rounds):
            sends = [(a, f"a-{r}", f"alice {r}"), (b, f"b-{r}", f"bob {r}"), (c, f"c-{r}", f"carol {r}"),
                     (d, f"d-{r}", f"dave {r}"), (d, f"d-{r}", f"dave {r}")]  # dave's twice at once
            start = threading.Barrier(len(sends))

            def send(sock: Any, cid: str, body: str, start: threading.Barrier = start) -> None:
                start.wait()
                ack = sock.call("send", {"tribe": slug, "body": body, "client_id": cid})
                with lock:
                    acks.append((cid, ack))

            threads = [threading.Thread(target=send, args=s) for s in sends]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        by_cid: dict[str, list[Any]] = {}
        for cid, ack in acks:
            by_cid.setdefault(cid, []).append(ack)
        for r in range(rounds):
            assert by_cid[f"b-{r}"] == [{"ok": False, "error": "muted"}]
            assert by_cid[f"c-{r}"] == [{"ok": False, "error": "not_found"}]
            assert by_cid[f"a-{r}"][0]["ok"] and by_cid[f"a-{r}"][0]["message"]["body"] == f"alice {r}"
            first, second = by_cid[f"d-{r}"]
            assert first["ok"] and second["ok"] and first["message"]["id"] == second["message"]["id"]
        stored = sorted(ack["message"]["id"] for cid, ack in acks if ack["ok"] and cid.startswith("a-")) + sorted(
            {ack["message"]["id"] for cid, ack in acks if ack["ok"] and cid.startswith("d-")})
        wait_for(lambda: len(reader.messages) >= 2 * rounds)
        wait_for(lambda: len(d.named("message")) >= 2 * rounds)
        frames = [m["id"] for m in reader.messages]
        assert frames == sorted(stored)  # each stored message once, in id order
        assert sorted(m["id"] for m in d.named("message")) == sorted(stored)
        assert c.named("message") == []
        history = alice.call("GET", f"tribes/{slug}/messages").json()["items"]
        assert sorted(m["id"] for m in history) == sorted(stored)
    finally:
        reader.close()
        for s in (a, b, d, c):
            s.close()


def test_live_rate_limit_counts_every_send_of_a_batch(live_server_factory: Any) -> None:
    """The chat limit of sends arriving together (counted for the whole batch at once): a
    person over the limit gets exactly the limit's number of messages stored, the rest
    `rate_limited`; someone else sending in the same moment is not touched; what members
    receive is exactly what was stored."""
    server = live_server_factory(env={"TRIBES_LIMIT_CHAT": "3 per minute", "TRIBES_LIMIT_CHAT_NEW_MEMBER": "3 per minute"})
    alice, bob = LiveUser(server.url), LiveUser(server.url)
    slug = make_tribe(alice, [bob])
    a, b = alice.socket(), bob.socket()
    reader = RawReceiver(server.url, bob.cookie_header(), slug)
    try:
        assert a.call("join", {"tribe": slug})["ok"] and b.call("join", {"tribe": slug})["ok"]
        acks = at_once([(a, "send", {"tribe": slug, "body": f"alice {i}", "client_id": f"a{i}"}) for i in range(8)]
                       + [(b, "send", {"tribe": slug, "body": f"bob {i}", "client_id": f"b{i}"}) for i in range(2)])
        alices = [ack for cid, ack in acks if cid.startswith("a")]
        assert sorted(ack["ok"] for ack in alices) == [False] * 5 + [True] * 3
        assert [ack for ack in alices if not ack["ok"]] == [{"ok": False, "error": "rate_limited"}] * 5
        assert all(ack["ok"] for cid, ack in acks if cid.startswith("b"))
        stored = sorted(ack["message"]["id"] for _cid, ack in acks if ack["ok"])
        wait_for(lambda: len(reader.messages) >= 5)
        assert [m["id"] for m in reader.messages] == stored
        assert sorted(m["id"] for m in alice.call("GET", f"tribes/{slug}/messages").json()["items"]) == stored
        assert a.call("send", {"tribe": slug, "body": "one more", "client_id": "late"}) == {
            "ok": False, "error": "rate_limited"}
    finally:
        reader.close()
        a.close()
        b.close()
