"""Two people exchange direct messages live in two browsers; then one blocks the other."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.live_server import LiveServer

PASSWORD = "correct horse battery staple"


def _register(page: Any, base: str, email: str, name: str) -> tuple[str, int]:
    """Register through the page's own cookie jar; (CSRF token, user id)."""
    response = page.request.post(f"{base}/api/v1/auth/register", data={
        "email": email, "password": PASSWORD, "display_name": name,
    })
    assert response.status == 201, response.text()
    return response.json()["csrf_token"], response.json()["user"]["id"]


def test_direct_messages_live_then_a_block(live_server: LiveServer, new_page: Any) -> None:
    base = live_server.url
    ana, ben = new_page(), new_page()
    ana_csrf, _ana_id = _register(ana, base, "ana-dm@example.test", "Ana")
    ben_csrf, ben_id = _register(ben, base, "ben-dm@example.test", "Ben")
    slug = ana.request.post(f"{base}/api/v1/tribes", data={"name": "DM club"},
                            headers={"X-CSRF-Token": ana_csrf}).json()["slug"]
    token = ana.request.post(f"{base}/api/v1/tribes/{slug}/invites", data={},
                             headers={"X-CSRF-Token": ana_csrf}).json()["token"]
    assert ben.request.post(f"{base}/api/v1/invites/{token}/accept", headers={"X-CSRF-Token": ben_csrf}).status == 200
    request_id = ana.request.post(f"{base}/api/v1/contacts/requests", data={"user_id": ben_id},
                                  headers={"X-CSRF-Token": ana_csrf}).json()["id"]
    assert ben.request.post(f"{base}/api/v1/contacts/requests/{request_id}/accept",
                            headers={"X-CSRF-Token": ben_csrf}).status == 200

    # Ana opens the conversation from Ben's profile
    ana.goto(f"{base}/u/{ben_id}")
    ana.get_by_role("button", name="Message", exact=True).click()
    ana.wait_for_url(f"{base}/messages/*")
    expect(ana.locator("#chat-status")).to_have_text("Connected.")
    ana.locator("#chat-input").fill("Hello Ben")
    ana.locator("#chat-input").press("Enter")
    expect(ana.locator("#chat-messages li.pending")).to_have_count(0)

    # Ben sees it in his inbox (unread) and opens it; then they talk live
    ben.goto(f"{base}/messages")
    expect(ben.locator("#conversations-h + ul")).to_contain_text("Hello Ben")
    ben.locator("#conversations-h + ul a").first.click()
    expect(ben.locator("#chat-status")).to_have_text("Connected.")
    expect(ben.locator("#chat-messages")).to_contain_text("Hello Ben")
    ben.locator("#chat-input").fill("Hi Ana")
    ben.locator("#chat-send").click()
    expect(ana.locator("#chat-messages li").last).to_contain_text("Hi Ana")

    # Ben blocks Ana: what she sends from then on shows as sent for her, never reaches him
    assert ben.request.post(f"{base}/api/v1/blocks", data={"user_id": _ana_id},
                            headers={"X-CSRF-Token": ben_csrf}).status == 201
    ana.locator("#chat-input").fill("Still there?")
    ana.locator("#chat-input").press("Enter")
    expect(ana.locator("#chat-messages li.pending")).to_have_count(0)
    expect(ana.locator("#chat-messages li").last).to_contain_text("Still there?")
    ben.locator("#chat-input").fill("bye")
    ben.locator("#chat-send").click()
    expect(ana.locator("#chat-messages li").last).to_contain_text("bye")
    expect(ben.locator("#chat-messages li").last).to_contain_text("bye")
    assert "Still there?" not in ben.locator("#chat-messages").inner_text()
    ben.reload()
    expect(ben.locator("#chat-messages")).to_contain_text("bye")
    assert "Still there?" not in ben.locator("#chat-messages").inner_text()


def test_the_messages_badge_follows_direct_messages_live(live_server: LiveServer, new_page: Any) -> None:
    """The header's "Messages" badge counts a contact's messages without a reload, never a message
    request, and drops when the conversation is read."""
    base = live_server.url
    ana, ben, eve = new_page(), new_page(), new_page()
    ana_csrf, _ana_id = _register(ana, base, "ana-badge@example.test", "Ana")
    ben_csrf, ben_id = _register(ben, base, "ben-badge@example.test", "Ben")
    eve_csrf, _eve_id = _register(eve, base, "eve-badge@example.test", "Eve")
    slug = ana.request.post(f"{base}/api/v1/tribes", data={"name": "Badge club"},
                            headers={"X-CSRF-Token": ana_csrf}).json()["slug"]
    for page, csrf in ((ben, ben_csrf), (eve, eve_csrf)):
        token = ana.request.post(f"{base}/api/v1/tribes/{slug}/invites", data={},
                                 headers={"X-CSRF-Token": ana_csrf}).json()["token"]
        assert page.request.post(f"{base}/api/v1/invites/{token}/accept", headers={"X-CSRF-Token": csrf}).status == 200
    request_id = ana.request.post(f"{base}/api/v1/contacts/requests", data={"user_id": ben_id},
                                  headers={"X-CSRF-Token": ana_csrf}).json()["id"]
    assert ben.request.post(f"{base}/api/v1/contacts/requests/{request_id}/accept",
                            headers={"X-CSRF-Token": ben_csrf}).status == 200

    ben.goto(f"{base}/tribes")
    badge = ben.locator("header.site nav a[href='/messages'] .badge").first
    expect(badge).to_have_count(0)
    ben.wait_for_function("() => window.tribesSocket && window.tribesSocket.connected")

    def send(page: Any, csrf: str, user_id: int, body: str, client_id: str) -> int:
        response = page.request.post(f"{base}/api/v1/conversations", data={
            "user_ids": [user_id], "message": {"body": body, "client_id": client_id}},
            headers={"X-CSRF-Token": csrf})
        assert response.status in (200, 201), response.text()
        return int(response.json()["id"])

    conversation = send(ana, ana_csrf, ben_id, "Are you coming tonight?", "b1")
    expect(badge).to_have_text("1")                           # live, no reload
    expect(badge).to_have_attribute("aria-label", "1 unread")
    send(ana, ana_csrf, ben_id, "Bring the slides", "b2")
    expect(badge).to_have_text("2")
    # a message request from a co-member who is no contact: under requests, never unread
    send(eve, eve_csrf, ben_id, "Hi, can I ask you something?", "b3")
    send(ana, ana_csrf, ben_id, "See you", "b4")
    expect(badge).to_have_text("3")                           # 3, not 4: Eve's request did not count
    # reading the conversation takes the badge away
    ben.goto(f"{base}/messages/{conversation}")
    expect(ben.locator("#chat-messages")).to_contain_text("See you")
    expect(ben.locator("header.site nav a[href='/messages'] .badge")).to_have_count(0, timeout=10000)
