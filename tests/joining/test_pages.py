"""Pages: the public tribe page with "Ask to join", the members' list, the admins' queue, settings."""

from __future__ import annotations

import re

from tests.joining.conftest import ANSWERS, QUESTIONS, ask, queue


def form_token(client, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def page_text(client, path: str) -> str:
    """The page without its per-request CSRF tokens."""
    html = client.get(path).get_data(as_text=True)
    return re.sub(r'(csrf[-_]token"? (?:content|value)=")[^"]+', r"\1", html)


def test_directory_links_to_the_about_page_and_asking_works(make_user, open_tribe):
    tribe = open_tribe(name="Bookbinders")
    slug, outsider = tribe["slug"], make_user("Rae Requester")
    assert f'href="/t/{slug}/about"' in outsider.get("/directory").get_data(as_text=True)
    about = outsider.get(f"/t/{slug}/about").get_data(as_text=True)
    assert "Bookbinders" in about and "Ask to join" in about and all(q in about for q in QUESTIONS)
    token = form_token(outsider, f"/t/{slug}/about")
    empty = outsider.http.post(f"/t/{slug}/about", data={"csrf_token": token, "answer-0": "", "answer-1": ""})
    assert empty.status_code == 422
    sent = outsider.http.post(f"/t/{slug}/about", data={"csrf_token": token, "answer-0": ANSWERS[0],
                                                        "answer-1": ANSWERS[1], "message": "Hi"})
    assert sent.status_code == 303
    page = outsider.get(f"/t/{slug}/about").get_data(as_text=True)
    assert "Your request is with the admins" in page and "<textarea" not in page
    assert [r["answers"] for r in queue(tribe["owner"], slug)] == [ANSWERS]
    # members go to the tribe itself; secret tribes are 404
    assert tribe["owner"].get(f"/t/{slug}/about").status_code == 302
    tribe["owner"].patch(f"tribes/{slug}", {"visibility": "secret"})
    assert outsider.get(f"/t/{slug}/about").status_code == 404


def test_the_about_page_reads_the_same_after_a_decline(make_user, open_tribe):
    tribe = open_tribe()
    slug, outsider = tribe["slug"], make_user()
    rid = ask(outsider, slug).get_json()["id"]
    before = page_text(outsider, f"/t/{slug}/about")
    tribe["owner"].post(f"join-requests/{rid}/decline")
    ask(outsider, slug)
    assert page_text(outsider, f"/t/{slug}/about") == before


def test_members_vouch_and_admins_accept_from_the_pages(make_user, make_tribe, open_tribe):
    member, outsider = make_user("Mia Member"), make_user("Rae Requester")
    tribe = open_tribe(members=[member])
    owner, slug = tribe["owner"], tribe["slug"]
    make_tribe(owner, [outsider])
    rid = ask(outsider, slug, message="Mia knows me").get_json()["id"]
    assert "People asking to join" in member.get(f"/t/{slug}/members").get_data(as_text=True)
    listing = member.get(f"/t/{slug}/join-requests").get_data(as_text=True)
    assert "Rae Requester" in listing and "Mia knows me" in listing and ANSWERS[0] not in listing
    token = form_token(member, f"/t/{slug}/join-requests")
    assert member.http.post(f"/join-requests/{rid}/vouch", data={"csrf_token": token}).status_code == 302
    assert "you vouched" in member.get(f"/t/{slug}/join-requests").get_data(as_text=True)
    assert member.get(f"/t/{slug}/admin/join-requests").status_code == 403
    admin_tab = owner.get(f"/t/{slug}/admin").get_data(as_text=True)
    assert f"/t/{slug}/admin/join-requests" in admin_tab
    page = owner.get(f"/t/{slug}/admin/join-requests").get_data(as_text=True)
    assert ANSWERS[0] in page and "Mia Member" in page and "is in another of your tribes" in page
    token = form_token(owner, f"/t/{slug}/admin/join-requests")
    assert owner.http.post(f"/join-requests/{rid}/accept", data={"csrf_token": token}).status_code == 302
    assert "Rae Requester is now a member" in owner.get(f"/t/{slug}/admin/join-requests").get_data(as_text=True)
    assert outsider.get(f"/t/{slug}").status_code == 200


def test_admins_decline_from_the_queue(make_user, open_tribe):
    tribe = open_tribe()
    owner, slug = tribe["owner"], tribe["slug"]
    rid = ask(make_user(), slug).get_json()["id"]
    token = form_token(owner, f"/t/{slug}/admin/join-requests")
    assert owner.http.post(f"/join-requests/{rid}/decline", data={"csrf_token": token}).status_code == 302
    assert queue(owner, slug) == []


def test_settings_page_switches_requests_and_sets_questions(make_user, make_tribe):
    tribe = make_tribe(visibility="listed")
    owner, slug = tribe["owner"], tribe["slug"]
    token = form_token(owner, f"/t/{slug}/admin/joining")
    saved = owner.http.post(f"/t/{slug}/admin/joining", data={
        "csrf_token": token, "join_requests": "1", "question-0": "Why us?", "question-2": "What do you make?"})
    assert saved.status_code == 303
    got = owner.get(f"tribes/{slug}").get_json()
    assert (got["join_requests"], got["join_questions"]) == (True, ["Why us?", "What do you make?"])
    secret = make_tribe(owner)
    token = form_token(owner, f"/t/{secret['slug']}/admin/joining")
    refused = owner.http.post(f"/t/{secret['slug']}/admin/joining", data={"csrf_token": token, "join_requests": "1"})
    assert refused.status_code == 422
    assert "Only a listed tribe can take join requests" in refused.get_data(as_text=True)
    member = make_user()
    assert member.get(f"/t/{slug}/admin/joining").status_code == 404


def test_the_page_form_shares_the_api_limit(app, make_user, open_tribe):
    app.config["LIMIT_JOIN_REQUESTS_NEW"] = "1 per day"
    first, second = open_tribe(), open_tribe()
    outsider = make_user()
    assert ask(outsider, first["slug"]).status_code == 202
    token = form_token(outsider, f"/t/{second['slug']}/about")
    limited = outsider.http.post(f"/t/{second['slug']}/about", data={
        "csrf_token": token, "answer-0": "a", "answer-1": "b"})
    assert limited.status_code == 429
