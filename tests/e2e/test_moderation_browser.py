"""Report a chat message, delete it from the admins' queue, watch it vanish live elsewhere."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.live_server import LiveServer

PASSWORD = "correct horse battery staple"
OFFENSIVE = "Buy cheap followers at spam.example"


def _register(page: Any, base: str, email: str, name: str) -> str:
    """Register through the page's own cookie jar; returns the CSRF token."""
    response = page.request.post(
        f"{base}/api/v1/auth/register",
        data={
            "email": email,
            "password": PASSWORD,
            "display_name": name,
        },
    )
    assert response.status == 201, response.text()
    return response.json()["csrf_token"]


def _join(owner: Any, owner_csrf: str, member: Any, member_csrf: str, base: str, slug: str) -> None:
    """The owner invites the member, who accepts."""
    token = owner.request.post(
        f"{base}/api/v1/tribes/{slug}/invites", data={}, headers={"X-CSRF-Token": owner_csrf}
    ).json()["token"]
    accepted = member.request.post(
        f"{base}/api/v1/invites/{token}/accept", headers={"X-CSRF-Token": member_csrf}
    )
    assert accepted.status == 200, accepted.text()


def test_reported_message_deleted_from_queue_disappears_live(
    live_server: LiveServer, new_page: Any
) -> None:
    base = live_server.url
    admin, ann, ben = new_page(), new_page(), new_page()
    admin_csrf = _register(admin, base, "owner-mod@example.test", "Olga")
    ann_csrf = _register(ann, base, "ann-mod@example.test", "Ann")
    ben_csrf = _register(ben, base, "ben-mod@example.test", "Ben")
    created = admin.request.post(
        f"{base}/api/v1/tribes",
        data={"name": "Moderated chat"},
        headers={"X-CSRF-Token": admin_csrf},
    )
    assert created.status == 201, created.text()
    slug = created.json()["slug"]
    _join(admin, admin_csrf, ann, ann_csrf, base, slug)
    _join(admin, admin_csrf, ben, ben_csrf, base, slug)

    for page in (ann, ben):
        page.goto(f"{base}/t/{slug}")
        expect(page.locator("#chat-status")).to_have_text("Connected.")

    ann.locator("#chat-input").fill(OFFENSIVE)
    ann.locator("#chat-send").click()
    own = ann.locator("#chat-messages li", has_text=OFFENSIVE)
    expect(own).to_have_count(1)
    expect(ann.locator("#chat-messages li.pending")).to_have_count(0)
    expect(own.locator(".chat-report")).to_have_count(0)  # nobody reports their own message

    seen = ben.locator("#chat-messages li", has_text=OFFENSIVE)
    expect(seen).to_have_count(1)
    message_id = seen.get_attribute("data-id")
    assert message_id

    # Ben reports it through the message's actions menu; sending brings him back to the chat.
    seen.get_by_role("button", name="Message actions").click()
    seen.get_by_role("link", name="Report this message").click()
    expect(ben.locator("body")).to_contain_text("You are reporting a message.")
    ben.locator("#reason").fill("Spam link")
    ben.get_by_role("button", name="Send report").click()
    expect(ben.locator("body")).to_contain_text("The admins will look at your report.")
    expect(ben.locator("#chat-status")).to_have_text("Connected.")
    expect(seen).to_have_count(1)
    ben.evaluate("window.stillTheSamePage = true")

    admin.goto(f"{base}/t/{slug}/moderation")
    item = admin.locator("li.report", has_text=OFFENSIVE)
    expect(item).to_have_count(1)
    expect(item).to_contain_text("Spam link")
    item.get_by_label("Delete the content").check()
    item.get_by_role("button", name="Resolve report").click()
    expect(admin.locator("body")).to_contain_text("Report resolved.")

    # Ben's open chat turns the message into a tombstone without a reload.
    tombstone = ben.locator(f'#chat-messages li[data-id="{message_id}"]')
    expect(tombstone).to_have_class("chat-message deleted")
    expect(tombstone).to_contain_text("message deleted")
    expect(tombstone).to_contain_text("Ann")
    expect(tombstone.locator(".chat-report")).to_have_count(0)
    expect(ben.locator("#chat-messages")).not_to_contain_text(OFFENSIVE)
    expect(ann.locator("#chat-messages")).not_to_contain_text(OFFENSIVE)
    assert ben.evaluate("window.stillTheSamePage === true")  # no reload happened
