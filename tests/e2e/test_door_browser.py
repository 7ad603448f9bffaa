"""The door view on two phones: organiser B's page follows organiser A's check-ins without a reload."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from playwright.sync_api import expect

from tests.e2e.test_meetups_browser import api_user, log_in
from tests.live_server import LiveServer


def test_second_organisers_door_view_updates_live(live_server: LiveServer, new_page: Any) -> None:
    url = live_server.url
    olga = api_user(live_server, "Olga Organiser", "olga@door.test")
    slug = olga.post(f"{url}/api/v1/tribes", json={"name": "Door Tribe"}, timeout=30).json()["slug"]
    people = {}
    for name, email in (("Bea Helper", "bea@door.test"), ("Ann Early", "ann@door.test"), ("Cem Late", "cem@door.test")):
        token = olga.post(f"{url}/api/v1/tribes/{slug}/invites", json={}, timeout=30).json()["token"]
        people[name] = api_user(live_server, name, email)
        accepted = people[name].post(f"{url}/api/v1/invites/{token}/accept", timeout=30)
        assert accepted.status_code == 200, accepted.text
    bea_id = people["Bea Helper"].get(f"{url}/api/v1/me", timeout=30).json()["id"]
    promoted = olga.patch(f"{url}/api/v1/tribes/{slug}/members/{bea_id}", json={"role": "organiser"}, timeout=30)
    assert promoted.status_code == 200, promoted.text
    assert people["Bea Helper"].patch(f"{url}/api/v1/me", json={"locale": "de"}, timeout=30).status_code == 200
    start = datetime.now(UTC) + timedelta(hours=1)
    meetup = olga.post(f"{url}/api/v1/tribes/{slug}/meetups", json={
        "title": "Door night", "starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=2)).isoformat(),
        "timezone": "Europe/Berlin"}, timeout=30).json()
    for name in ("Ann Early", "Cem Late"):
        going = people[name].put(f"{url}/api/v1/meetups/{meetup['id']}/rsvp", json={"status": "going"}, timeout=30)
        assert going.status_code == 200, going.text

    a, b = new_page(), new_page()
    log_in(a, live_server, "olga@door.test")
    log_in(b, live_server, "bea@door.test")
    door = f"{url}/meetups/{meetup['id']}/door"
    a.goto(door)
    b.goto(door)
    expect(b.locator("#door-count")).to_have_text("0 von 2 eingecheckt")
    b.wait_for_function("() => window.tribesSocket && window.tribesSocket.connected")

    a.get_by_role("button", name="Check in Ann Early").click()
    expect(a.locator("#door-count")).to_have_text("1 of 2 checked in")
    # B's page, not reloaded: the count and Ann's row follow, in B's language
    expect(b.locator("#door-count")).to_have_text("1 von 2 eingecheckt")
    expect(b.locator("#person-" + str(people["Ann Early"].get(f"{url}/api/v1/me", timeout=30).json()["id"]))
           ).to_contain_text("eingecheckt")
    b_url = b.url
    # and B checks Cem in: A's page follows back; B's own page stays the same page
    b.get_by_role("button", name="Cem Late einchecken").click()
    expect(a.locator("#door-count")).to_have_text("2 of 2 checked in")
    assert b.url.split("?")[0] == b_url.split("?")[0]
