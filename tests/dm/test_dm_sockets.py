"""Direct messages over Socket.IO (Flask-SocketIO's test client): join, send, acks, delivery, blocks."""

from __future__ import annotations

from typing import Any

from tests.chat.conftest import events_named, payload
from tests.dm.helpers import befriend, say, start


def dm(sock: Any, conversation: int, body: str, cid: str) -> Any:
    """Send a direct message over the socket; the ack."""
    return sock.emit("send", {"conversation": conversation, "body": body, "client_id": cid}, callback=True)


def test_send_ack_and_delivery_to_personal_rooms(make_user: Any, make_tribe: Any, make_socket: Any) -> None:
    ana, ben, eve = make_user(), make_user(), make_user()
    befriend(ana, ben, make_tribe)
    conv = start(ana, ben)
    a, b, e = make_socket(ana), make_socket(ben), make_socket(eve)
    ack = dm(a, conv["id"], "hello", "s1")
    assert ack["ok"] and ack["message"]["conversation"] == conv["id"] and ack["message"]["tribe"] is None
    assert events_named(b, "message") == [ack["message"]]  # no join needed: personal rooms
    assert events_named(a, "message") == [ack["message"]]
    assert events_named(e, "message") == []
    assert dm(a, conv["id"], "hello", "s1") == ack and events_named(b, "message") == []  # once
    assert dm(e, conv["id"], "let me in", "e1") == {"ok": False, "error": "not_found"}
    assert dm(a, conv["id"], " ", "s2")["error"] == "validation_failed"
    rest = say(ben, conv["id"], "via REST")
    assert events_named(a, "message") == [rest]
    edited = ana.patch(f"messages/{ack['message']['id']}", {"body": "hello!"}).get_json()
    assert events_named(b, "message_edited") == [edited]
    assert ana.delete(f"messages/{ack['message']['id']}").status_code == 204
    assert events_named(b, "message_deleted") == [{"tribe": None, "conversation": conv["id"], "id": edited["id"]}]


def test_join_catches_up_after_id(make_user: Any, make_tribe: Any, make_socket: Any) -> None:
    ana, ben, eve = make_user(), make_user(), make_user()
    befriend(ana, ben, make_tribe)
    conv = start(ana, ben)
    first = say(ana, conv["id"], "one")
    later = [say(ana, conv["id"], f"m{i}") for i in range(3)]
    b = make_socket(ben)
    joined = b.emit("join", {"conversation": conv["id"], "after_id": first["id"]}, callback=True)
    assert joined == {"ok": True, "missed": later, "has_more": False}
    assert make_socket(eve).emit("join", {"conversation": conv["id"]}, callback=True) == {
        "ok": False, "error": "not_found"}


def test_a_blocked_sender_sees_it_sent_and_the_blocker_gets_nothing(
    make_user: Any, make_tribe: Any, make_socket: Any
) -> None:
    ana, ben = make_user(), make_user()
    befriend(ana, ben, make_tribe)
    conv = start(ana, ben)
    before = dm(make_socket(ana), conv["id"], "before", "b0")
    assert ben.post("blocks", {"user_id": ana.user["id"]}).status_code == 201
    a, b = make_socket(ana), make_socket(ben)
    ack = dm(a, conv["id"], "after the block", "b1")
    assert ack["ok"] and events_named(a, "message") == [ack["message"]]
    assert events_named(b, "message") == []
    caught_up = b.emit("join", {"conversation": conv["id"], "after_id": before["message"]["id"]}, callback=True)
    assert caught_up == {"ok": True, "missed": [], "has_more": False}
    assert ana.patch(f"messages/{ack['message']['id']}", {"body": "edited"}).status_code == 200
    assert events_named(b, "message_edited") == []


def test_whether_someone_has_a_socket_open(app: Any, make_user: Any, make_socket: Any) -> None:
    from tribes.chat.socket_cap import has_open_socket

    ana = make_user()
    with app.app_context():
        assert not has_open_socket(ana.user["id"])
    sock = make_socket(ana)
    with app.app_context():
        assert has_open_socket(ana.user["id"])
    sock.disconnect()
    with app.app_context():
        assert not has_open_socket(ana.user["id"])


def test_the_sender_of_a_declined_request_sees_the_same_events(
    make_user: Any, make_tribe: Any, make_socket: Any
) -> None:
    sam, rita = make_user("Sam"), make_user("Rita")
    make_tribe(rita, [sam])
    conv = sam.post("conversations", {"user_ids": [rita.user["id"]]}).get_json()
    s = make_socket(sam)

    def what_sam_gets(cid: str) -> tuple[Any, Any, Any]:
        ack = dm(s, conv["id"], "are you there?", cid)
        shape = {k: v for k, v in ack["message"].items() if k not in ("id", "client_id", "created_at")}
        events = [(e["name"], payload(e) == ack["message"] if e["name"] == "message" else payload(e))
                  for e in s.get_received()]
        return ack["ok"], shape, events

    before = what_sam_gets("d1")
    assert rita.post(f"conversations/{conv['id']}/decline").status_code == 204
    assert what_sam_gets("d2") == before
    assert before[2] == [("message", True)]
