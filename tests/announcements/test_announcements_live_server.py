"""Against a real `tribes serve`: an announcement reaches the recipients' real Socket.IO clients
(python-socketio over WebSocket) at once, and nobody outside the audience."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.chat.live_helpers import LiveUser, wait_for


def test_a_meetup_announcement_arrives_live_on_real_sockets(live_server: Any) -> None:
    base = live_server.url
    olga, ria, max_ = LiveUser(base, "Olga"), LiveUser(base, "Ria"), LiveUser(base, "Max")
    slug = olga.call("POST", "tribes", {"name": "Live Club", "visibility": "listed"}).json()["slug"]
    for member in (ria, max_):
        token = olga.call("POST", f"tribes/{slug}/invites", {}).json()["token"]
        assert member.call("POST", f"invites/{token}/accept").status_code == 200
    start = datetime.now(UTC) + timedelta(days=2)
    meetup = olga.call("POST", f"tribes/{slug}/meetups", {
        "title": "Blitz", "starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=2)).isoformat(),
        "timezone": "UTC"}).json()
    assert ria.call("PUT", f"meetups/{meetup['id']}/rsvp", {"status": "going"}).status_code == 200
    sockets = {"ria": ria.socket(), "max": max_.socket(), "olga": olga.socket()}
    try:
        sent = olga.call("POST", f"tribes/{slug}/announcements",
                         {"title": "Doors at 7", "body": "Side entrance.", "meetup_id": meetup["id"]})
        assert sent.status_code == 201, sent.text

        def ria_got() -> list[Any]:
            return [n for n in sockets["ria"].named("notification") if n["kind"] == "announcement"]

        [note] = wait_for(ria_got)
        assert note["text"] == "Olga in Live Club: Doors at 7"
        assert note["data"]["announcement_id"] == sent.json()["id"]
        wide = olga.call("POST", f"tribes/{slug}/announcements", {"title": "All hands", "body": "Hello all."})
        assert wide.status_code == 201
        wait_for(lambda: [n for n in sockets["max"].named("notification") if n["kind"] == "announcement"])
        assert [n["data"]["title"] for n in sockets["max"].named("notification")
                if n["kind"] == "announcement"] == ["All hands"]
        assert [n for n in sockets["olga"].named("notification") if n["kind"] == "announcement"] == []
    finally:
        for sock in sockets.values():
            sock.close()
