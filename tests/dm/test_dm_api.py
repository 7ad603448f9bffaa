"""Direct messages over the API: conversations of contacts, history, reads, idempotency, edits."""

from __future__ import annotations

from tests.conftest import PASSWORD
from tests.dm.helpers import befriend, bodies, say, start


def test_contacts_talk_and_only_they_can_read(make_user, make_tribe):
    ana, ben, eve = make_user("Ana"), make_user("Ben"), make_user("Eve")
    befriend(ana, ben, make_tribe)
    created = ana.post("conversations", {"user_ids": [ben.user["id"]], "message": {"body": " hi ", "client_id": "x1"}})
    assert created.status_code == 201
    conv = created.get_json()
    assert conv["status"] == "active" and conv["unread"] == 0
    assert sorted(m["id"] for m in conv["members"]) == sorted([ana.user["id"], ben.user["id"]])
    assert conv["last_message"]["body"] == "hi" and conv["last_message"]["tribe"] is None
    assert conv["last_message"]["conversation"] == conv["id"]
    # the same people again: the same conversation, 200
    again = ben.post("conversations", {"user_ids": [ana.user["id"]]})
    assert (again.status_code, again.get_json()["id"]) == (200, conv["id"])
    say(ben, conv["id"], "hello Ana")
    listed = ana.get("conversations").get_json()["items"]
    assert [(c["id"], c["unread"], c["last_message"]["body"]) for c in listed] == [(conv["id"], 1, "hello Ana")]
    assert bodies(ana, conv["id"]) == ["hi", "hello Ana"]
    # an outsider sees nothing, as for a missing id
    missing = eve.get("conversations/99999/messages")
    hidden = eve.get(f"conversations/{conv['id']}/messages")
    assert (hidden.status_code, hidden.data) == (missing.status_code, missing.data) and hidden.status_code == 404
    assert eve.post(f"conversations/{conv['id']}/messages", {"body": "x", "client_id": "e"}).status_code == 404


