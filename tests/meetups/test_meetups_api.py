"""Meetups over the JSON API: who may do what, validation, RSVP and waitlist, changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.meetups.conftest import iso, soon


def notifications(client: Any, kind: str) -> list[dict[str, Any]]:
    """The user's notifications of one kind (read from the database through the service)."""
    from tribes.extensions import db
    from tribes.notifications.models import Notification

    rows = db.session.query(Notification).filter_by(user_id=client.user["id"], kind=kind).all()
    return [{"kind": n.kind, "data": n.data} for n in rows]


def test_organiser_creates_member_forbidden_outsider_hidden(crowd: Any, make_user: Any, new_meetup: Any) -> None:
    tribe, owner, [member] = crowd(1)
    meetup = new_meetup(owner, tribe["slug"], title="  Regional   meet-up ", capacity=20, location="Café Kranzler")
    assert meetup["title"] == "Regional meet-up"
    assert meetup["tribe"] == tribe["slug"] and meetup["status"] == "scheduled"
    assert meetup["going_count"] == 0 and meetup["my_rsvp"] is None and meetup["sequence"] == 0
    assert meetup["created_by"]["id"] == owner.user["id"]
    body = {"title": "x", "starts_at": iso(soon()), "ends_at": iso(soon(4)), "timezone": "UTC"}
    assert member.post(f"tribes/{tribe['slug']}/meetups", body).status_code == 403
    outsider = make_user()
    missing = outsider.post("tribes/nope-nope/meetups", body)
    hidden = outsider.post(f"tribes/{tribe['slug']}/meetups", body)
    assert hidden.status_code == 404 and hidden.get_data() == missing.get_data()
    assert outsider.get(f"meetups/{meetup['id']}").get_data() == outsider.get("meetups/999999").get_data()
    assert outsider.put(f"meetups/{meetup['id']}/rsvp", {"status": "going"}).status_code == 404
    assert member.get(f"meetups/{meetup['id']}").status_code == 200
    assert member.patch(f"meetups/{meetup['id']}", {"title": "Mine now"}).status_code == 403
    assert member.post(f"meetups/{meetup['id']}/cancel", {}).status_code == 403


def test_validation_errors_name_the_field(crowd: Any) -> None:
    tribe, owner, _ = crowd(0, max_guests=2)
    start = soon()
    good = {"title": "Evening", "starts_at": iso(start), "ends_at": iso(start + timedelta(hours=1)), "timezone": "UTC"}
    cases = [
        ({"ends_at": iso(start - timedelta(hours=1))}, "ends_at"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"online_url": "javascript:alert(1)"}, "online_url"),
        ({"capacity": 0}, "capacity"),
        ({"max_guests": 3}, "max_guests"),
        ({"attendee_visibility": "public"}, "attendee_visibility"),
        ({"starts_at": "tomorrow"}, "starts_at"),
        # 02:30 does not exist in Berlin on the night clocks go forward
        ({"starts_at": "2027-03-28T02:30:00", "ends_at": "2027-03-28T05:00:00", "timezone": "Europe/Berlin"}, "starts_at"),
    ]
    for change, field in cases:
        response = owner.post(f"tribes/{tribe['slug']}/meetups", {**good, **change})
        assert response.status_code == 422, (change, response.get_json())
        assert field in response.get_json()["error"]["fields"], (change, response.get_json())
    assert owner.post(f"tribes/{tribe['slug']}/meetups", {**good, "max_guests": 2}).status_code == 201


def test_naive_times_are_local_to_the_time_zone(crowd: Any) -> None:
    tribe, owner, _ = crowd(0)
    body = {"title": "Winter", "starts_at": "2027-01-15T18:00", "ends_at": "2027-01-15T20:00", "timezone": "Europe/Berlin"}
    winter = owner.post(f"tribes/{tribe['slug']}/meetups", body).get_json()
    assert winter["starts_at"] == "2027-01-15T17:00:00+00:00"
    body.update(starts_at="2027-07-15T18:00", ends_at="2027-07-15T20:00")
    summer = owner.post(f"tribes/{tribe['slug']}/meetups", body).get_json()
    assert summer["starts_at"] == "2027-07-15T16:00:00+00:00"
    # the repeated hour in autumn means its first occurrence (still summer time)
    body.update(starts_at="2027-10-31T02:30", ends_at="2027-10-31T04:00")
    fold = owner.post(f"tribes/{tribe['slug']}/meetups", body).get_json()
    assert fold["starts_at"] == "2027-10-31T00:30:00+00:00"


