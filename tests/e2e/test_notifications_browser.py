"""The header badge counts a new notification live, and opening one goes to its page."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.e2e.test_chat_browser import _register
from tests.live_server import LiveServer


def test_mention_raises_the_badge_on_another_page_and_opens_the_message(live_server: LiveServer, new_page: Any) -> None:
    base = live_server.url
    alice, bob = new_page(), new_page()
    alice_csrf = _register(alice, base, "alice-badge@example.test", "Alice")
    bob_csrf = _register(bob, base, "bob-badge@example.test", "Bob")
    slug = alice.request.post(f"{base}/api/v1/tribes", data={"name": "Badge club"},
                              headers={"X-CSRF-Token": alice_csrf}).json()["slug"]
    token = alice.request.post(f"{base}/api/v1/tribes/{slug}/invites", data={},
                               headers={"X-CSRF-Token": alice_csrf}).json()["token"]
    assert bob.request.post(f"{base}/api/v1/invites/{token}/accept", headers={"X-CSRF-Token": bob_csrf}).status == 200
    errors: list[str] = []
    bob.on("pageerror", lambda e: errors.append(str(e)))

    bob.goto(f"{base}/tribes")   # a page without the chat
    nav = bob.locator("header.site nav.wide a[href$='/notifications']")
    expect(nav).to_be_visible()
    expect(nav.locator(".badge")).to_have_count(0)
    bob.wait_for_function("() => window.tribesSocket && window.tribesSocket.connected")

    message = alice.request.post(f"{base}/api/v1/tribes/{slug}/messages",
                                 data={"body": "@Bob are you coming?", "client_id": "m1"},
                                 headers={"X-CSRF-Token": alice_csrf}).json()
    expect(nav.locator(".badge")).to_have_text("1")           # no reload
    expect(nav.locator(".badge")).to_have_attribute("aria-label", "1 unread")

    nav.click()
    entry = bob.get_by_role("link", name="Alice mentioned you in Badge club.")
    expect(entry).to_be_visible()
    entry.click()
    expect(bob).to_have_url(f"{base}/t/{slug}#message-{message['id']}")
    expect(bob.locator(f"#message-{message['id']}")).to_contain_text("are you coming?")
    expect(bob.locator("header.site a[href$='/notifications'] .badge")).to_have_count(0)   # opened = read
    assert errors == []
