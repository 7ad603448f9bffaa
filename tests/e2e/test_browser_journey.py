"""The core journey through the pages in a real browser."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from tests.live_server import LiveServer

PASSWORD = "browser journey passphrase"


def register(page: Any, name: str, email: str) -> None:
    """Fill the registration fields (on /register or the invite page)."""
    page.get_by_label("Display name", exact=True).fill(name)
    page.get_by_label("E-mail", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)


def test_owner_invites_a_logged_out_visitor_who_registers_and_joins(live_server: LiveServer, new_page: Any) -> None:
    owner = new_page()
    owner.goto(live_server.url + "/register")
    register(owner, "Olga Owner", "olga@e2e.test")
    owner.get_by_role("button", name="Create account").click()
    owner.wait_for_url("**/tribes")
    owner.get_by_role("link", name="Create a tribe").click()
    owner.get_by_label("Name", exact=True).fill("Browser Tribe")
    owner.get_by_role("button", name="Create tribe").click()
    owner.wait_for_url("**/t/browser-tribe")
    owner.get_by_role("link", name="Invite", exact=True).click()  # the tribe's Invite tab
    owner.get_by_label("Uses", exact=True).fill("1")
    owner.get_by_role("button", name="Create invite link").click()
    link = owner.get_by_label("New invite link (shown once)", exact=True).input_value()
    assert link.startswith(live_server.url + "/invite/")

    guest = new_page()
    guest.goto(link)
    assert "You are invited to Browser Tribe" in guest.get_by_role("heading", level=1).inner_text()
    register(guest, "Mia Member", "mia@e2e.test")
    guest.get_by_role("button", name="Create account and join").click()
    guest.wait_for_url("**/t/browser-tribe")
    assert "Welcome to Browser Tribe" in guest.locator(".flash").first.inner_text()
    guest.get_by_role("link", name="Members", exact=True).click()  # the tribe's Members tab
    guest.wait_for_url("**/t/browser-tribe/members")
    expect(guest.locator(".member-name")).to_have_text(["Olga Owner", "Mia Member"])

    owner.reload()
    assert "Used 1 of 1" in owner.locator(".invite-list").inner_text()
    owner.get_by_role("link", name="Members", exact=True).click()
    owner.wait_for_url("**/t/browser-tribe/members")
    expect(owner.locator(".member-name")).to_have_count(2)


def test_register_and_create_a_tribe_with_the_keyboard_only(live_server: LiveServer, new_page: Any) -> None:
    page = new_page()
    page.goto(live_server.url + "/register")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    for _ in range(5):  # through the header links to the first field
        if page.evaluate("document.activeElement.id") == "display_name":
            break
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "display_name"
    page.keyboard.type("Kim Keyboard")
    page.keyboard.press("Tab")
    page.keyboard.type("kim@e2e.test")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/tribes(#main)?$"))  # the browser keeps the skip link's #main
    page.goto(live_server.url + "/tribes/new")
    page.get_by_label("Name", exact=True).focus()
    page.keyboard.type("Keys Only")
    page.keyboard.press("Enter")
    page.wait_for_url("**/t/keys-only")
    assert page.get_by_role("heading", level=1).inner_text() == "Keys Only"
