"""The way in for a stranger, in the browser: find a listed tribe in the directory, register,
answer its questions, a member vouches, an admin accepts, and the newcomer appears in the
invite tree under the member who vouched."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.e2e.test_chat_browser import _register
from tests.live_server import LiveServer

PASSWORD = "correct horse battery staple"


def test_directory_to_invite_tree(live_server: LiveServer, new_page: Any) -> None:
    base = live_server.url
    owner, member, stranger = new_page(), new_page(), new_page()
    owner_csrf = _register(owner, base, "olga-journey@example.test", "Olga Owner")
    member_csrf = _register(member, base, "mia-journey@example.test", "Mia Member")
    created = owner.request.post(f"{base}/api/v1/tribes", data={"name": "Podcast Makers", "visibility": "listed"},
                                 headers={"X-CSRF-Token": owner_csrf})
    slug = created.json()["slug"]
    setup = owner.request.patch(f"{base}/api/v1/tribes/{slug}", data={
        "join_requests": True, "join_questions": ["What do you make?", "Who do you know here?"],
    }, headers={"X-CSRF-Token": owner_csrf})
    assert setup.status == 200, setup.text()
    token = owner.request.post(f"{base}/api/v1/tribes/{slug}/invites", data={},
                               headers={"X-CSRF-Token": owner_csrf}).json()["token"]
    assert member.request.post(f"{base}/api/v1/invites/{token}/accept", headers={"X-CSRF-Token": member_csrf}).ok

    # the stranger registers on the page and finds the tribe in the directory
    stranger.goto(f"{base}/register")
    stranger.get_by_label("Display name").fill("Sam Stranger")
    stranger.get_by_label("E-mail").fill("sam-journey@example.test")
    stranger.get_by_label("Password").fill(PASSWORD)
    stranger.get_by_role("button", name="Create account").click()
    stranger.goto(f"{base}/directory")
    stranger.get_by_role("link", name="Podcast Makers").click()
    expect(stranger).to_have_url(f"{base}/t/{slug}/about")
    stranger.get_by_label("What do you make?").fill("A weekly show about local radio history")
    stranger.get_by_label("Who do you know here?").fill("Mia, from the audio meet-up")
    stranger.get_by_role("button", name="Ask to join").click()
    expect(stranger.locator("#join-asked")).to_be_visible()

    # a member vouches
    member.goto(f"{base}/t/{slug}/join-requests")
    expect(member.get_by_text("Sam Stranger")).to_be_visible()
    member.get_by_role("button", name="I know this person").click()
    expect(member.get_by_text("you vouched", exact=True)).to_be_visible()

    # the admin sees the answers and the vouch, and accepts
    owner.goto(f"{base}/t/{slug}/admin/join-requests")
    expect(owner.get_by_text("A weekly show about local radio history")).to_be_visible()
    expect(owner.get_by_text("Vouched for by: Mia Member")).to_be_visible()
    owner.get_by_role("button", name="Accept").click()

    # the newcomer is in, under the member who vouched
    owner.goto(f"{base}/t/{slug}/moderation/invite-tree")
    sam = owner.locator("xpath=//li[starts-with(normalize-space(.), 'Sam Stranger')]")
    expect(sam).to_have_count(1)
    parent = sam.locator("xpath=../..")    # li > ul > li: the node Sam hangs under
    assert parent.inner_text().strip().startswith("Mia Member")
    stranger.goto(f"{base}/t/{slug}")
    expect(stranger).to_have_url(f"{base}/t/{slug}")
    expect(stranger.locator("h1")).to_contain_text("Podcast Makers")
