"""Dates at the edges: refused on the way in (422), and old data far away never answers 500."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

EDGE_START = datetime(9999, 12, 31, 21, 0, tzinfo=UTC)
EDGE_END = datetime(9999, 12, 31, 23, 30, tzinfo=UTC)  # 10000-01-01 00:30 in Berlin


def _far_meetup(app: Any, meetup_id: int, zone: str = "Europe/Berlin") -> None:
    """Move a meetup to the end of year 9999 directly in the database (old data)."""
    from tribes.extensions import db
    from tribes.meetups.models import Meetup

    with app.app_context():
        meetup = db.session.get(Meetup, meetup_id)
        meetup.starts_at, meetup.ends_at, meetup.timezone = EDGE_START, EDGE_END, zone
        db.session.commit()


@pytest.mark.parametrize("field,value", [
    ("starts_at", "9999-12-31T21:00"),
    ("starts_at", "0001-01-01T00:00+05:00"),
    ("starts_at", "1850-06-01T10:00"),
    ("ends_at", "2101-01-02T10:00"),
])
def test_dates_outside_the_range_are_refused(crowd: Any, field: str, value: str) -> None:
    tribe, owner, _ = crowd(0)
    body = {"title": "Far away", "starts_at": "2030-01-01T10:00", "ends_at": "2030-01-01T12:00",
            "timezone": "Europe/Berlin", field: value}
    if field == "starts_at":
        body["ends_at"] = "9999-12-31T23:00" if value.startswith("9999") else "2030-01-01T12:00"
    response = owner.post(f"tribes/{tribe['slug']}/meetups", body)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["fields"]
    assert owner.get(f"tribes/{tribe['slug']}/meetups?from=2000-01-01T00:00").get_json()["items"] == []


def test_patch_outside_the_range_is_refused(crowd: Any, new_meetup: Any) -> None:
    tribe, owner, _ = crowd(0)
    m = new_meetup(owner, tribe["slug"])
    for body in ({"starts_at": "9999-12-31T22:00", "ends_at": "9999-12-31T23:59"},
                 {"ends_at": "9999-12-31T23:59:59-12:00"}):
        response = owner.patch(f"meetups/{m['id']}", body)
        assert response.status_code == 422, response.get_json()
    assert owner.get(f"meetups/{m['id']}").get_json()["starts_at"] == m["starts_at"]


def test_page_form_outside_the_range_is_a_field_error(crowd: Any) -> None:
    tribe, owner, _ = crowd(0)
    response = owner.http.post(f"/t/{tribe['slug']}/meetups/new", data={
        "csrf_token": owner.csrf, "title": "Far", "starts_at": "9999-12-31T22:00", "ends_at": "9999-12-31T23:00",
        "timezone": "Pacific/Kiritimati", "max_guests": "0"})
    assert response.status_code == 422
    assert "Use a date between" in response.get_data(as_text=True)


def test_a_meetup_at_year_9999_in_the_database_never_answers_500(app: Any, crowd: Any, new_meetup: Any,
                                                                   client: Any) -> None:
    tribe, owner, (member,) = crowd(1)
    m = new_meetup(owner, tribe["slug"], title="Edge of time")
    assert member.put(f"meetups/{m['id']}/rsvp", {"status": "going"}).status_code == 200
    _far_meetup(app, m["id"])
    slug = tribe["slug"]
    for path in (f"tribes/{slug}/meetups", "me/meetups", f"meetups/{m['id']}"):
        response = member.get(path)
        assert response.status_code == 200, (path, response.get_data(as_text=True)[:300])
        assert "Edge of time" in response.get_data(as_text=True)
    ics = member.get(f"meetups/{m['id']}/ics")
    assert ics.status_code == 200 and b"Edge of time" in ics.get_data()
    # (the tribe's meet-ups are its Meet-ups tab, /t/<slug>/meetups; /t/<slug> is its chat)
    for path in (f"/t/{slug}/meetups", "/meetups", f"/meetups/{m['id']}", f"/meetups/{m['id']}/edit"):
        response = owner.http.get(path)
        assert response.status_code == 200, (path, response.get_data(as_text=True)[:300])
        assert "Edge of time" in response.get_data(as_text=True)
    feed = owner.post("me/calendar-token").get_json()["url"]
    response = client.get(feed.replace("http://localhost", ""))
    assert response.status_code == 200 and b"Edge of time" in response.get_data()


def test_reminders_and_the_export_survive_a_meetup_at_year_9999(app: Any, crowd: Any, new_meetup: Any) -> None:
    tribe, owner, (member,) = crowd(1)
    m = new_meetup(owner, tribe["slug"], title="Edge of time")
    member.put(f"meetups/{m['id']}/rsvp", {"status": "going"})
    _far_meetup(app, m["id"], zone="Pacific/Kiritimati")
    from tribes.extensions import db
    from tribes.meetups.reminders import send_due_reminders

    with app.app_context():
        assert send_due_reminders(db.session, datetime(9999, 12, 31, 20, 0, tzinfo=UTC), 10**9) == 1
        db.session.commit()
    assert member.get("me/export").status_code == 200
    assert owner.get(f"meetups/{m['id']}/ics").status_code == 200


@pytest.mark.parametrize("query", [
    "from=0001-01-01T00:00:00%2B05:00",
    "from=0001-01-01T00:00:00",
    "to=9999-12-31T23:59:59-05:00",
    "from=9999-12-31T23:59:59.999999&to=9999-12-31T23:59:59-12:00",
    "from=0001-01-01T00:00:00%2B14:00&to=9999-12-31T23:59:59-12:00",
    "to=0001-01-01T00:00:01",
])
def test_list_windows_at_the_edges_never_answer_500(crowd: Any, new_meetup: Any, query: str) -> None:
    tribe, owner, _ = crowd(0)
    new_meetup(owner, tribe["slug"])
    for path in (f"tribes/{tribe['slug']}/meetups?{query}", f"me/meetups?{query}"):
        response = owner.get(path)
        assert response.status_code in (200, 422), (path, response.get_data(as_text=True)[:300])
        if response.status_code == 422:
            assert response.get_json()["error"]["code"] == "validation_failed"
