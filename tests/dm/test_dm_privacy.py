"""Message requests declined quietly, blocks that swallow, limits: compared by what each side can read."""

from __future__ import annotations

import re
from typing import Any

from tests.contacts.test_quiet_decline import sender_paths, snapshot
from tests.dm.helpers import befriend, bodies, say, start


def _request(sender: Any, recipient: Any, make_tribe: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """sender writes to recipient, a co-member who is not a contact: (tribe, conversation)."""
    tribe = make_tribe(recipient, [sender], name="Shared")
    created = sender.post("conversations", {"user_ids": [recipient.user["id"]],
                                            "message": {"body": "may I ask something?", "client_id": "r1"}})
    assert created.status_code == 201, created.get_json()
    return tribe, created.get_json()


def test_a_message_request_shows_apart_and_never_as_unread(make_user, make_tribe):
    sam, rita = make_user("Sam"), make_user("Rita")
    _tribe, conv = _request(sam, rita, make_tribe)
    assert conv["status"] == "active"
    assert rita.get("conversations").get_json()["items"] == []
    [req] = rita.get("conversations/requests").get_json()["items"]
    assert (req["id"], req["status"], req["unread"]) == (conv["id"], "request", 0)
    assert bodies(rita, conv["id"]) == ["may I ask something?"]
    assert rita.get("conversations/unread").get_json() == {"unread": 0}      # the header badge too
    accepted = rita.post(f"conversations/{conv['id']}/accept")
    assert (accepted.status_code, accepted.get_json()["status"]) == (200, "active")
    assert rita.get("conversations/unread").get_json() == {"unread": accepted.get_json()["unread"]}
    say(sam, conv["id"], "thanks!")
    assert rita.get("conversations/unread").get_json() == {"unread": accepted.get_json()["unread"] + 1}
    assert [c["id"] for c in rita.get("conversations").get_json()["items"]] == [conv["id"]]
    assert rita.get("conversations/requests").get_json()["items"] == []


def test_strangers_cannot_write(make_user, make_tribe):
    sam, stranger = make_user(), make_user()
    make_tribe(sam)
    refused = sam.post("conversations", {"user_ids": [stranger.user["id"]]})
    missing = sam.post("conversations", {"user_ids": [10**12]})
    assert (refused.status_code, refused.data) == (missing.status_code, missing.data) == (404, missing.data)


def test_decline_changes_nothing_the_sender_can_read(app, make_user, make_tribe, client):
    sam, rita = make_user("Sam Sender"), make_user("Rita Recipient")
    tribe, conv = _request(sam, rita, make_tribe)
    known = {"recipient": rita.user["id"], "tribe": tribe["slug"], "request": conv["id"]}
    paths = sender_paths(app, known)
    assert f"/api/v1/conversations/{conv['id']}/messages" in paths and "/api/v1/conversations" in paths
    # what Sam reads before; and what he gets when he writes again
    before = snapshot(sam, paths)
    again_before = sam.post(f"conversations/{conv['id']}/messages", {"body": "anyone?", "client_id": "r2"})
    before_second = snapshot(sam, paths)
    assert rita.post(f"conversations/{conv['id']}/decline").status_code == 204
    assert snapshot(sam, paths) == before_second
    again_after = sam.post(f"conversations/{conv['id']}/messages", {"body": "anyone?", "client_id": "r2"})
    assert (again_after.status_code, again_after.data) == (200, again_before.data)
    # a new message after the decline reads exactly like the one before it did
    third = sam.post(f"conversations/{conv['id']}/messages", {"body": "hello?", "client_id": "r3"})
    assert third.status_code == 201 and before != before_second
    # Rita never sees it again
    assert rita.get("conversations/requests").get_json()["items"] == []
    assert rita.get("conversations").get_json()["items"] == []
    assert rita.get(f"conversations/{conv['id']}/messages").status_code == 404


def test_a_block_swallows_what_the_blocked_person_sends(app, make_user, make_tribe):
    ana, ben = make_user("Ana"), make_user("Ben")
    befriend(ana, ben, make_tribe)
    conv = start(ana, ben, body="hi Ben")
    say(ben, conv["id"], "hi Ana")
    assert ben.post("blocks", {"user_id": ana.user["id"]}).status_code == 201
    ben_paths = [f"/api/v1/conversations/{conv['id']}/messages", "/api/v1/conversations",
                 "/api/v1/conversations/requests", "/api/v1/me/export"]
    ben_before = snapshot(ben, ben_paths)
    sent = say(ana, conv["id"], "are you there?")
    # Ana sees it as sent, in its place
    assert bodies(ana, conv["id"]) == ["hi Ben", "hi Ana", "are you there?"]
    assert ana.get("conversations").get_json()["items"][0]["last_message"]["id"] == sent["id"]
    # Ben: nothing moved (list, unread, last message, history)
    assert snapshot(ben, ben_paths) == ben_before
    assert ben.get(f"messages/{sent['id']}").status_code in (404, 405)
    assert ben.patch(f"messages/{sent['id']}", {"body": "x"}).status_code == 404
    # Ben's replies still reach Ana
    say(ben, conv["id"], "bye")
    assert bodies(ana, conv["id"])[-1] == "bye"


def test_a_request_to_someone_who_blocked_me_goes_nowhere_quietly(make_user, make_tribe):
    sam, rita = make_user(), make_user()
    make_tribe(rita, [sam])
    assert rita.post("blocks", {"user_id": sam.user["id"]}).status_code == 201
    created = sam.post("conversations", {"user_ids": [rita.user["id"]],
                                         "message": {"body": "hello", "client_id": "b1"}})
    assert created.status_code == 201 and created.get_json()["status"] == "active"
    assert rita.get("conversations/requests").get_json()["items"] == []
    assert rita.get(f"conversations/{created.get_json()['id']}/messages").status_code == 404


def test_message_requests_per_day_are_stricter_for_young_accounts(app, make_user, make_tribe):
    app.config["LIMIT_MESSAGE_REQUESTS_NEW"] = "2 per day"
    sam = make_user()
    others = [make_user() for _ in range(3)]
    make_tribe(sam, others)
    codes = [sam.post("conversations", {"user_ids": [o.user["id"]]}).status_code for o in others]
    assert codes == [201, 201, 429]
    # contacts are not message requests: no such limit
    befriend(sam, others[2], make_tribe)
    assert sam.post("conversations", {"user_ids": [others[2].user["id"]]}).status_code == 201


def test_direct_messages_are_rate_limited_per_sender(app, make_user, make_tribe):
    app.config["LIMIT_DM"] = "3 per minute"
    ana, ben = make_user(), make_user()
    befriend(ana, ben, make_tribe)
    conv = start(ana, ben)
    codes = [ana.post(f"conversations/{conv['id']}/messages", {"body": "x", "client_id": f"l{i}"}).status_code
             for i in range(4)]
    assert codes == [201, 201, 201, 429]
    assert ben.post(f"conversations/{conv['id']}/messages", {"body": "y", "client_id": "b"}).status_code == 201


def test_a_swallowed_message_moves_nothing_on_the_blockers_pages(make_user, make_tribe):
    ana, ben = make_user("Ana"), make_user("Ben")
    befriend(ana, ben, make_tribe)
    conv = start(ana, ben, body="hello")
    assert ben.post("blocks", {"user_id": ana.user["id"]}).status_code == 201
    pages = ["/tribes", "/messages", f"/messages/{conv['id']}", "/contacts"]

    def read() -> list[str]:
        # the CSRF token differs per page view; everything else must stay the same
        return [re.sub(r'name="csrf[-_]token"[^>]*>', "", ben.get(p).get_data(as_text=True)) for p in pages]

    before = read()
    say(ana, conv["id"], "swallowed")
    assert read() == before
