"""THE quiet rules: a declined, an ignored and a banned requester read exactly the same.

Everything the requester can read about their request — the answers to asking (first and
again), the tribe's card, their list of requests, their export's part, their notifications
and their mailbox — is compared across the three arms, with only the arm's own ids, slug
and times masked. The declined arm is also compared before and after the decline over every
GET endpoint of the API (as the contacts' quiet-decline test does).
"""

from __future__ import annotations

import json
import re
from typing import Any

from tests.contacts.test_quiet_decline import sender_paths, snapshot
from tests.joining.conftest import ANSWERS, QUESTIONS, ask, queue
from tribes.mail.outbox import send_due

TIMES = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00")


def masked(value: Any, known: dict[str, Any]) -> str:
    """JSON text with the arm's own ids, slug and times replaced by placeholders."""
    text = json.dumps(value, sort_keys=True)
    for name, raw in known.items():
        text = text.replace(str(raw), f"<{name}>")
    return TIMES.sub("<time>", text)


def requester_view(app: Any, who: Any, slug: str, smtp: Any) -> dict[str, Any]:
    """What the requester can read about their request, and what reached them."""
    send_due(app)
    to_me = [m for m in smtp.mails if who.user["email"] in str(m["To"])]
    export = who.get("me/export").get_json()
    return {
        "card": (who.get(f"tribes/{slug}").status_code, who.get(f"tribes/{slug}").get_json()),
        "mine": who.get("me/join-requests").get_json(),
        "export": export["join_requests"],
        "notifications": who.get("notifications").get_json()["items"],
        "mails": [(m["Subject"], m.get_body(("plain",)).get_content()) for m in to_me],
    }


def run_arm(app: Any, arm: str, make_user: Any, make_tribe: Any, smtp: Any) -> dict[str, Any]:
    """One arm: the requester asks; the admins decline, ignore, or had banned them before."""
    owner = make_user("Olive Owner")
    requester = make_user("Rae Requester")
    tribe = make_tribe(owner, [requester] if arm == "banned" else [], name="Typographers", visibility="listed")
    slug = tribe["slug"]
    owner.patch(f"tribes/{slug}", {"join_requests": True, "join_questions": QUESTIONS})
    if arm == "banned":
        assert owner.post(f"tribes/{slug}/bans", {"user_id": requester.user["id"]}).status_code == 201
    send_due(app)
    notes_before = requester.get("notifications").get_json()["items"]
    mails_before = requester_view(app, requester, slug, smtp)["mails"]
    first = ask(requester, slug)
    assert first.status_code == 202
    rid = first.get_json()["id"]
    known = {"rid": rid, "slug": slug, "uid": requester.user["id"]}
    paths = sender_paths(app, {"recipient": owner.user["id"], "tribe": slug, "request": rid})
    everything_before = snapshot(requester, paths)
    if arm == "declined":
        assert queue(owner, slug)[0]["id"] == rid
        assert owner.post(f"join-requests/{rid}/decline").status_code == 204
    if arm == "banned":
        assert queue(owner, slug) == []
        assert owner.post(f"join-requests/{rid}/vouch").status_code == 404
    again = ask(requester, slug)
    assert (again.status_code, again.get_json()["id"]) == (202, rid)
    if arm != "ignored":
        assert queue(owner, slug) == []  # the second request never reaches the admins
    view = requester_view(app, requester, slug, smtp)
    assert view["notifications"] == notes_before
    assert view["mails"] == mails_before
    if arm == "declined":
        after = snapshot(requester, paths)
        for path in paths:
            assert after[path] == everything_before[path], path
    return {
        "first": masked(first.get_json(), known), "again": masked(again.get_json(), known),
        "card": masked(view["card"], known), "mine": masked(view["mine"], known),
        "export": masked(view["export"], known),
    }


def test_declined_ignored_and_banned_read_the_same(app, make_user, make_tribe, smtp_server):
    arms = {arm: run_arm(app, arm, make_user, make_tribe, smtp_server) for arm in ("ignored", "declined", "banned")}
    assert arms["declined"] == arms["ignored"]
    assert arms["banned"] == arms["ignored"]
    assert '"status": "pending"' in arms["ignored"]["first"]
    assert json.dumps(ANSWERS) in arms["ignored"]["first"]


def test_only_an_acceptance_reaches_the_requester(make_user, open_tribe):
    tribe = open_tribe(name="Letterpress")
    requester = make_user("Rae Requester")
    rid = ask(requester, tribe["slug"]).get_json()["id"]
    assert requester.get("notifications").get_json()["items"] == []
    assert tribe["owner"].post(f"join-requests/{rid}/accept").status_code == 200
    notes = requester.get("notifications").get_json()["items"]
    assert [n["kind"] for n in notes] == ["join_accepted"]
    assert "Letterpress" in notes[0]["text"]
