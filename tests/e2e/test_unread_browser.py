"""Unread counts live: the "My tribes" badges count up while someone else posts and drop when
the chat is opened; and a German user sees German on every page of one journey."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from tests.e2e.test_chat_browser import _register
from tests.live_server import LiveServer


def _tribe_with(alice: Any, bob: Any, base: str, alice_csrf: str, bob_csrf: str, name: str) -> str:
    """Alice's tribe, Bob a member of it; returns the slug."""
    slug = alice.request.post(f"{base}/api/v1/tribes", data={"name": name},
                              headers={"X-CSRF-Token": alice_csrf}).json()["slug"]
    token = alice.request.post(f"{base}/api/v1/tribes/{slug}/invites", data={},
                               headers={"X-CSRF-Token": alice_csrf}).json()["token"]
    assert bob.request.post(f"{base}/api/v1/invites/{token}/accept", headers={"X-CSRF-Token": bob_csrf}).status == 200
    return slug


def _post(page: Any, base: str, csrf: str, slug: str, body: str, client_id: str) -> int:
    response = page.request.post(f"{base}/api/v1/tribes/{slug}/messages", data={"body": body, "client_id": client_id},
                                 headers={"X-CSRF-Token": csrf})
    assert response.status == 201, response.text()
    return int(response.json()["id"])


def test_unread_badges_count_up_live_and_drop_on_opening_the_chat(live_server: LiveServer, new_page: Any) -> None:
    base = live_server.url
    alice, bob = new_page(), new_page()
    alice_csrf = _register(alice, base, "alice-unread@example.test", "Alice")
    bob_csrf = _register(bob, base, "bob-unread@example.test", "Bob")
    slug = _tribe_with(alice, bob, base, alice_csrf, bob_csrf, "Unread club")
    quiet = _tribe_with(alice, bob, base, alice_csrf, bob_csrf, "Quiet club")
    errors: list[str] = []
    bob.on("pageerror", lambda e: errors.append(str(e)))
    bob.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    bob.goto(f"{base}/tribes")
    header = bob.locator("#nav-unread-messages")
    card = bob.locator("ul.cards h2", has=bob.locator(f"a[href$='/t/{slug}']")).locator(".badge")
    quiet_card = bob.locator("ul.cards h2", has=bob.locator(f"a[href$='/t/{quiet}']")).locator(".badge")
    expect(header).to_have_count(0)
    expect(card).to_have_count(0)
    bob.wait_for_function("() => window.tribesSocket && window.tribesSocket.connected")
    # a listener added after unread.js's: once it has heard a message, so has unread.js
    bob.evaluate("window.heard = []; window.tribesSocket.on('message', function (m) { window.heard.push(m.id); })")

    _post(alice, base, alice_csrf, slug, "first news", "u1")
    expect(header).to_have_text("1")                         # no reload
    expect(header).to_have_attribute("aria-label", "1 unread")
    expect(card).to_have_text("1")

    _post(bob, base, bob_csrf, slug, "my own words are never unread", "u-own")
    second = _post(alice, base, alice_csrf, slug, "second news", "u2")
    bob.wait_for_function(f"() => window.heard.indexOf({second}) >= 0")
    assert header.inner_text() == "2"                        # Bob's own message did not count
    assert card.inner_text() == "2"
    expect(quiet_card).to_have_count(0)                      # only the tribe that has news
    phone_copy = bob.locator("header.site details.menu a[href$='/tribes'] .badge")
    expect(phone_copy).to_have_text("2")                     # the phone menu's copy of the link too

    # opening the chat: the header badge shows the 2 until the read marker is stored, then nothing
    failed_once: list[str] = []

    def first_marker_fails(route: Any) -> None:
        if not failed_once:
            failed_once.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    bob.route(f"**/api/v1/tribes/{slug}/read", first_marker_fails)
    with bob.expect_event("requestfailed", lambda r: r.url.endswith(f"/tribes/{slug}/read")):
        bob.locator(f"ul.cards h2 a[href$='/t/{slug}']").click()
    expect(bob).to_have_url(f"{base}/t/{slug}")
    expect(bob.locator("#chat-messages")).to_contain_text("second news")
    expect(header).to_have_text("2")                         # not read yet: the marker failed
    bob.locator("#chat-log").dispatch_event("scroll")         # chat.js tries again
    expect(header).to_have_count(0)                          # no reload
    expect(bob.locator("header.site a[href$='/tribes'] .badge")).to_have_count(0)

    bob.goto(f"{base}/tribes")                               # the server agrees: all read
    expect(bob.locator("ul.cards .badge")).to_have_count(0)
    expect(header).to_have_count(0)
    assert [e for e in errors if "ERR_FAILED" not in e] == []   # the one marker aborted on purpose


