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


def _people(alice: Any, bob: Any, carol: Any, base: str) -> tuple[str, dict[str, str]]:
    """Alice's tribe with Bob and Carol in it; returns the slug and everyone's CSRF token."""
    csrf = {
        "alice": _register(alice, base, "alice-reads@example.test", "Alice"),
        "bob": _register(bob, base, "bob-reads@example.test", "Bob"),
        "carol": _register(carol, base, "carol-reads@example.test", "Carol"),
    }
    slug = alice.request.post(f"{base}/api/v1/tribes", data={"name": "Reading club"},
                              headers={"X-CSRF-Token": csrf["alice"]}).json()["slug"]
    for name, page in (("bob", bob), ("carol", carol)):
        token = alice.request.post(f"{base}/api/v1/tribes/{slug}/invites", data={},
                                   headers={"X-CSRF-Token": csrf["alice"]}).json()["token"]
        assert page.request.post(f"{base}/api/v1/invites/{token}/accept",
                                 headers={"X-CSRF-Token": csrf[name]}).status == 200
    return slug, csrf


def _post(page: Any, base: str, slug: str, csrf: str, body: str) -> dict[str, Any]:
    response = page.request.post(f"{base}/api/v1/tribes/{slug}/messages",
                                 data={"body": body, "client_id": body[:60]}, headers={"X-CSRF-Token": csrf})
    assert response.status == 201, response.text()
    return response.json()


def test_chat_reads_well(live_server: LiveServer, new_page: Any) -> None:
    base = live_server.url
    alice, bob, carol = new_page(), new_page(), new_page()
    slug, csrf = _people(alice, bob, carol, base)
    carol_id = carol.request.get(f"{base}/api/v1/me").json()["id"]
    assert bob.request.post(f"{base}/api/v1/blocks", data={"user_id": carol_id},
                            headers={"X-CSRF-Token": csrf["bob"]}).status in (200, 201)
    _post(alice, base, slug, csrf["alice"], "Slides: https://example.org/deck?x=1. Not a link: javascript:alert(1)")
    _post(carol, base, slug, csrf["carol"], "something Bob does not want to read")
    mine = _post(bob, base, slug, csrf["bob"], "typo in here")
    dialogs: list[str] = []
    bob.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    errors: list[str] = []
    bob.on("pageerror", lambda e: errors.append(str(e)))

    bob.goto(f"{base}/t/{slug}")
    expect(bob.locator("#chat-status")).to_have_text("Connected.")
    # links: clickable, safe, only http(s)
    link = bob.locator("#chat-messages a.chat-link")
    expect(link).to_have_count(1)
    expect(link).to_have_attribute("href", "https://example.org/deck?x=1")
    expect(link).to_have_attribute("rel", "noopener nofollow ugc")
    assert link.get_attribute("target") is None
    assert bob.locator("#chat-messages a[href^='javascript']").count() == 0
    expect(bob.locator("#chat-messages")).to_contain_text("javascript:alert(1)")
    # a day separator with today's date, in the browser's calendar
    day = bob.locator("#chat-messages li.chat-day")
    expect(day).to_have_count(1)
    year = bob.evaluate("new Date().getFullYear()")
    expect(day).to_contain_text(str(year))
    # the blocked person's message is collapsed until I ask to see it
    carols = bob.locator("#chat-messages li.chat-message", has_text="someone you blocked")
    expect(carols).to_have_count(1)
    expect(bob.locator("#chat-messages")).not_to_contain_text("something Bob does not want")
    carols.get_by_role("button", name="Show").click()
    expect(bob.locator("#chat-messages")).to_contain_text("something Bob does not want to read")

    # edit in place through the message's actions menu (no prompt)
    item = bob.locator(f"#message-{mine['id']}")
    item.get_by_role("button", name="Message actions").click()
    item.get_by_role("button", name="Edit").click()
    editor = item.locator("textarea")
    expect(editor).to_be_focused()
    editor.fill("no typo any more")
    item.get_by_role("button", name="Save").click()
    expect(item).to_contain_text("no typo any more")
    expect(item).to_contain_text("(edited)")
    expect(item.locator("textarea")).to_have_count(0)
    expect(alice.locator("body")).to_be_visible()
    # others' messages offer Report, not Edit
    first = bob.locator("#chat-messages li.chat-message").first
    first.get_by_role("button", name="Message actions").click()
    expect(first.get_by_role("link", name="Report this message")).to_be_visible()
    expect(first.get_by_role("button", name="Edit")).to_have_count(0)
    bob.keyboard.press("Escape")
    assert dialogs == [] and errors == []

    # keyboard: the skip link jumps to the message box, and Tab gets there in a few presses
    bob.goto(f"{base}/t/{slug}")
    expect(bob.locator("#chat-status")).to_have_text("Connected.")
    # one actions button in the tab order however many messages there are (arrow keys move between them)
    expect(bob.locator(".chat-menu-button")).to_have_count(2)
    expect(bob.locator(".chat-menu-button[tabindex='0']")).to_have_count(1)
    bob.locator("#chat-skip").focus()
    visited = []
    for _ in range(6):
        bob.keyboard.press("Tab")
        visited.append(bob.evaluate("document.activeElement.className || document.activeElement.id"))
        if bob.evaluate("document.activeElement.id") == "chat-input":
            break
    # the log, the one link, the Show button, the one actions button, the message box
    assert visited[-1] == "chat-input" and len(visited) <= 5, visited
    bob.locator("#chat-skip").focus()
    bob.keyboard.press("Enter")
    assert bob.evaluate("document.activeElement.id") == "chat-input"


def test_read_state_divider_and_read_marker(live_server: LiveServer, new_page: Any) -> None:
    """With data-last-read / data-read-url on the section (the read-state feature adds them), the
    chat shows "New messages" before the first unread one and reports the newest one it shows."""
    import json

    base = live_server.url
    alice, bob, carol = new_page(), new_page(), new_page()
    slug, csrf = _people(alice, bob, carol, base)
    first = _post(alice, base, slug, csrf["alice"], "read already")
    _post(alice, base, slug, csrf["alice"], "not read yet")
    newest = _post(carol, base, slug, csrf["carol"], "also new")
    posted: list[Any] = []

    def record(route: Any) -> None:
        posted.append(json.loads(route.request.post_data or "{}"))
        route.fulfill(status=204, body="")

    # the attributes are set on the section as the parser adds it, before chat.js runs
    bob.add_init_script(
        "new MutationObserver(function (records, observer) {"
        "  var chat = document.getElementById('chat');"
        f"  if (chat) {{ chat.dataset.lastRead = '{first['id']}'; chat.dataset.readUrl = '/fake-read'; observer.disconnect(); }}"
        "}).observe(document, { childList: true, subtree: true });"
    )
    bob.route(f"{base}/fake-read", record)
    bob.goto(f"{base}/t/{slug}")
    expect(bob.locator("#chat-status")).to_have_text("Connected.")
    divider = bob.locator("#chat-messages li.chat-new")
    expect(divider).to_have_text("New messages")
    following = bob.locator("#chat-messages li.chat-new + li")
    expect(following).to_contain_text("not read yet")
    for _ in range(50):
        if posted:
            break
        bob.wait_for_timeout(100)
    assert posted and posted[-1] == {"message_id": newest["id"]}
