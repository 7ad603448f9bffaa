"""Meetups in a real browser: capacity 1, a waitlist, a cancellation promotes the next."""

from __future__ import annotations

from typing import Any

import requests

from tests.live_server import LiveServer

PASSWORD = "meetup browser passphrase"


def api_user(server: LiveServer, name: str, email: str) -> requests.Session:
    """Register over the API; a requests session carrying the cookie and CSRF header."""
    http = requests.Session()
    response = http.post(f"{server.url}/api/v1/auth/register",
                         json={"email": email, "password": PASSWORD, "display_name": name}, timeout=30)
    assert response.status_code == 201, response.text
    http.headers["X-CSRF-Token"] = response.json()["csrf_token"]
    return http


def log_in(page: Any, server: LiveServer, email: str) -> None:
    """Log in through the login page."""
    page.goto(server.url + "/login")
    page.get_by_label("E-mail", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/tribes")


def test_waitlisted_member_is_promoted_when_a_seat_frees(live_server: LiveServer, new_page: Any) -> None:
    url = live_server.url
    owner = api_user(live_server, "Olga Organiser", "olga@meetups.test")
    slug = owner.post(f"{url}/api/v1/tribes", json={"name": "Meetup Tribe"}, timeout=30).json()["slug"]
    for name, email in (("Ann Early", "ann@meetups.test"), ("Ben Late", "ben@meetups.test")):
        token = owner.post(f"{url}/api/v1/tribes/{slug}/invites", json={}, timeout=30).json()["token"]
        member = api_user(live_server, name, email)
        assert member.post(f"{url}/api/v1/invites/{token}/accept", timeout=30).status_code == 200

    organiser = new_page()
    log_in(organiser, live_server, "olga@meetups.test")
    organiser.goto(f"{url}/t/{slug}")
    # the tribe's Meetups tab (the header's "Meetups" is all of mine)
    organiser.get_by_role("navigation", name="Sections of Meetup Tribe").get_by_role(
        "link", name="Meetups", exact=True).click()
    organiser.get_by_role("link", name="Schedule a meetup").click()
    organiser.get_by_label("Title", exact=True).fill("Tiny table")
    organiser.get_by_label("Starts (local time)").fill("2030-06-01T18:00")
    organiser.get_by_label("Ends (local time)").fill("2030-06-01T20:00")
    organiser.get_by_label("Time zone").select_option("Europe/Berlin")
    organiser.get_by_label("Seats (empty = unlimited)").fill("1")
    organiser.get_by_role("button", name="Schedule").click()
    organiser.wait_for_url("**/meetups/*")
    meetup_url = organiser.url
    assert organiser.locator("#capacity").inner_text() == "0 / 1"
    assert "18:00 CEST" in organiser.locator(".meetup-facts").inner_text()

    ann, ben = new_page(), new_page()
    log_in(ann, live_server, "ann@meetups.test")
    log_in(ben, live_server, "ben@meetups.test")
    ann.goto(meetup_url)
    ann.get_by_role("button", name="Going", exact=True).click()
    assert ann.locator("#my-rsvp").inner_text() == "You are going."
    ben.goto(meetup_url)
    ben.get_by_role("button", name="Going", exact=True).click()
    assert ben.locator("#my-rsvp").inner_text() == "You are on the waitlist, position 1."
    assert ben.locator("#capacity").inner_text() == "1 / 1"

    ann.get_by_role("button", name="Not going").click()
    assert ann.locator("#my-rsvp").inner_text() == "You are not going."
    ben.reload()
    assert ben.locator("#my-rsvp").inner_text() == "You are going."
    assert ben.locator("#capacity").inner_text() == "1 / 1"
    organiser.reload()
    assert "Ben Late" in organiser.locator("ul.attendees").inner_text()
