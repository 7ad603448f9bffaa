"""An admin lifts a ban and a member leaves a tribe, in a real browser, through the dialogs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.e2e.test_chat_browser import _register
from tests.live_server import LiveServer

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
#: WCAG 2.2 2.5.8: every target at least 24 × 24 px or far enough from the next one
TARGET_SIZE = """async () => (await axe.run(document, {runOnly: {type: 'rule', values: ['target-size']}}))
  .violations.flatMap(v => v.nodes.map(n => n.target.join(' ')))"""


def _join(owner: Any, owner_csrf: str, member: Any, member_csrf: str, base: str, slug: str) -> None:
    token = owner.request.post(f"{base}/api/v1/tribes/{slug}/invites", data={},
                               headers={"X-CSRF-Token": owner_csrf}).json()["token"]
    assert member.request.post(f"{base}/api/v1/invites/{token}/accept",
                               headers={"X-CSRF-Token": member_csrf}).status == 200


def test_lift_a_ban_and_leave_a_tribe(live_server: LiveServer, new_page: Any) -> None:
    base = live_server.url
    olga, max_, lea = new_page(), new_page(), new_page()
    olga_csrf = _register(olga, base, "olga-admin@example.test", "Olga Owner")
    max_csrf = _register(max_, base, "max-banned@example.test", "Max Banned")
    lea_csrf = _register(lea, base, "lea-leaves@example.test", "Lea Leaving")
    slug = olga.request.post(f"{base}/api/v1/tribes", data={"name": "Leaving club"},
                             headers={"X-CSRF-Token": olga_csrf}).json()["slug"]
    for page, csrf in ((max_, max_csrf), (lea, lea_csrf)):
        _join(olga, olga_csrf, page, csrf, base, slug)
    max_id = max_.request.get(f"{base}/api/v1/me").json()["id"]
    assert olga.request.post(f"{base}/api/v1/tribes/{slug}/bans", data={"user_id": max_id, "reason": "spam"},
                             headers={"X-CSRF-Token": olga_csrf}).status == 201
    errors: list[str] = []
    for page in (olga, lea):
        page.on("pageerror", lambda e: errors.append(str(e)))

    # the admin finds the ban under Admin and lifts it after confirming in the dialog
    olga.goto(f"{base}/t/{slug}/admin")
    olga.get_by_role("link", name="Bans").first.click()
    expect(olga.locator(f"#ban-{max_id}")).to_contain_text("Max Banned")
    olga.locator(f"#ban-{max_id}").get_by_role("button", name="Lift ban").click()
    dialog = olga.locator("dialog.confirm")
    expect(dialog).to_be_visible()
    dialog.locator("button[value=yes]").click()
    expect(olga.locator(f"#ban-{max_id}")).to_have_count(0)
    assert olga.request.get(f"{base}/api/v1/tribes/{slug}/bans").json()["items"] == []

    # on a phone the member management rows read as labelled lines and every control is big enough to hit
    olga.set_viewport_size({"width": 390, "height": 844})
    olga.goto(f"{base}/t/{slug}/moderation/members")
    row = olga.locator("tr", has_text="Lea Leaving")
    expect(row.get_by_role("link", name="Ban with branch…")).to_be_visible()
    assert "Muted until" in row.evaluate("r => [...r.cells].map(c => getComputedStyle(c, '::before').content).join(' ')")
    olga.evaluate(AXE)
    assert olga.evaluate(TARGET_SIZE) == []
    assert olga.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    # a member leaves from the tribe's leave page, after the dialog; the tribe is gone for her
    lea.goto(f"{base}/t/{slug}/leave")
    lea.get_by_role("button", name="Leave the tribe").click()
    dialog = lea.locator("dialog.confirm")
    expect(dialog).to_be_visible()
    dialog.locator("button[value=yes]").click()
    lea.wait_for_url(lambda url: "/leave" not in url)
    assert lea.goto(f"{base}/t/{slug}").status == 404
    members = olga.request.get(f"{base}/api/v1/tribes/{slug}/members").json()["items"]
    assert [m["user"]["display_name"] for m in members] == ["Olga Owner"]
    assert errors == []