def test_waitlist_fifo_and_promotion_with_notification(app: Any, crowd: Any, new_meetup: Any) -> None:
    tribe, owner, (a, b, c, d) = crowd(4)
    m = new_meetup(owner, tribe["slug"], capacity=2)
    url = f"meetups/{m['id']}/rsvp"
    assert a.put(url, {"status": "going"}).get_json() == {"status": "going", "guests": 0}
    assert b.put(url, {"status": "going"}).get_json() == {"status": "going", "guests": 0}
    assert c.put(url, {"status": "going"}).get_json() == {"status": "waitlisted", "guests": 0, "waitlist_position": 1}
    assert d.put(url, {"status": "going"}).get_json() == {"status": "waitlisted", "guests": 0, "waitlist_position": 2}
    # asking again keeps one's place
    assert c.put(url, {"status": "going"}).get_json()["waitlist_position"] == 1
    meetup = a.get(f"meetups/{m['id']}").get_json()
    assert meetup["going_count"] == 2 and meetup["waitlist_count"] == 2 and meetup["my_rsvp"] == "going"
    assert a.put(url, {"status": "not_going"}).get_json() == {"status": "not_going", "guests": 0}
    assert c.get(url).get_json() == {"status": "going", "guests": 0}
    assert d.get(url).get_json()["waitlist_position"] == 1
    with app.app_context():
        promoted = notifications(c, "meetup_promoted")
        assert len(promoted) == 1 and promoted[0]["data"]["meetup_id"] == m["id"]
        assert notifications(d, "meetup_promoted") == []
    # "maybe" frees the seat too
    b.put(url, {"status": "maybe"})
    assert d.get(url).get_json()["status"] == "going"
    assert a.get(f"meetups/{m['id']}").get_json()["going_count"] == 2


def test_guests_count_against_capacity_and_big_parties_are_skipped(crowd: Any, new_meetup: Any) -> None:
    tribe, owner, (a, b, c) = crowd(3, max_guests=3)
    m = new_meetup(owner, tribe["slug"], capacity=4, max_guests=3)
    url = f"meetups/{m['id']}/rsvp"
    assert a.put(url, {"status": "going", "guests": 2}).get_json()["status"] == "going"
    assert a.put(url, {"status": "going", "guests": 4}).status_code == 422
    assert b.put(url, {"status": "going", "guests": 2}).get_json()["status"] == "waitlisted"  # 3 seats, 1 free
    assert c.put(url, {"status": "going", "guests": 0}).get_json()["status"] == "going"  # fits the last seat
    assert owner.get(f"meetups/{m['id']}").get_json()["going_count"] == 4
    # a bigger party for a seated member is refused, the seat is kept
    assert a.put(url, {"status": "going", "guests": 3}).status_code == 409
    # a fewer guests frees 2 seats: b's party of 3 does not fit yet, c leaving makes it fit
    assert a.put(url, {"status": "going", "guests": 0}).get_json() == {"status": "going", "guests": 0}
    assert b.get(url).get_json()["status"] == "waitlisted"
    c.put(url, {"status": "not_going"})
    assert b.get(url).get_json() == {"status": "going", "guests": 2}
    assert owner.get(f"meetups/{m['id']}").get_json()["going_count"] == 4


def test_capacity_raise_promotes_and_cannot_drop_below_taken(crowd: Any, new_meetup: Any) -> None:
    tribe, owner, (a, b, c) = crowd(3)
    m = new_meetup(owner, tribe["slug"], capacity=1)
    for who in (a, b, c):
        who.put(f"meetups/{m['id']}/rsvp", {"status": "going"})
    assert owner.patch(f"meetups/{m['id']}", {"capacity": 2}).get_json()["going_count"] == 2
    assert b.get(f"meetups/{m['id']}/rsvp").get_json()["status"] == "going"
    response = owner.patch(f"meetups/{m['id']}", {"capacity": 1})
    assert response.status_code == 422 and "capacity" in response.get_json()["error"]["fields"]
    unlimited = owner.patch(f"meetups/{m['id']}", {"capacity": None}).get_json()
    assert unlimited["capacity"] is None and unlimited["going_count"] == 3 and unlimited["sequence"] == 0


def test_edit_time_bumps_sequence_and_notifies_going_and_waitlisted(app: Any, crowd: Any, new_meetup: Any) -> None:
    tribe, owner, (a, b, c) = crowd(3)
    m = new_meetup(owner, tribe["slug"], capacity=1)
    a.put(f"meetups/{m['id']}/rsvp", {"status": "going"})
    b.put(f"meetups/{m['id']}/rsvp", {"status": "going"})
    c.put(f"meetups/{m['id']}/rsvp", {"status": "maybe"})
    renamed = owner.patch(f"meetups/{m['id']}", {"title": "New name", "description": "**bold**"}).get_json()
    assert renamed["sequence"] == 0 and renamed["title"] == "New name"
    later = soon(10)
    moved = owner.patch(f"meetups/{m['id']}", {"starts_at": iso(later), "ends_at": iso(later + timedelta(hours=3))})
    assert moved.status_code == 200 and moved.get_json()["sequence"] == 1
    assert moved.get_json()["starts_at"] == later.astimezone(UTC).isoformat()
    placed = owner.patch(f"meetups/{m['id']}", {"location": "Elsewhere"}).get_json()
    assert placed["sequence"] == 2
    bad = owner.patch(f"meetups/{m['id']}", {"ends_at": iso(later - timedelta(hours=1))})
    assert bad.status_code == 422 and "ends_at" in bad.get_json()["error"]["fields"]
    with app.app_context():
        assert len(notifications(a, "meetup_changed")) == 2
        assert len(notifications(b, "meetup_changed")) == 2
        assert notifications(c, "meetup_changed") == []


