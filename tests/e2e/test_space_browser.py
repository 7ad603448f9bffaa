"""A tribe with unread messages: the badge shows on "My tribes" and in the header, the tribe
opens on its Chat tab (full height, marker data for the script) and the tabs lead around."""

from __future__ import annotations

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
    return str(response.json()["csrf_token"])


def test_unread_badge_on_my_tribes_then_the_chat_tab(live_server: LiveServer, new_page: Any) -> None:
    base = live_server.url
    olga, ben = new_page(), new_page()
    olga_csrf = _register(olga, base, "olga-space@example.test", "Olga Organiser")
    ben_csrf = _register(ben, base, "ben-space@example.test", "Ben Reader")
    slug = olga.request.post(f"{base}/api/v1/tribes", data={"name": "Space Tribe", "description": "Hier wird geredet."},
                             headers={"X-CSRF-Token": olga_csrf}).json()["slug"]
    token = olga.request.post(f"{base}/api/v1/tribes/{slug}/invites", data={},
                              headers={"X-CSRF-Token": olga_csrf}).json()["token"]
    assert ben.request.post(f"{base}/api/v1/invites/{token}/accept", headers={"X-CSRF-Token": ben_csrf}).status == 200
    for n in range(3):
        sent = olga.request.post(f"{base}/api/v1/tribes/{slug}/messages",
                                 data={"body": f"news {n}", "client_id": f"space-{n}"},
                                 headers={"X-CSRF-Token": olga_csrf})
        assert sent.status == 201

    ben.set_viewport_size({"width": 390, "height": 844})
    ben.goto(f"{base}/tribes")
    card = ben.locator(".card", has_text="Space Tribe")
    expect(card.locator(".unread-messages")).to_have_text("3")
    expect(card.locator(".unread-messages")).to_have_attribute("aria-label", "3 unread messages")
    expect(ben.locator("#nav-unread-messages")).to_have_text("3")
    # a link styled as a button in a row of actions keeps a button's padding and height
    create = ben.get_by_role("link", name="Create a tribe")
    padding, height = create.evaluate("e => [parseFloat(getComputedStyle(e).paddingLeft), e.getBoundingClientRect().height]")
    assert padding >= 8 and height >= 36, (padding, height)

    card.get_by_role("link", name="Space Tribe").click()
    expect(ben).to_have_url(f"{base}/t/{slug}")
    tabs = ben.get_by_role("navigation", name="Sections of Space Tribe")
    expect(tabs.get_by_role("link", name="Chat")).to_have_attribute("aria-current", "page")
    expect(tabs.get_by_role("link", name="Admin")).to_have_count(0)
    expect(ben.locator("h1")).to_have_text("Space Tribe")
    expect(ben.locator("#space-chat")).to_have_attribute("data-last-read", "0")
    expect(ben.locator("#chat-messages")).to_contain_text("news 2")
    # the chat takes the screen: the composer is visible without scrolling the page
    expect(ben.locator("#chat-input")).to_be_in_viewport()
    assert ben.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    tabs.get_by_role("link", name="Members").click()
    expect(ben).to_have_url(f"{base}/t/{slug}/members")
    expect(ben.locator(".member-name")).to_have_text(["Olga Organiser", "Ben Reader"])
    ben.get_by_role("searchbox", name="Search members by name").fill("olga")
    ben.get_by_role("button", name="Search").click()
    expect(ben.locator(".member-name")).to_have_text(["Olga Organiser"])

    olga.goto(f"{base}/t/{slug}")
    admin_tabs = olga.get_by_role("navigation", name="Sections of Space Tribe")
    admin_tabs.get_by_role("link", name="Admin").click()
    expect(olga.get_by_role("link", name="Invite people and manage invite links")).to_be_visible()