def test_idempotent_send_and_read_marker(make_user, make_tribe):
    ana, ben = make_user(), make_user()
    befriend(ana, ben, make_tribe)
    conv = start(ana, ben)
    first = ana.post(f"conversations/{conv['id']}/messages", {"body": "one", "client_id": "same"})
    again = ana.post(f"conversations/{conv['id']}/messages", {"body": "one", "client_id": "same"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json() == again.get_json()
    last = say(ana, conv["id"], "two")
    assert ben.get("conversations").get_json()["items"][0]["unread"] == 2
    read = ben.post(f"conversations/{conv['id']}/read", {"message_id": first.get_json()["id"]})
    assert read.get_json() == {"unread": 1}
    assert ben.post(f"conversations/{conv['id']}/read", {"message_id": last["id"]}).get_json() == {"unread": 0}
    # never backwards; my reads are not visible to Ana
    assert ben.post(f"conversations/{conv['id']}/read", {"message_id": 0}).get_json() == {"unread": 0}
    assert ana.get("conversations").get_json()["items"][0]["unread"] == 0


def test_paging_before_and_after(make_user, make_tribe):
    ana, ben = make_user(), make_user()
    befriend(ana, ben, make_tribe)
    conv = start(ana, ben)
    ids = [say(ana, conv["id"], f"m{i}")["id"] for i in range(5)]
    assert ids == sorted(ids)
    newest = ben.get(f"conversations/{conv['id']}/messages?limit=2").get_json()
    assert [m["body"] for m in newest["items"]] == ["m4", "m3"] and newest["next_cursor"]
    more = ben.get(f"conversations/{conv['id']}/messages?limit=2&cursor={newest['next_cursor']}").get_json()
    assert [m["body"] for m in more["items"]] == ["m2", "m1"]
    after = ben.get(f"conversations/{conv['id']}/messages?after={ids[2]}").get_json()
    assert [m["body"] for m in after["items"]] == ["m3", "m4"]


def test_groups_need_every_person_to_be_a_contact(make_user, make_tribe):
    ana, ben, cy = make_user(), make_user(), make_user()
    befriend(ana, ben, make_tribe)
    make_tribe(ana, [cy])  # a shared tribe, but no contact
    refused = ana.post("conversations", {"user_ids": [ben.user["id"], cy.user["id"]]})
    assert refused.status_code == 404
    befriend(ana, cy, make_tribe)
    group = start(ana, ben, cy, body="all here")
    assert len(group["members"]) == 3
    assert bodies(cy, group["id"]) == ["all here"]
    assert ana.post("conversations", {"user_ids": [ana.user["id"]]}).status_code == 404
    assert ana.post("conversations", {"user_ids": [ben.user["id"], ben.user["id"]]}).status_code == 422


def test_edit_and_delete_by_the_author_only(make_user, make_tribe):
    ana, ben, eve = make_user(), make_user(), make_user()
    befriend(ana, ben, make_tribe)
    conv = start(ana, ben)
    message = say(ana, conv["id"], "typo")
    assert ben.patch(f"messages/{message['id']}", {"body": "mine now"}).status_code == 403
    assert eve.patch(f"messages/{message['id']}", {"body": "x"}).status_code == 404
    edited = ana.patch(f"messages/{message['id']}", {"body": "fixed"})
    assert edited.status_code == 200 and edited.get_json()["body"] == "fixed"
    assert edited.get_json()["edited_at"] and edited.get_json()["conversation"] == conv["id"]
    assert ben.delete(f"messages/{message['id']}").status_code == 403
    assert ana.delete(f"messages/{message['id']}").status_code == 204
    [gone] = ben.get(f"conversations/{conv['id']}/messages").get_json()["items"]
    assert (gone["deleted"], gone["body"]) == (True, "")


def test_leaving_hides_it_for_me_only(make_user, make_tribe):
    ana, ben = make_user(), make_user()
    befriend(ana, ben, make_tribe)
    conv = start(ana, ben, body="before")
    ana_view = (ana.get("conversations").get_json(), bodies(ana, conv["id"]))
    assert ben.delete(f"conversations/{conv['id']}").status_code == 204
    assert ben.get("conversations").get_json()["items"] == []
    assert ben.get(f"conversations/{conv['id']}/messages").status_code == 404
    assert (ana.get("conversations").get_json(), bodies(ana, conv["id"])) == ana_view
    say(ana, conv["id"], "after")
    [back] = ben.get("conversations").get_json()["items"]
    assert (back["id"], back["unread"]) == (conv["id"], 1)
    assert bodies(ben, conv["id"]) == ["after"]


def test_export_and_account_deletion(make_user, make_tribe):
    ana, ben = make_user(), make_user()
    befriend(ben, ana, make_tribe)  # Ben owns the tribe: Ana may delete her account
    conv = start(ana, ben, body="keep me")
    export = ana.get("me/export").get_json()
    assert [c["id"] for c in export["conversations"]] == [conv["id"]]
    assert [m["body"] for m in export["direct_messages"]] == ["keep me"]
    assert ana.delete("me", {"password": PASSWORD}).status_code == 204
    [kept] = ben.get(f"conversations/{conv['id']}/messages").get_json()["items"]
    assert (kept["author"], kept["body"]) == (None, "keep me")


def test_account_deletion_can_erase_direct_messages(make_user, make_tribe):
    ana, ben = make_user(), make_user()
    befriend(ben, ana, make_tribe)  # Ben owns the tribe: Ana may delete her account
    conv = start(ana, ben, body="erase me")
    assert ana.delete("me", {"password": PASSWORD, "erase_messages": True}).status_code == 204
    [erased] = ben.get(f"conversations/{conv['id']}/messages").get_json()["items"]
    assert (erased["author"], erased["body"], erased["deleted"]) == (None, "", True)
