"""My tribes, create, the tribe's members and invites tabs, the invite landing page and the directory."""

from __future__ import annotations

import re
from typing import Any

from tests.pages.conftest import PASSWORD, flashes


def create(page: Any, name: str, **fields: str) -> Any:
    """Create a tribe through the form; returns the response."""
    return page.submit("/tribes/new", {"name": name, **fields})


def new_invite_link(page: Any, slug: str, **fields: str) -> str:
    """Create an invite on the tribe's invites tab and read the link shown once."""
    response = page.submit(f"/t/{slug}/invites", fields, action=f"/t/{slug}/invites")
    assert response.status_code == 302, response.get_data(as_text=True)
    html = page.get(f"/t/{slug}/invites").get_data(as_text=True)
    found = re.search(r'id="new-invite-link" readonly value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def member_names(page: Any, slug: str) -> list[str]:
    """Names in the member list of the tribe's members tab."""
    return names_in(page.get(f"/t/{slug}/members").get_data(as_text=True))


def names_in(html: str) -> list[str]:
    """Names in a members tab's list."""
    return re.findall(r'<a class="member-name" href="/u/\d+">([^<]*)</a>', html)


def test_create_tribe_and_see_it_in_my_tribes(person: Any) -> None:
    owner = person("Olga")
    response = create(owner, "Berlin Makers", description="We make things.", visibility="listed")
    assert response.status_code == 302 and response.location == "/t/berlin-makers"
    home = owner.get("/t/berlin-makers")
    assert "“Berlin Makers” is ready. Invite the first members." in flashes(home)
    assert member_names(owner, "berlin-makers") == ["Olga"]
    mine = owner.get("/tribes").get_data(as_text=True)
    assert "Berlin Makers" in mine and "you are owner" in mine and 'href="/directory"' in mine


def test_create_tribe_errors_are_flashed(person: Any) -> None:
    owner = person()
    assert create(owner, "Taken", slug="taken-slug").status_code == 302
    again = create(owner, "Other", slug="taken-slug")
    assert again.status_code == 422
    assert "Please correct the marked fields." in flashes(again)
    assert "This slug is taken." in again.get_data(as_text=True)
    empty = create(owner, "   ")
    assert empty.status_code == 422 and "Use 1 to 120 characters." in empty.get_data(as_text=True)
    bad = create(owner, "Bad", slug="No Spaces!", visibility="public")
    assert bad.status_code == 422
    assert len(owner.get("/tribes").get_data(as_text=True).split('class="card"')) == 2


def _without_csrf(html: str) -> str:
    return re.sub(r'(name="csrf-token" content|name="csrf_token" value)="[^"]*"', r'\1=""', html)


def test_secret_tribe_page_is_404_for_outsiders_like_a_missing_one(person: Any) -> None:
    owner, outsider = person("Owner"), person("Outsider")
    create(owner, "Hidden Circle", slug="hidden-circle")
    outsider.get("/tribes")  # shows (and so consumes) the welcome message
    secret = outsider.get("/t/hidden-circle")
    missing = outsider.get("/t/never-existed")
    assert secret.status_code == missing.status_code == 404
    # the CSRF token carries the second it was signed in: two requests may straddle a second
    assert _without_csrf(secret.get_data(as_text=True)) == _without_csrf(missing.get_data(as_text=True))
    assert b"Hidden Circle" not in secret.get_data()
    posted = outsider.submit("/tribes", {}, action="/t/hidden-circle/invites")
    assert posted.status_code == 404
    listed_outsider = outsider.get("/directory").get_data(as_text=True)
    assert "Hidden Circle" not in listed_outsider


def test_invite_landing_registers_and_joins_in_one_step(person: Any, make_page_client: Any) -> None:
    owner = person("Olga Owner")
    create(owner, "Join Us", slug="join-us")
    link = new_invite_link(owner, "join-us", max_uses="1", expires_in_hours="24")
    path = link.removeprefix("http://localhost")
    visitor = make_page_client()
    landing = visitor.get(path)
    assert landing.status_code == 200
    html = landing.get_data(as_text=True)
    assert "You are invited to Join Us" in html and "invited by Olga Owner" in html
    bad = visitor.submit(path, {"display_name": "Vic", "email": "vic@pages.test", "password": "short"})
    assert bad.status_code == 422 and "Please correct the marked fields." in flashes(bad)
    joined = visitor.submit(path, {"display_name": "Vic Visitor", "email": "vic@pages.test", "password": PASSWORD})
    assert joined.status_code == 302 and joined.location == "/t/join-us"
    assert "Welcome to Join Us!" in flashes(visitor.get("/t/join-us"))
    assert member_names(visitor, "join-us") == ["Olga Owner", "Vic Visitor"]
    used_up = make_page_client().get(path)
    assert used_up.status_code == 404 and "This invite cannot be used" in used_up.get_data(as_text=True)


def test_logged_in_people_join_and_people_with_an_account_log_in_and_come_back(person: Any, make_page_client: Any) -> None:
    owner, alice = person("Owner"), person("Alice")
    create(owner, "Two Ways", slug="two-ways")
    path = new_invite_link(owner, "two-ways", max_uses="5").removeprefix("http://localhost")
    page = alice.get(path)
    assert "Join Two Ways" in page.get_data(as_text=True)
    assert alice.submit(path, {}).location == "/t/two-ways"
    assert alice.get(path).location == "/t/two-ways"  # already a member: straight to the tribe

    person("Bert")  # person3@pages.test, has an account but is logged out in this browser
    bert = make_page_client()
    landing = bert.get(path).get_data(as_text=True)
    assert f'href="/login?next={path}"' in landing
    back = bert.submit(f"/login?next={path}", {"email": "person3@pages.test", "password": PASSWORD, "next": path})
    assert back.location == path
    assert bert.submit(path, {}).location == "/t/two-ways"
    assert member_names(owner, "two-ways") == ["Owner", "Alice", "Bert"]


def test_invite_management_list_and_revoke(person: Any, make_page_client: Any) -> None:
    owner = person("Owner")
    create(owner, "Managed", slug="managed")
    path = new_invite_link(owner, "managed", max_uses="3").removeprefix("http://localhost")
    home = owner.get("/t/managed/invites").get_data(as_text=True)
    assert "Used 0 of 3" in home and "active" in home
    assert 'id="new-invite-link"' not in home  # the link is shown once only
    invite_id = re.search(r'/t/managed/invites/(\d+)/revoke', home).group(1)
    revoked = owner.submit("/t/managed/invites", {}, action=f"/t/managed/invites/{invite_id}/revoke")
    assert revoked.status_code == 302
    after = owner.get("/t/managed/invites")
    assert "Invite revoked." in flashes(after) and "revoked" in after.get_data(as_text=True)
    assert make_page_client().get(path).status_code == 404

    refused = owner.submit("/t/managed/invites", {"max_uses": "0"}, action="/t/managed/invites")
    assert refused.status_code == 302
    assert any(m.startswith("Uses:") for m in flashes(owner.get("/t/managed/invites")))


def test_members_do_not_manage_invites_under_the_admins_policy(person: Any, make_page_client: Any) -> None:
    owner, member = person("Owner"), person("Member")
    create(owner, "Strict", slug="strict")
    path = new_invite_link(owner, "strict").removeprefix("http://localhost")
    member.submit(path, {})
    home = member.get("/t/strict").get_data(as_text=True)
    assert "Create invite link" not in home and 'href="/t/strict/invites"' not in home
    assert member.get("/t/strict/invites").status_code == 403
    refused = member.submit("/t/strict", {}, action="/t/strict/invites")
    assert refused.status_code == 302
    after = member.get("/t/strict")
    assert len(flashes(after)) == 1 and 'class="flash error"' in after.get_data(as_text=True)
    assert 'id="new-invite-link"' not in after.get_data(as_text=True)
    assert owner.get("/t/strict/invites").get_data(as_text=True).count("Used 1 of 1") == 1  # only the used one


def test_directory_lists_only_listed_tribes(person: Any) -> None:
    owner, reader = person("Owner"), person("Reader")
    create(owner, "Open House", visibility="listed", description="Say hello.")
    create(owner, "Back Room")
    html = reader.get("/directory").get_data(as_text=True)
    assert "Open House" in html and "Say hello." in html and "1 member" in html
    assert "Back Room" not in html
    assert 'href="/t/open-house"' not in html  # not a member: no link into the tribe
    assert 'href="/t/open-house"' in owner.get("/directory").get_data(as_text=True)


def test_pages_need_login(make_page_client: Any) -> None:
    page = make_page_client()
    for path in ("/tribes", "/tribes/new", "/directory", "/t/anything"):
        response = page.get(path)
        assert response.status_code == 302 and "/login?next=" in response.location, path
    assert page.get("/invite/not-a-real-token").status_code == 404


def test_tribe_home_and_directory_run_a_bounded_number_of_queries(
    person: Any, make_user: Any, make_tribe: Any, count_queries: Any
) -> None:
    owner = person("Owner")
    create(owner, "Counted", slug="counted", visibility="listed")

    def queries(path: str) -> int:
        response, statements = count_queries.measure(lambda: owner.get(path))
        assert response.status_code == 200
        return statements

    few_home, few_members, few_directory = queries("/t/counted"), queries("/t/counted/members"), queries("/directory")
    for n in range(6):
        path = new_invite_link(owner, "counted").removeprefix("http://localhost")
        owner.get("/t/counted")
        joiner = make_user(f"Joiner {n}")
        assert joiner.post(f"invites/{path.rsplit('/', 1)[1]}/accept").status_code == 200
        make_tribe(joiner, visibility="listed")
    assert queries("/t/counted") == few_home
    assert queries("/t/counted/members") == few_members
    assert queries("/directory") == few_directory


def test_long_member_lists_and_directories_are_paged(monkeypatch: Any, person: Any, make_user: Any) -> None:
    from tribes.groups import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    owner = person("Owner")
    create(owner, "Paged", slug="paged", visibility="listed", invite_policy="members")
    path = new_invite_link(owner, "paged", max_uses="5").removeprefix("http://localhost")
    for n in range(3):
        joiner = make_user(f"Joiner {n}")
        assert joiner.post(f"invites/{path.rsplit('/', 1)[1]}/accept").status_code == 200
        assert joiner.post("tribes", {"name": f"Listed {n}", "visibility": "listed"}).status_code == 201
    first = owner.get("/t/paged/members").get_data(as_text=True)
    assert names_in(first) == ["Owner", "Joiner 0"]
    more = re.search(r'href="(/t/paged/members\?cursor=[^"]+)" rel="next"', first).group(1)
    second = owner.get(more.replace("&amp;", "&")).get_data(as_text=True)
    assert names_in(second) == ["Joiner 1", "Joiner 2"]
    assert 'rel="next"' not in second
    seen: list[str] = []
    page_path: str | None = "/directory"
    while page_path:
        html = owner.get(page_path).get_data(as_text=True)
        seen += re.findall(r"<h2>(?:<a [^>]*>)?([^<]+)", html)
        found = re.search(r'href="(/directory\?cursor=[^"]+)" rel="next"', html)
        page_path = found.group(1) if found else None
    assert seen == ["Paged", "Listed 0", "Listed 1", "Listed 2"]
    assert owner.get("/directory?cursor=garbage").status_code == 422
