"""Socket.IO chat with Flask-SocketIO's test client: auth, membership, sends, removal."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from tests.chat.conftest import events_named, payload, send
from tribes.extensions import db


def test_connect_needs_a_live_session(client: Any, make_user: Any, make_socket: Any) -> None:
    assert not make_socket(client).is_connected()
    alice = make_user()
    sock = make_socket(alice)
    assert sock.is_connected()
    assert alice.post("auth/logout").status_code == 204
    assert not sock.is_connected()  # logout disconnects at once
    assert not make_socket(alice).is_connected()


def test_foreign_origin_is_refused(make_user: Any, make_socket: Any) -> None:
    alice = make_user()
    sock = make_socket(alice, headers={"Origin": "https://evil.example"})
    assert not sock.is_connected()


def test_join_send_and_live_delivery(make_user: Any, make_tribe: Any, make_socket: Any) -> None:
    alice, bob = make_user(), make_user()
    tribe = make_tribe(owner=alice, members=[bob])
    a, b = make_socket(alice), make_socket(bob)
    assert a.emit("join", {"tribe": tribe["slug"]}, callback=True) == {"ok": True, "missed": [], "has_more": False}
    assert b.emit("join", {"tribe": tribe["slug"]}, callback=True)["ok"]
    ack = send(a, tribe["slug"], "<script>alert(1)</script>", "cid-1")
    assert ack["ok"] and ack["message"]["body"] == "<script>alert(1)</script>"
    assert events_named(b, "message") == [ack["message"]]
    assert events_named(a, "message") == [ack["message"]]  # the sender's sockets too
    repeat = send(a, tribe["slug"], "<script>alert(1)</script>", "cid-1")
    assert repeat == ack and events_named(b, "message") == []  # acked again, broadcast once
    assert send(a, tribe["slug"], " ")["error"] == "validation_failed"
    assert send(a, tribe["slug"], "x" * 4001)["error"] == "validation_failed"
    assert a.emit("send", "nonsense", callback=True)["error"] == "validation_failed"
    rest = alice.post(f"tribes/{tribe['slug']}/messages", {"body": "via REST", "client_id": "r1"})
    assert [m["id"] for m in events_named(b, "message")] == [rest.get_json()["id"]]


def test_outsider_cannot_join_or_send(make_user: Any, make_tribe: Any, make_socket: Any) -> None:
    alice, eve = make_user(), make_user()
    tribe = make_tribe(owner=alice)
    e = make_socket(eve)
    assert e.emit("join", {"tribe": tribe["slug"]}, callback=True) == {"ok": False, "error": "not_found"}
    assert e.emit("join", {"tribe": "nope"}, callback=True) == {"ok": False, "error": "not_found"}
    assert send(e, tribe["slug"], "hi")["error"] == "not_found"
    assert e.emit("typing", {"tribe": tribe["slug"]}, callback=True)["error"] == "not_found"


def test_removal_kicks_socket_out_of_the_room(make_user: Any, make_tribe: Any, make_socket: Any) -> None:
    alice, bob = make_user(), make_user()
    tribe = make_tribe(owner=alice, members=[bob])
    a, b = make_socket(alice), make_socket(bob)
    for s in (a, b):
        s.emit("join", {"tribe": tribe["slug"]}, callback=True)
    b.get_received()
    assert alice.delete(f"tribes/{tribe['slug']}/members/{bob.user['id']}").status_code == 204
    assert events_named(b, "removed") == [{"tribe": tribe["slug"]}]
    send(a, tribe["slug"], "after the removal")
    assert events_named(b, "message") == []
    assert send(b, tribe["slug"], "still here?")["error"] == "not_found"
    assert b.emit("join", {"tribe": tribe["slug"]}, callback=True)["error"] == "not_found"


def test_revoked_session_disconnects_only_its_sockets(make_user: Any, make_client: Any, make_socket: Any) -> None:
    alice = make_user()
    other = make_client()
    assert other.login(alice.user["email"]).status_code == 200
    mine, theirs = make_socket(alice), make_socket(other)
    sessions = alice.get("me/sessions").get_json()["items"]
    victim = [s for s in sessions if not s.get("current")][0]
    assert alice.delete(f"me/sessions/{victim['id']}").status_code == 204
    assert mine.is_connected() and not theirs.is_connected()


def test_catch_up_after_id(make_user: Any, make_tribe: Any, make_socket: Any, app: Any) -> None:
    from tribes.chat import service

    alice = make_user()
    tribe = make_tribe(owner=alice)
    a = make_socket(alice)
    ids = [send(a, tribe["slug"], f"m{i}")["message"]["id"] for i in range(5)]
    ack = a.emit("join", {"tribe": tribe["slug"], "after_id": ids[1]}, callback=True)
    assert [m["id"] for m in ack["missed"]] == ids[2:] and ack["has_more"] is False
    old, service.MISSED_MAX = service.MISSED_MAX, 2
    try:
        ack = a.emit("join", {"tribe": tribe["slug"], "after_id": 0}, callback=True)
    finally:
        service.MISSED_MAX = old
    assert [m["id"] for m in ack["missed"]] == ids[:2] and ack["has_more"] is True


def test_typing_reaches_others_and_is_throttled(make_user: Any, make_tribe: Any, make_socket: Any) -> None:
    alice, bob = make_user("Alice"), make_user()
    tribe = make_tribe(owner=alice, members=[bob])
    a, b = make_socket(alice), make_socket(bob)
    for s in (a, b):
        s.emit("join", {"tribe": tribe["slug"]}, callback=True)
    for _ in range(3):
        assert a.emit("typing", {"tribe": tribe["slug"]}, callback=True) == {"ok": True}
    typing = events_named(b, "typing")
    assert len(typing) == 1 and typing[0]["user"]["display_name"] == "Alice"
    assert events_named(a, "typing") == []


def test_edit_and_delete_broadcast(make_user: Any, make_tribe: Any, make_socket: Any) -> None:
    alice, bob = make_user(), make_user()
    tribe = make_tribe(owner=alice, members=[bob])
    b = make_socket(bob)
    b.emit("join", {"tribe": tribe["slug"]}, callback=True)
    msg = bob.post(f"tribes/{tribe['slug']}/messages", {"body": "v1", "client_id": "x"}).get_json()
    bob.patch(f"messages/{msg['id']}", {"body": "v2"})
    alice.delete(f"messages/{msg['id']}")
    received = b.get_received()
    assert [e["name"] for e in received] == ["message", "message_edited", "message_deleted"]
    assert payload(received[1])["body"] == "v2"
    assert payload(received[2]) == {"tribe": tribe["slug"], "id": msg["id"]}


def test_mute_and_rate_limit(make_user: Any, make_tribe: Any, make_socket: Any, app: Any) -> None:
    from datetime import timedelta

    from tribes.db import utcnow
    from tribes.groups.models import Mute

    alice, bob = make_user(), make_user()
    tribe = make_tribe(owner=alice, members=[bob])
    app.config["LIMIT_CHAT_NEW_MEMBER"] = "2 per minute"
    b = make_socket(bob)
    assert send(b, tribe["slug"], "1")["ok"] and send(b, tribe["slug"], "2")["ok"]
    assert send(b, tribe["slug"], "3")["error"] == "rate_limited"
    with app.app_context():
        tribe_id = db.session.scalar(select(db_tribe_id(tribe["slug"])))
        db.session.add(Mute(tribe_id=tribe_id, user_id=alice.user["id"], until=utcnow() + timedelta(minutes=5),
                            created_at=utcnow()))
        db.session.commit()
        db.remove()
    a = make_socket(alice)
    assert send(a, tribe["slug"], "hello")["error"] == "muted"


def db_tribe_id(slug: str) -> Any:
    from tribes.groups.models import Tribe

    return select(Tribe.id).where(Tribe.slug == slug).scalar_subquery()


def test_notifications_are_pushed_live(make_user: Any, make_tribe: Any, make_socket: Any) -> None:
    alice, bob = make_user("Alice"), make_user("Bobby Tables")
    tribe = make_tribe(owner=alice, members=[bob])
    b = make_socket(bob)
    alice.post(f"tribes/{tribe['slug']}/messages", {"body": "ping @Bobby Tables", "client_id": "n"})
    notes = events_named(b, "notification")
    assert len(notes) == 1 and notes[0]["kind"] == "mention"


def test_thousands_of_events_do_not_leak_connections(
    make_user: Any, make_tribe: Any, make_socket: Any, app: Any
) -> None:
    alice = make_user()
    tribe = make_tribe(owner=alice)
    a = make_socket(alice)
    pool = db.engine.pool
    baseline = pool.checkedout()
    for i in range(2000):
        if i % 25 == 0:
            assert send(a, tribe["slug"], f"m{i}")["ok"]
        elif i % 2:
            a.emit("typing", {"tribe": tribe["slug"]}, callback=True)
        else:
            a.emit("join", {"tribe": "missing"}, callback=True)
    a.get_received()
    assert pool.checkedout() == baseline
