"""Browser: request → quiet decline; the sender's pages read exactly the same before and after."""

from __future__ import annotations

from typing import Any

from tests.live_server import LiveServer

PASSWORD = "quiet decline passphrase"


def register(page: Any, url: str, name: str, email: str, button: str) -> None:
    page.get_by_label("Display name", exact=True).fill(name)
    page.get_by_label("E-mail", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name=button).click()


def texts(page: Any, base: str, paths: list[str]) -> dict[str, str]:
    """The visible text of the main area of each page."""
    result = {}
    for path in paths:
        page.goto(base + path)
        if page.locator("#chat-status").count():
            # The live chat connects after load; compare the page once it has settled.
            page.wait_for_function("() => document.getElementById('chat-status').textContent === 'Connected.'")
        result[path] = page.locator("main").inner_text()
    return result


def test_sender_cannot_tell_a_decline(live_server: LiveServer, new_page: Any) -> None:
    base = live_server.url
    rita = new_page()
    rita.goto(base + "/register")
    register(rita, base, "Rita Recipient", "rita@e2e.test", "Create account")
    rita.wait_for_url("**/tribes")
    rita.get_by_role("link", name="Create a tribe").click()
    rita.get_by_label("Name", exact=True).fill("Quiet Tribe")
    rita.get_by_role("button", name="Create tribe").click()
    rita.wait_for_url("**/t/quiet-tribe")
    rita.get_by_role("link", name="Invite", exact=True).click()  # the tribe's Invite tab
    rita.get_by_role("button", name="Create invite link").click()
    link = rita.get_by_label("New invite link (shown once)", exact=True).input_value()

    sam = new_page()
    sam.goto(link)
    register(sam, base, "Sam Sender", "sam@e2e.test", "Create account and join")
    sam.wait_for_url("**/t/quiet-tribe")
    members = sam.request.get(base + "/api/v1/tribes/quiet-tribe/members").json()["items"]
    rita_id = next(m["user"]["id"] for m in members if m["user"]["display_name"] == "Rita Recipient")
    sam.goto(f"{base}/u/{rita_id}")
    sam.get_by_label("Message (optional)").fill("Hello Rita")
    sam.get_by_role("button", name="Send contact request").click()
    assert "Contact request sent" in sam.locator("main").inner_text()

    pages = [f"/u/{rita_id}", "/contacts", "/notifications", "/t/quiet-tribe", "/settings"]
    before = texts(sam, base, pages)
    assert "pending" in before["/contacts"] and "Rita Recipient" in before["/contacts"]

    rita.goto(base + "/contacts")
    assert "Sam Sender" in rita.locator("main").inner_text()
    rita.get_by_role("button", name="Decline").click()
    assert "They will not be told" in rita.locator(".flash").first.inner_text()
    assert "Sam Sender" not in rita.locator("main section").first.inner_text()

    after = texts(sam, base, pages)
    assert after == before
