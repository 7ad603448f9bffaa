"""Mail settings in a real browser: a kind turned off and a weekly digest on /settings, a
tribe set to "none" on its Members tab; both stick after a reload and show in the API."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.e2e.test_chat_browser import _register
from tests.live_server import LiveServer


def test_mail_settings_on_settings_and_members_pages(live_server: LiveServer, new_page: Any) -> None:
    base = live_server.url
    page = new_page()
    csrf = _register(page, base, "mira-mail@example.test", "Mira")
    slug = page.request.post(f"{base}/api/v1/tribes", data={"name": "Mail club"},
                             headers={"X-CSRF-Token": csrf}).json()["slug"]
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    page.goto(f"{base}/settings#email")
    section = page.locator("section#email")
    expect(section.get_by_role("heading", name="E-mail")).to_be_visible()
    mention = section.get_by_label("Someone mentioned you")
    expect(mention).to_have_value("instant")
    mention.select_option(label="No e-mail")
    section.get_by_label("Digest", exact=True).select_option(label="Weekly")
    section.get_by_role("button", name="Save e-mail settings").click()
    expect(page.get_by_text("Your e-mail settings are saved.")).to_be_visible()
    page.reload()
    expect(page.locator("section#email").get_by_label("Someone mentioned you")).to_have_value("off")
    expect(page.locator("section#email").get_by_label("Digest", exact=True)).to_have_value("weekly")

    page.goto(f"{base}/t/{slug}/members")
    volume = page.get_by_label("E-mail from this tribe:")
    expect(volume).to_have_value("all")
    volume.select_option(label="none")
    page.locator("#mail-volume").get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved: how much e-mail Mail club sends you.")).to_be_visible()
    expect(page.get_by_label("E-mail from this tribe:")).to_have_value("none")

    settings = page.request.get(f"{base}/api/v1/me/notification-settings").json()
    assert settings["email"]["mention"] == "off" and settings["digest"] == "weekly"
    assert errors == []
