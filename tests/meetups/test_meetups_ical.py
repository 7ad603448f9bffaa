"""iCalendar export and the private feed, parsed back with the icalendar library."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import Calendar

BERLIN = ZoneInfo("Europe/Berlin")


def parse(response: Any) -> Calendar:
    """The response as a calendar, checking it is served as one."""
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/calendar"
    return Calendar.from_ical(response.get_data())


def events(cal: Calendar) -> list[Any]:
    return list(cal.walk("VEVENT"))


def transition_days(component: Any) -> list[Any]:
    """The dates a VTIMEZONE sub-component's offset starts: DTSTART and every RDATE."""
    days = [component.decoded("dtstart").date()]
    rdates = component.get("RDATE") or []
    for prop in rdates if isinstance(rdates, list) else [rdates]:
        days += [d.dt.date() for d in prop.dts]
    return days


def _at_six(owner: Any, slug: str, day: str) -> dict[str, Any]:
    body = {"title": f"Evening {day}", "starts_at": f"{day}T18:00", "ends_at": f"{day}T20:00", "timezone": "Europe/Berlin"}
    response = owner.post(f"tribes/{slug}/meetups", body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_dst_both_sides_local_six_pm_and_correct_utc(crowd: Any) -> None:
    tribe, owner, _ = crowd(0)
    expected_utc = {"2026-03-28": 17, "2026-03-30": 16, "2026-10-24": 16, "2026-10-26": 17}
    for day, utc_hour in expected_utc.items():
        m = _at_six(owner, tribe["slug"], day)
        assert m["starts_at"] == f"{day}T{utc_hour:02d}:00:00+00:00"
        cal = parse(owner.get(f"meetups/{m['id']}/ics"))
        [event] = events(cal)
        start = event.decoded("dtstart")
        assert event["dtstart"].params["TZID"] == "Europe/Berlin"
        assert event.to_ical().decode().count("DTSTART;TZID=Europe/Berlin:") == 1
        assert (start.hour, start.minute) == (18, 0) and start.astimezone(UTC).hour == utc_hour
        assert event.decoded("dtend").astimezone(UTC) == datetime.fromisoformat(m["ends_at"])
        [vtz] = list(cal.walk("VTIMEZONE"))
        assert str(vtz["TZID"]) == "Europe/Berlin"
        switches = {
            (day.isoformat(), c.decoded("tzoffsetfrom"), c.decoded("tzoffsetto"))
            for c in vtz.subcomponents
            for day in transition_days(c)
        }
        one, two = timedelta(hours=1), timedelta(hours=2)
        assert ("2026-03-29", one, two) in switches and ("2026-10-25", two, one) in switches


def test_uid_stable_sequence_status_and_escaping(crowd: Any) -> None:
    tribe, owner, (member,) = crowd(1)
    tricky = "Bring snacks; drinks, too\nand a \\backslash"
    m = owner.post(f"tribes/{tribe['slug']}/meetups", {
        "title": "Q&A, part 1; really", "description": tricky, "starts_at": "2027-05-03T19:00",
        "ends_at": "2027-05-03T21:00", "timezone": "America/New_York", "location": "Room 1, Floor 2",
        "online_url": "https://example.test/call?x=1,2",
    }).get_json()
    assert member.put(f"meetups/{m['id']}/rsvp", {"status": "going"}).status_code == 200  # the link is for people going
    first = events(parse(member.get(f"meetups/{m['id']}/ics")))[0]
    raw = member.get(f"meetups/{m['id']}/ics").get_data(as_text=True)
    assert "SUMMARY:Q&A\\, part 1\\; really" in raw
    assert str(first["summary"]) == "Q&A, part 1; really"
    assert str(first["description"]) == tricky and str(first["location"]) == "Room 1, Floor 2"
    assert str(first["url"]) == "https://example.test/call?x=1,2"
    assert first["status"] == "CONFIRMED" and first.decoded("sequence") == 0 and "DTSTAMP" in first
    assert first.decoded("dtstart").astimezone(UTC).hour == 23  # 19:00 EDT
    owner.patch(f"meetups/{m['id']}", {"starts_at": "2027-05-03T20:00", "ends_at": "2027-05-03T22:00"})
    owner.post(f"meetups/{m['id']}/cancel", {"reason": "Storm"})
    last = events(parse(member.get(f"meetups/{m['id']}/ics")))[0]
    assert str(last["uid"]) == str(first["uid"])
    assert last.decoded("sequence") == 2 and last["status"] == "CANCELLED"


def test_private_feed_rotation_scope_and_cancelled(crowd: Any, make_user: Any, make_tribe: Any, client: Any) -> None:
    tribe, owner, (member,) = crowd(1)
    other = make_tribe()  # a tribe the member does not belong to
    start = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(days=3)
    body = {"starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=1)).isoformat(), "timezone": "Asia/Tokyo"}
    mine = owner.post(f"tribes/{tribe['slug']}/meetups", {"title": "Ours", **body}).get_json()
    gone = owner.post(f"tribes/{tribe['slug']}/meetups", {"title": "Called off", **body}).get_json()
    owner.post(f"meetups/{gone['id']}/cancel", {})
    past = start - timedelta(days=10)
    owner.post(f"tribes/{tribe['slug']}/meetups", {"title": "Over", "starts_at": past.isoformat(),
               "ends_at": (past + timedelta(hours=1)).isoformat(), "timezone": "UTC"})
    other["owner"].post(f"tribes/{other['slug']}/meetups", {"title": "Theirs", **body})

    created = member.post("me/calendar-token")
    assert created.status_code == 201
    url = created.get_json()["url"]
    assert url.startswith("http://localhost/calendar/") and url.endswith(".ics")
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    assert len(token) >= 32  # ≥ 128 bits of randomness, URL-safe
    feed = parse(client.get(url.removeprefix("http://localhost")))  # no cookie
    titles = {str(e["summary"]): e for e in events(feed)}
    assert set(titles) == {"Ours", "Called off"}
    assert titles["Called off"]["status"] == "CANCELLED" and titles["Ours"]["status"] == "CONFIRMED"
    assert [str(t["TZID"]) for t in feed.walk("VTIMEZONE")] == ["Asia/Tokyo"]
    assert mine["id"] != gone["id"]

    rotated = member.post("me/calendar-token").get_json()["url"]
    assert rotated != url
    assert client.get(url.removeprefix("http://localhost")).status_code == 404
    assert client.get(rotated.removeprefix("http://localhost")).status_code == 200
    assert client.get("/calendar/not-a-token.ics").status_code == 404
    from tribes.extensions import db
    from tribes.meetups.models import CalendarToken

    stored = db.session.query(CalendarToken).one()
    assert token not in stored.token_hash and len(stored.token_hash) == 64


def test_ics_needs_membership(crowd: Any, make_user: Any, new_meetup: Any) -> None:
    tribe, owner, _ = crowd(0)
    m = new_meetup(owner, tribe["slug"])
    outsider = make_user()
    assert outsider.get(f"meetups/{m['id']}/ics").status_code == 404


def test_private_feed_speaks_its_owners_language(crowd: Any, client: Any) -> None:
    """A calendar app fetches the feed without cookie or Accept-Language: a German member's
    feed still names itself and says a meetup was cancelled in German."""
    tribe, owner, (member,) = crowd(1)
    start = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(days=3)
    gone = owner.post(f"tribes/{tribe['slug']}/meetups", {
        "title": "Stammtisch", "starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=1)).isoformat(),
        "timezone": "Europe/Berlin"}).get_json()
    owner.post(f"meetups/{gone['id']}/cancel", {"reason": "Raum ist belegt"})
    assert member.patch("me", {"locale": "de"}).status_code == 200
    url = member.post("me/calendar-token").get_json()["url"].removeprefix("http://localhost")

    feed = parse(client.get(url))
    assert str(feed["X-WR-CALNAME"]) == "Tribes-Treffen"
    (event,) = events(feed)
    assert str(event["description"]).startswith("Abgesagt: Raum ist belegt")
    # an English reader of the same kind of link reads English
    assert member.patch("me", {"locale": "en"}).status_code == 200
    english = parse(client.get(url, headers={"Accept-Language": "de"}))
    assert str(english["X-WR-CALNAME"]) == "Tribes meetups"
