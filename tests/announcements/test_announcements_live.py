"""An announcement arrives live on the recipients' sockets (Socket.IO client against the app's
real handlers), in each reader's words; people outside the audience get nothing."""

from __future__ import annotations

from typing import Any

from tests.announcements.conftest import announced
from tribes.extensions import socketio


def pushed(sock: Any) -> list[dict[str, Any]]:
    """The `notification` events of kind announcement the socket received since last asked."""
    return [e["args"][0] for e in sock.get_received() if e["name"] == "notification"
            and e["args"][0]["kind"] == "announcement"]


def test_recipients_get_it_live_and_others_do_not(app: Any, make_user: Any, make_tribe: Any,
                                                  new_meetup: Any) -> None:
    olga, ria, max_ = make_user("Olga"), make_user("Ria"), make_user("Max")
    assert max_.patch("me", {"locale": "de"}).status_code == 200
    tribe = make_tribe(olga, [ria, max_], name="Chess Club", visibility="listed")
    meetup = new_meetup(olga, tribe["slug"])
    assert ria.put(f"meetups/{meetup['id']}/rsvp", {"status": "going"}).status_code == 200
    sockets = {name: socketio.test_client(app, flask_test_client=c.http)
               for name, c in (("olga", olga), ("ria", ria), ("max", max_))}
    try:
        for sock in sockets.values():
            assert sock.is_connected()
            sock.get_received()
        out = announced(olga, tribe["slug"], title="Doors at 7", meetup_id=meetup["id"])
        [note] = pushed(sockets["ria"])
        assert note["text"] == "Olga in Chess Club: Doors at 7"
        assert note["data"]["announcement_id"] == out["id"] and note["read"] is False
        assert note["url"] == f"/t/{tribe['slug']}/announcements#announcement-{out['id']}"
        assert pushed(sockets["max"]) == [] and pushed(sockets["olga"]) == []
        announced(olga, tribe["slug"], title="Ferien")
        [german] = pushed(sockets["max"])
        assert german["text"] == "Olga in Chess Club: Ferien"
        assert [n["data"]["title"] for n in pushed(sockets["ria"])] == ["Ferien"]
    finally:
        for sock in sockets.values():
            if sock.is_connected():
                sock.disconnect()
