"""A person's settings in a real browser: time zone from the browser at registration, sessions,
password, picture upload, language and time zone (the page turns German)."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from PIL import Image
from playwright.sync_api import expect

from tests.live_server import LiveServer

PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a brand new browser passphrase"


def _photo() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"
    out = BytesIO()
    Image.new("RGB", (900, 600), (20, 120, 200)).save(out, "JPEG", exif=exif)
    return out.getvalue()


def _submit(page: Any, selector: str) -> None:
    """Submit a form that asks first (data-confirm) as if the person confirmed it."""
    with page.expect_navigation():
        page.locator(selector).evaluate("form => form.submit()")


def test_settings_journey(live_server: LiveServer, browser: Any) -> None:
    base = live_server.url
    context = browser.new_context(timezone_id="Europe/Berlin", locale="en-GB")
    other = browser.new_context()
    try:
        context.set_default_timeout(15_000)
        page = context.new_page()
        errors: list[str] = []
        # a 422 answer to a form is expected (and the favicon is not this page's); any other error is not
        page.on("console", lambda m: errors.append(f"{m.text} {m.location.get('url')}") if m.type == "error"
                and "status of 422" not in m.text and "favicon" not in str(m.location.get("url")) else None)
        page.on("pageerror", lambda e: errors.append(str(e)))

        # registration takes the browser's time zone (static/timezone.js fills a hidden field)
        page.goto(f"{base}/register")
        page.fill("#display_name", "Sabine Settings")
        page.fill("#email", "sabine@example.test")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/tribes*")
        assert page.request.get(f"{base}/api/v1/me").json()["timezone"] == "Europe/Berlin"

        # a second device
        laptop = other.new_page()
        assert laptop.request.post(f"{base}/api/v1/auth/login",
                                   data={"email": "sabine@example.test", "password": PASSWORD}).status == 200

        page.goto(f"{base}/settings")
        expect(page.locator("li.session")).to_have_count(2)
        expect(page.locator("li.session .badge")).to_have_text(["this device"])
        _submit(page, "form[action$='/settings/sessions/end-others']")
        expect(page.locator(".flash")).to_contain_text("Logged out everywhere else")
        expect(page.locator("li.session")).to_have_count(1)
        assert laptop.request.get(f"{base}/api/v1/me").status == 401

        # password: a wrong current password is a field error; then it works
        assert laptop.request.post(f"{base}/api/v1/auth/login",
                                   data={"email": "sabine@example.test", "password": PASSWORD}).status == 200
        page.fill("#current_password", "not my password at all")
        page.fill("#new_password", NEW_PASSWORD)
        page.click("#password button[type=submit]")
        expect(page.locator("#current_password-error")).to_have_text("The current password is wrong.")
        page.fill("#current_password", PASSWORD)
        page.fill("#new_password", NEW_PASSWORD)
        page.click("#password button[type=submit]")
        expect(page.locator(".flash")).to_contain_text("Your password is changed")
        assert laptop.request.get(f"{base}/api/v1/me").status == 401

        # picture upload: shown on the page, served as WebP without the camera's metadata
        page.set_input_files("#file", files=[{"name": "me.jpg", "mimeType": "image/jpeg", "buffer": _photo()}])
        page.click("#picture button[type=submit]")
        expect(page.locator(".flash")).to_contain_text("Your new picture is saved.")
        picture = page.locator("img.avatar-large")
        expect(picture).to_be_visible()
        served = page.request.get(base + picture.get_attribute("src"))
        assert served.headers["content-type"] == "image/webp"
        assert b"SpyCam" not in served.body()
        assert Image.open(BytesIO(served.body())).size == (512, 341)

        # language and time zone: the page turns German, times in the chosen zone
        page.select_option("#timezone", "Asia/Tokyo")
        page.select_option("#locale", "de")
        page.click("#preferences button[type=submit]")
        expect(page.locator("h1")).to_have_text("Einstellungen")
        expect(page.locator(".flash")).to_contain_text("Sprache und Zeitzone gespeichert.")
        expect(page.locator("#timezone")).to_have_value("Asia/Tokyo")
        expect(page.locator("li.session .badge")).to_have_text(["dieses Gerät"])
        expect(page.locator("html")).to_have_attribute("lang", "de")
        assert errors == []
    finally:
        context.close()
        other.close()
