"""Pages of direct messages: inbox with unread counts and requests apart, a conversation, new conversation, "Message" on a profile."""

from __future__ import annotations

import re

from tests.dm.helpers import befriend, say, start


def form_token(client, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def test_inbox_lists_conversations_with_unread_and_requests_apart(make_user, make_tribe):
    ana, ben, sam = make_user("Ana Page"), make_user("Ben Page"), make_user("Sam Stranger")
    befriend(ana, ben, make_tribe)
    conv = start(ben, ana, body="hello from Ben")
    make_tribe(sam, [ana])
    req = sam.post("conversations", {"user_ids": [ana.user["id"]],
                                     "message": {"body": "a question from Sam", "client_id": "q"}}).get_json()
    page = ana.get("/messages").get_data(as_text=True)
    conversations, requests = page.split('id="requests-h"')
    assert "Ben Page" in conversations and "hello from Ben" in conversations and 'aria-label="1 unread"' in conversations
    assert "Sam Stranger" in requests and "a question from Sam" in requests and "Accept" in requests
    assert "Sam Stranger" not in conversations
    # the header shows my unread direct messages
    assert re.search(r'href="/messages">Messages <span class="badge" aria-label="1 unread">1</span>', page)
    # accept from the page
    token = form_token(ana, "/messages")
    assert ana.http.post(f"/messages/{req['id']}/accept", data={"csrf_token": token}).status_code == 302
    assert [c["id"] for c in ana.get("conversations").get_json()["items"]] == [req["id"], conv["id"]]


def test_conversation_page_uses_the_chat_component(make_user, make_tribe):
    ana, ben, eve = make_user("Ana"), make_user("Ben"), make_user("Eve")
    befriend(ana, ben, make_tribe)
    conv = start(ana, ben, body="hi")
    html = ben.get(f"/messages/{conv['id']}").get_data(as_text=True)
    assert f'data-conversation="{conv["id"]}"' in html and re.search(r"/static/chat\.[0-9a-f]{12}\.js", html) and 'id="chat-form"' in html
    assert f'/api/v1/conversations/{conv["id"]}/read' in html
    assert eve.get(f"/messages/{conv['id']}").status_code == 404
    token = form_token(ben, f"/messages/{conv['id']}")
    assert ben.http.post(f"/messages/{conv['id']}/leave", data={"csrf_token": token}).status_code == 302
    assert ben.get(f"/messages/{conv['id']}").status_code == 404


def test_new_conversation_offers_contacts_only(make_user, make_tribe):
    ana, ben, cy = make_user("Ana New"), make_user("Ben Contact"), make_user("Cy Member")
    befriend(ana, ben, make_tribe)
    make_tribe(ana, [cy])
    html = ana.get("/messages/new").get_data(as_text=True)
    assert "Ben Contact" in html and "Cy Member" not in html
    token = form_token(ana, "/messages/new")
    made = ana.http.post("/messages/new", data={"csrf_token": token, "user_ids": [str(ben.user["id"])],
                                                 "body": "first words", "client_id": "n1"})
    assert made.status_code == 302 and re.search(r"/messages/\d+$", made.location)
    [conv] = ben.get("conversations").get_json()["items"]
    assert conv["last_message"]["body"] == "first words"
    # a non-contact in the form is a 404 like any hidden thing; nobody picked: asked again
    assert ana.http.post("/messages/new", data={"csrf_token": token, "user_ids": [str(ben.user["id"]), str(cy.user["id"])]}
                         ).status_code == 404
    assert ana.http.post("/messages/new", data={"csrf_token": token}).status_code == 422


def test_message_button_on_a_profile(make_user, make_tribe):
    ana, ben = make_user("Ana"), make_user("Ben")
    make_tribe(ana, [ben])
    assert ">Message</button>" in ana.get(f"/u/{ben.user['id']}").get_data(as_text=True)
    token = form_token(ana, f"/u/{ben.user['id']}")
    opened = ana.http.post(f"/u/{ben.user['id']}/message", data={"csrf_token": token})
    assert opened.status_code == 302
    conv_id = int(opened.location.rsplit("/", 1)[1])
    say(ana, conv_id, "hello Ben")
    # not a contact yet: a message request to Ben
    assert [c["id"] for c in ben.get("conversations/requests").get_json()["items"]] == [conv_id]


def test_new_conversation_says_how_to_reach_contacts_beyond_the_picker(make_user, make_tribe, monkeypatch):
    from tribes.chat import views

    monkeypatch.setattr(views, "CONTACTS_SHOWN", 2)
    ana = make_user("Ana Many")
    friends = [make_user(f"Friend {n}") for n in range(3)]
    for friend in friends:
        befriend(ana, friend, make_tribe)
    html = ana.get("/messages/new").get_data(as_text=True)
    assert "Friend 0" not in html and "Friend 1" in html and "Friend 2" in html  # the newest two
    assert 'id="more-contacts"' in html and "open their profile and choose Message" in html
    assert ">Message</button>" in ana.get(f"/u/{friends[0].user['id']}").get_data(as_text=True)
    monkeypatch.setattr(views, "CONTACTS_SHOWN", 3)
    assert 'id="more-contacts"' not in ana.get("/messages/new").get_data(as_text=True)