#: the most common English words of our pages' UI; none may show on a German user's page
#: ("Chat", "Name" and "Tribes" are German too)
ENGLISH = [
    "My tribes", "Directory", "Notifications", "Settings", "Members", "Meetups", "Admin", "Log out", "Log in",
    "Save", "Send", "Search", "Menu", "Invite", "Report", "Cancel", "Delete", "Edit", "Skip to content",
    "Messages", "Password", "Language", "Time zone", "Connecting", "Connected", "unread", "members", "No messages",
    "Create a tribe", "Mark all as read", "Sessions", "Show", "you are", "Type a message", "mentioned you",
    "Yes", "Next", "Back", "Leave", "Profile", "Email",
]
ENGLISH_RE = re.compile(r"\b(" + "|".join(re.escape(w) for w in ENGLISH) + r")\b")

#: everything a person reads or hears on the page: visible text and the labels of controls
READABLE = """() => {
  const texts = [document.title, document.body.innerText];
  document.querySelectorAll('[aria-label], [placeholder], [title], input[type=submit][value]').forEach(el => {
    if (el.closest('[hidden]') || el.getClientRects().length === 0) { return; }
    ['aria-label', 'placeholder', 'title', 'value'].forEach(a => {
      if (el.hasAttribute(a) && (a !== 'value' || el.type === 'submit')) { texts.push(el.getAttribute(a)); }
    });
  });
  return texts.join('\\n');
}"""


def test_a_german_user_sees_german_everywhere(live_server: LiveServer, new_page: Any) -> None:
    base = live_server.url
    anna, bernd = new_page(), new_page()
    anna_csrf = _register(anna, base, "anna-de@example.test", "Anna")
    bernd_csrf = _register(bernd, base, "bernd-de@example.test", "Bernd")
    slug = _tribe_with(anna, bernd, base, anna_csrf, bernd_csrf, "Stammtisch Wien")
    assert bernd.request.patch(f"{base}/api/v1/me", data={"locale": "de"},
                               headers={"X-CSRF-Token": bernd_csrf}).status == 200
    _post(anna, base, anna_csrf, slug, "Servus @Bernd, kommst du am Donnerstag?", "de1")
    errors: list[str] = []
    bernd.on("pageerror", lambda e: errors.append(str(e)))
    bernd.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    seen: list[str] = []

    def check(expected_heading: str) -> None:
        expect(bernd.locator("html")).to_have_attribute("lang", "de")
        expect(bernd.locator("h1").first).to_contain_text(expected_heading)
        english = sorted(set(ENGLISH_RE.findall(bernd.evaluate(READABLE))))
        assert english == [], f"{bernd.url}: English words on a German page: {english}"
        seen.append(bernd.url)

    bernd.goto(f"{base}/")
    expect(bernd).to_have_url(f"{base}/tribes")
    check("Meine Tribes")
    expect(bernd.locator("#nav-unread-messages")).to_have_text("1")

    bernd.get_by_role("link", name="Stammtisch Wien").click()
    expect(bernd).to_have_url(f"{base}/t/{slug}")
    expect(bernd.locator("#chat-messages")).to_contain_text("kommst du am Donnerstag?")
    expect(bernd.locator("#chat-status")).not_to_have_text("")
    check("Stammtisch Wien")

    bernd.locator(f"a[href$='/t/{slug}/members']").first.click()
    expect(bernd).to_have_url(re.compile(rf"/t/{slug}/members"))
    expect(bernd.get_by_text("Anna").first).to_be_visible()
    check("Stammtisch Wien")

    bernd.locator("header.site nav.wide a[href$='/settings']").click()
    expect(bernd).to_have_url(f"{base}/settings")
    check("Einstellungen")

    bernd.locator("header.site nav.wide a[href$='/notifications']").click()
    expect(bernd).to_have_url(f"{base}/notifications")
    expect(bernd.get_by_text("Stammtisch Wien").first).to_be_visible()   # the mention, told in German
    check("Benachrichtigungen")

    assert len(seen) == 5
    assert errors == [], errors
