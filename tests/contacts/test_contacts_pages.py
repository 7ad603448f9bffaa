"""Pages: contacts page, profile page actions, and bounded queries for the lists."""

from __future__ import annotations

import re


def form_token(client, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def test_profile_page_request_accept_and_block(make_user, make_tribe):
    a, b = make_user("Ada"), make_user("Bo")
    make_tribe(a, [b])
    profile = a.get(f"/u/{b.user['id']}").get_data(as_text=True)
    assert "Send contact request" in profile and "Block" in profile
    token = form_token(a, f"/u/{b.user['id']}")
    sent = a.http.post(f"/u/{b.user['id']}/request", data={"csrf_token": token, "message": "hi"})
    assert sent.status_code == 302
    assert "Contact request sent" in a.get(f"/u/{b.user['id']}").get_data(as_text=True)
    contacts_page = b.get("/contacts").get_data(as_text=True)
    assert "Ada" in contacts_page and "Accept" in contacts_page
    rid = b.get("contacts/requests/incoming").get_json()["items"][0]["id"]
    token_b = form_token(b, "/contacts")
    assert b.http.post(f"/contacts/requests/{rid}/accept", data={"csrf_token": token_b}).status_code == 302
    assert "Contact" in b.get(f"/u/{a.user['id']}").get_data(as_text=True)
    assert b.http.post(f"/u/{a.user['id']}/block", data={"csrf_token": token_b}).status_code == 302
    assert b.get("contacts").get_json()["items"] == []
    assert "Unblock" in b.get("/contacts").get_data(as_text=True)
    assert a.get("/u/999999").status_code == 404


def test_page_requests_share_the_api_rate_limit(app, make_user, make_tribe):
    app.config["LIMIT_CONTACT_REQUESTS_NEW"] = "1 per day"
    a, b, c = make_user(), make_user(), make_user()
    make_tribe(a, [b, c])
    assert a.post("contacts/requests", {"user_id": b.user["id"]}).status_code == 202
    token = form_token(a, f"/u/{c.user['id']}")
    limited = a.http.post(f"/u/{c.user['id']}/request", data={"csrf_token": token})
    assert limited.status_code == 429


def test_lists_run_a_bounded_number_of_queries(make_user, make_tribe, count_queries):
    me = make_user()
    others = [make_user() for _ in range(6)]
    make_tribe(me, others)
    for other in others[:3]:
        rid = other.post("contacts/requests", {"user_id": me.user["id"]}).get_json()["id"]
        me.post(f"contacts/requests/{rid}/accept")
    for other in others[3:]:
        other.post("contacts/requests", {"user_id": me.user["id"]})
    me.post("blocks", {"user_id": others[5].user["id"]})
    counts = {}
    for path in ("contacts", "contacts/requests/incoming", "contacts/requests/outgoing", "blocks"):
        response, counts[path] = count_queries.measure(lambda p=path: me.get(p))
        assert response.status_code == 200
    assert max(counts.values()) <= 4, counts


def test_contacts_page_next_never_leaves_the_site(make_user, make_tribe):
    a = make_user("Ada")
    targets = ("/\t/evil.example", "/\\evil.example", "//evil.example", "https://evil.example",
               "/%09/evil.example", "/\r\n/evil.example")
    others = [make_user(f"Other {n}") for n in range(len(targets))]
    make_tribe(a, others)
    for victim, target in zip(others, targets, strict=True):
        token = form_token(a, "/contacts")
        response = a.http.post(f"/u/{victim.user['id']}/block", data={"csrf_token": token, "next": target})
        assert response.status_code == 302
        assert response.location == "/contacts", repr(target)
    token = form_token(a, "/contacts")
    back = a.http.post(f"/blocks/{victim.user['id']}/remove", data={"csrf_token": token, "next": f"/u/{victim.user['id']}"})
    assert back.location == f"/u/{victim.user['id']}"


def test_contacts_page_links_to_the_next_page(monkeypatch, make_user, make_tribe):
    from tribes.contacts import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    me = make_user()
    others = [make_user(f"Friend {n}") for n in range(3)]
    make_tribe(me, others)
    for other in others:
        rid = other.post("contacts/requests", {"user_id": me.user["id"]}).get_json()["id"]
        me.post(f"contacts/requests/{rid}/accept")
    first = me.get("/contacts").get_data(as_text=True)
    assert "Friend 2" in first and "Friend 1" in first and "Friend 0" not in first
    link = re.search(r'<a href="([^"]+)" rel="next">More contacts</a>', first)
    assert link is not None
    rest = me.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert "Friend 0" in rest and "Friend 2" not in rest and "More contacts" not in rest
    assert "More requests" not in first and "More blocked" not in first
