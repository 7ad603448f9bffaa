"""Two people in two browser contexts: one types and sends, the other sees it live."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from tests.live_server import LiveServer

PASSWORD = "correct horse battery staple"


def _register(page: Any, base: str, email: str, name: str) -> str:
    """Register through the page's own cookie jar; returns the CSRF token."""
    response = page.request.post(f"{base}/api/v1/auth/register", data={
        "email": email, "password": PASSWORD, "display_name": name,
    })
    assert response.status == 201, response.text()
    return response.json()["csrf_token"]


def test_chat_live_between_two_browsers(live_server: LiveServer, new_page: Any) -> None:
    base = live_server.url
    alice, bob = new_page(), new_page()
    alice_csrf = _register(alice, base, "alice-chat@example.test", "Alice")
    bob_csrf = _register(bob, base, "bob-chat@example.test", "Bob")
    tribe = alice.request.post(f"{base}/api/v1/tribes", data={"name": "Browser chat"},
                               headers={"X-CSRF-Token": alice_csrf}).json()
    slug = tribe["slug"]
    token = alice.request.post(f"{base}/api/v1/tribes/{slug}/invites", data={},
                               headers={"X-CSRF-Token": alice_csrf}).json()["token"]
    accepted = bob.request.post(f"{base}/api/v1/invites/{token}/accept", headers={"X-CSRF-Token": bob_csrf})
    assert accepted.status == 200
    history = alice.request.post(f"{base}/api/v1/tribes/{slug}/messages",
                                 data={"body": "posted before you came", "client_id": "h1"},
                                 headers={"X-CSRF-Token": alice_csrf})
    assert history.status == 201

    for page in (alice, bob):
        page.goto(f"{base}/t/{slug}")
        expect(page.locator("#chat-status")).to_have_text("Connected.")
    expect(bob.locator("#chat-messages")).to_contain_text("posted before you came")

    alice.locator("#chat-input").press_sequentially("Hello <b>Bob</b>", delay=20)
    expect(bob.locator("#chat-typing")).to_have_text(re.compile("Alice is typing"))
    alice.locator("#chat-input").press("Enter")

    last = bob.locator("#chat-messages li").last
    expect(last).to_contain_text("Hello <b>Bob</b>")  # shown as text, never as markup
    assert bob.locator("#chat-messages b").count() == 0
    expect(alice.locator("#chat-messages li.pending")).to_have_count(0)
    expect(alice.locator("#chat-messages li").last).to_contain_text("Hello <b>Bob</b>")

    bob.locator("#chat-input").fill("Hi Alice")
    bob.locator("#chat-send").click()
    expect(alice.locator("#chat-messages li").last).to_contain_text("Hi Alice")
