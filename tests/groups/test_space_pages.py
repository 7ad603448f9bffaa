"""A tribe is a space: Chat (default), Meet-ups, Members, Invite and Admin tabs, each with the
tribe's name and description and an empty state that says what to do next."""

from __future__ import annotations

import re
from typing import Any

from tests.groups.test_read_state import post


def html(member: Any, path: str, status: int = 200) -> str:
    response = member.http.get(path)
    assert response.status_code == status, (path, response.status_code)
    return str(response.get_data(as_text=True))


def tabs(page: str) -> dict[str, str]:
    """The tab bar: label → link (the current tab marked with a trailing *)."""
    bar = page.split('class="space-tabs"', 1)[1].split("</nav>", 1)[0]
    found = re.findall(r'<a href="([^"]+)"( aria-current="page")?>([^<]+)</a>', bar)
    return {label + ("*" if current else ""): href for href, current, label in found}


def test_member_and_admin_see_the_tabs_they_may_use(make_user: Any, make_tribe: Any) -> None:
    member = make_user()
    tribe = make_tribe(members=[member], name="Rhein Runners", description="We run along the river.")
    slug, owner = tribe["slug"], tribe["owner"]
    chat = html(member, f"/t/{slug}")
    assert "Rhein Runners" in chat and "We run along the river." in chat
    assert tabs(chat) == {"Chat*": f"/t/{slug}", "Meetups": f"/t/{slug}/meetups",
                          "Announcements": f"/t/{slug}/announcements", "Members": f"/t/{slug}/members"}
    admin_tabs = tabs(html(owner, f"/t/{slug}"))
    assert admin_tabs["Invite"] == f"/t/{slug}/invites" and admin_tabs["Admin"] == f"/t/{slug}/admin"
    # the Admin tab holds the moderation pages; members are refused it
    admin = html(owner, f"/t/{slug}/admin")
    assert "Admin*" in tabs(admin) and f"/t/{slug}/moderation" in admin and f"/t/{slug}/invites" in admin
    assert "We run along the river." in admin
    html(member, f"/t/{slug}/admin", 403)
    html(member, f"/t/{slug}/invites", 403)
    # the meet-ups page of the tribe shows the same tab bar, with Meet-ups current
    meetups = html(owner, f"/t/{slug}/meetups")
    assert tabs(meetups)["Meetups*"] == f"/t/{slug}/meetups" and "Admin" in tabs(meetups)
    assert "Admin" not in tabs(html(member, f"/t/{slug}/meetups"))
    for path in ("/admin", "/members", "/invites", ""):
        assert make_user().http.get(f"/t/{slug}{path}").status_code == 404  # outsiders: hidden


def test_chat_tab_carries_the_read_marker_for_the_script(make_user: Any, make_tribe: Any) -> None:
    member = make_user()
    tribe = make_tribe(members=[member])
    slug, owner = tribe["slug"], tribe["owner"]
    empty = html(member, f"/t/{slug}")
    assert 'data-last-read="0"' in empty and f'data-read-url="/api/v1/tribes/{slug}/read"' in empty
    assert "No messages yet. Say hello" in empty and 'id="chat-form"' in empty
    message = post(owner, slug)
    assert member.post(f"tribes/{slug}/read", {"message_id": message}).status_code == 204
    after = html(member, f"/t/{slug}")
    assert f'data-last-read="{message}"' in after and "No messages yet" not in after


def test_members_tab_searches_by_name_and_pages(make_user: Any, make_tribe: Any, monkeypatch: Any) -> None:
    from tribes.groups import views

    people = [make_user(name) for name in ("Anna Schmidt", "Bernd Müller", "Anneliese Roth", "100% Carla")]
    tribe = make_tribe(members=people)
    slug, owner = tribe["slug"], tribe["owner"]
    names = lambda page: re.findall(r'<a class="member-name" href="/u/\d+">([^<]*)</a>', page)  # noqa: E731
    assert names(html(owner, f"/t/{slug}/members?q=ann")) == ["Anna Schmidt", "Anneliese Roth"]
    assert names(html(owner, f"/t/{slug}/members?q=%25")) == ["100% Carla"]  # % is a letter, not a wildcard
    nobody = html(owner, f"/t/{slug}/members?q=Zoe")
    assert names(nobody) == [] and "Nobody here is called “Zoe”" in nobody

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    first = html(owner, f"/t/{slug}/members")
    assert len(names(first)) == 2
    seen = names(first)
    link = re.search(r'href="([^"]+)" rel="next"', first)
    while link:
        page = html(owner, link.group(1).replace("&amp;", "&"))
        seen += names(page)
        link = re.search(r'href="([^"]+)" rel="next"', page)
    assert len(seen) == 5 and len(set(seen)) == 5
    # paging keeps the search
    searched = html(owner, f"/t/{slug}/members?q=ann")
    more = re.search(r'href="([^"]+)" rel="next"', searched)
    assert more is None or "q=ann" in more.group(1)


def test_empty_states_say_what_to_do_next(make_user: Any, make_tribe: Any) -> None:
    tribe = make_tribe()
    slug, owner = tribe["slug"], tribe["owner"]
    members = html(owner, f"/t/{slug}/members")
    assert "You are the only member so far." in members and f'href="/t/{slug}/invites"' in members
    invites = html(owner, f"/t/{slug}/invites")
    assert "No invites yet." in invites and "Create invite link" in invites
    meetups = html(owner, f"/t/{slug}/meetups")
    assert f'href="/t/{slug}/meetups/new"' in meetups  # an organiser is offered to schedule one


def test_revoking_an_invite_asks_first_and_the_tab_has_no_inline_code(make_user: Any, make_tribe: Any) -> None:
    tribe = make_tribe()
    slug, owner = tribe["slug"], tribe["owner"]
    assert owner.post(f"tribes/{slug}/invites", {}).status_code == 201
    invites = html(owner, f"/t/{slug}/invites")
    assert 'data-confirm="Revoke this invite?' in invites
    for path in (f"/t/{slug}/invites", f"/t/{slug}/members", f"/t/{slug}/admin", "/tribes"):
        page = html(owner, path)
        assert not re.search(r"\son[a-z]+=", page) and ' style="' not in page, path


def test_tabs_read_in_german(make_user: Any, make_tribe: Any) -> None:
    member = make_user()
    tribe = make_tribe(members=[member])
    assert member.patch("me", {"locale": "de"}).status_code == 200
    page = html(member, f"/t/{tribe['slug']}/members")
    assert set(tabs(page)) == {"Chat", "Treffen", "Ankündigungen", "Mitglieder*"}
    assert "Mitglieder (2)" in page and "Nach Namen suchen" in page


def test_a_new_member_reads_from_when_they_may_invite(make_user: Any, make_tribe: Any) -> None:
    owner, newcomer = make_user(), make_user()
    tribe = make_tribe(owner=owner, members=[newcomer], invite_policy="members")  # 24 new-member hours by default
    page = newcomer.get(f"/t/{tribe['slug']}/members").get_data(as_text=True)
    assert 'id="invite-from"' in page
    assert newcomer.get(f"/t/{tribe['slug']}/invites").status_code == 403
    assert 'id="invite-from"' not in owner.get(f"/t/{tribe['slug']}/members").get_data(as_text=True)