def test_cancel_keeps_it_visible_and_notifies(app: Any, crowd: Any, new_meetup: Any) -> None:
    tribe, owner, (a, b) = crowd(2)
    m = new_meetup(owner, tribe["slug"], capacity=1)
    a.put(f"meetups/{m['id']}/rsvp", {"status": "going"})
    b.put(f"meetups/{m['id']}/rsvp", {"status": "going"})
    cancelled = owner.post(f"meetups/{m['id']}/cancel", {"reason": "Venue flooded"}).get_json()
    assert cancelled["status"] == "cancelled" and cancelled["sequence"] == 1
    assert cancelled["cancel_reason"] == "Venue flooded"
    listed = a.get(f"tribes/{tribe['slug']}/meetups").get_json()["items"]
    assert [(x["id"], x["status"]) for x in listed] == [(m["id"], "cancelled")]
    assert a.put(f"meetups/{m['id']}/rsvp", {"status": "going"}).status_code == 409
    assert owner.patch(f"meetups/{m['id']}", {"title": "again"}).status_code == 422
    with app.app_context():
        for who in (a, b):
            [note] = notifications(who, "meetup_cancelled")
            assert note["data"]["reason"] == "Venue flooded"


def test_leaving_banning_and_deleting_free_seats(crowd: Any, new_meetup: Any) -> None:
    tribe, owner, (a, b, c, d) = crowd(4)
    m = new_meetup(owner, tribe["slug"], capacity=1)
    url = f"meetups/{m['id']}/rsvp"
    for who in (a, b, c, d):
        who.put(url, {"status": "going"})
    assert a.delete(f"tribes/{tribe['slug']}/members/{a.user['id']}").status_code == 204
    assert b.get(url).get_json()["status"] == "going"
    assert owner.delete(f"tribes/{tribe['slug']}/members/{b.user['id']}").status_code == 204
    assert c.get(url).get_json()["status"] == "going"
    from tests.conftest import PASSWORD

    assert c.delete("me", {"password": PASSWORD}).status_code == 204
    assert d.get(url).get_json()["status"] == "going"
    meetup = owner.get(f"meetups/{m['id']}").get_json()
    assert meetup["going_count"] == 1 and meetup["waitlist_count"] == 0


def test_rsvp_input_errors(crowd: Any, new_meetup: Any) -> None:
    tribe, owner, (a,) = crowd(1)
    m = new_meetup(owner, tribe["slug"])
    assert a.put(f"meetups/{m['id']}/rsvp", {"status": "waitlisted"}).status_code == 422
    assert a.put(f"meetups/{m['id']}/rsvp", {"status": "going", "guests": -1}).status_code == 422
    assert a.put(f"meetups/{m['id']}/rsvp", {"status": "going", "guests": 1}).status_code == 422
    assert a.put(f"meetups/{m['id']}/rsvp", data="x", content_type="text/plain").status_code == 415
    past = new_meetup(owner, tribe["slug"], start=datetime.now(UTC) - timedelta(days=2))
    assert a.put(f"meetups/{past['id']}/rsvp", {"status": "going"}).status_code == 409


def test_meetup_changed_is_pushed_to_the_tribe_room(app: Any, crowd: Any, new_meetup: Any) -> None:
    import pytest

    from tribes.extensions import socketio

    if "join" not in socketio.server.handlers.get("/", {}):
        pytest.skip("the chat feature's socket handlers are not installed")
    tribe, owner, (member,) = crowd(1)
    m = new_meetup(owner, tribe["slug"])
    sock = socketio.test_client(app, flask_test_client=member.http)
    try:
        assert sock.emit("join", {"tribe": tribe["slug"]}, callback=True)["ok"] is True
        sock.get_received()
        owner.patch(f"meetups/{m['id']}", {"location": "Room 7"})
        owner.post(f"meetups/{m['id']}/cancel", {})
        pushed = [e["args"][0] for e in sock.get_received() if e["name"] == "meetup_changed"]
        assert [(p["id"], p["location"], p["status"], p["sequence"]) for p in pushed] == [
            (m["id"], "Room 7", "scheduled", 1), (m["id"], "Room 7", "cancelled", 2)
        ]
    finally:
        sock.disconnect()


def test_export_contains_my_meetups_and_rsvps(crowd: Any, new_meetup: Any) -> None:
    tribe, owner, (member,) = crowd(1)
    m = new_meetup(owner, tribe["slug"], title="Exported")
    member.put(f"meetups/{m['id']}/rsvp", {"status": "maybe"})
    member.post("me/calendar-token")
    response = member.get("me/export")
    if response.status_code == 404:
        import pytest

        pytest.skip("the export endpoint is not installed")
    data = response.get_json()
    assert [(r["meetup_id"], r["status"]) for r in data["rsvps"]] == [(m["id"], "maybe")]
    assert data["calendar_feed"] is not None and "token" not in str(data["calendar_feed"])
    mine = owner.get("me/export").get_json()
    assert [x["title"] for x in mine["meetups_created"]] == ["Exported"]
