"""Reports over the API: filing, duplicates, the admin queue, resolutions and what the reporter learns."""

from __future__ import annotations

import itertools
from typing import Any

from tests.conftest import join

_client_ids = itertools.count(1)


def post_message(member: Any, slug: str, body: str) -> dict[str, Any]:
    """Post a chat message over REST."""
    response = member.post(f"tribes/{slug}/messages", {"body": body, "client_id": f"c{next(_client_ids)}"})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def kinds(client: Any) -> list[str]:
    """The kinds of the client's notifications, newest first."""
    return [n["kind"] for n in client.get("notifications").get_json()["items"]]


def test_member_reports_message_once_admin_deletes_it(make_user, make_tribe):
    reporter, author = make_user(), make_user()
    tribe = make_tribe(members=[reporter, author])
    owner, slug = tribe["owner"], tribe["slug"]
    message = post_message(author, slug, "buy my stuff")
    body = {"tribe": slug, "target_type": "message", "target_id": message["id"], "reason": "spam"}
    first = reporter.post("reports", body)
    assert first.status_code == 201
    again = reporter.post("reports", body)
    assert again.status_code == 200 and again.get_json()["id"] == first.get_json()["id"]
    queue = owner.get(f"tribes/{slug}/reports").get_json()["items"]
    assert len(queue) == 1
    assert queue[0]["excerpt"] == "buy my stuff" and queue[0]["target_user"]["id"] == author.user["id"]
    assert queue[0]["reporter"]["id"] == reporter.user["id"] and queue[0]["automatic"] is False
    assert "report_filed" in kinds(owner)

    resolved = owner.post(f"reports/{first.get_json()['id']}/resolve", {"action": "delete_content", "note": "spam"})
    assert resolved.status_code == 200, resolved.get_json()
    assert resolved.get_json()["resolution"]["action"] == "delete_content"
    history = author.get(f"tribes/{slug}/messages").get_json()["items"]
    assert [m["deleted"] for m in history if m["id"] == message["id"]] == [True]
    assert owner.get(f"tribes/{slug}/reports").get_json()["items"] == []
    assert len(owner.get(f"tribes/{slug}/reports?status=resolved").get_json()["items"]) == 1
    # The reporter learns it was handled, not what happened to whom.
    note = reporter.get("notifications").get_json()["items"][0]
    assert note["kind"] == "report_handled"
    assert set(note["data"]) == {"report_id", "tribe"}
    assert reporter.get("me/reports").get_json()["items"][0]["status"] == "resolved"
    assert "resolution" not in reporter.get("me/reports").get_json()["items"][0]
    # Resolving twice is a conflict; a new report after resolution is a new one.
    assert owner.post(f"reports/{first.get_json()['id']}/resolve", {"action": "dismiss"}).status_code == 409
    actions = [e["action"] for e in owner.get(f"tribes/{slug}/audit-log").get_json()["items"]]
    assert actions[:2] == ["report_resolved", "message_deleted"]


def test_report_targets_must_be_in_the_tribe(make_user, make_tribe, client):
    member, outsider = make_user(), make_user()
    tribe = make_tribe(members=[member])
    other = make_tribe(members=[outsider])
    foreign = post_message(outsider, other["slug"], "hello from elsewhere")
    slug = tribe["slug"]
    cases = [
        ("message", foreign["id"]),
        ("user", outsider.user["id"]),
        ("message", 999999),
        ("meetup", 999999),
    ]
    for target_type, target_id in cases:
        r = member.post("reports", {"tribe": slug, "target_type": target_type, "target_id": target_id, "reason": "x"})
        assert r.status_code == 404, (target_type, r.get_json())
    # A non-member cannot report into a tribe: 404, like a missing tribe.
    r = outsider.post("reports", {"tribe": slug, "target_type": "user", "target_id": member.user["id"], "reason": "x"})
    assert r.status_code == 404
    bad = member.post("reports", {"tribe": slug, "target_type": "post", "target_id": 1, "reason": " "})
    assert bad.status_code == 422 and set(bad.get_json()["error"]["fields"]) == {"target_type", "reason"}
    assert client.post("reports", {}).status_code == 401


def test_queue_is_admin_only_and_paged(make_user, make_tribe):
    member, troll = make_user(), make_user()
    tribe = make_tribe(members=[member, troll])
    owner, slug = tribe["owner"], tribe["slug"]
    for i in range(3):
        m = post_message(troll, slug, f"rude thing {i}")
        member.post("reports", {"tribe": slug, "target_type": "message", "target_id": m["id"], "reason": "rude"})
    assert member.get(f"tribes/{slug}/reports").status_code == 403
    assert member.get(f"tribes/{slug}/reports?status=weird").status_code == 403
    assert owner.get(f"tribes/{slug}/reports?status=weird").status_code == 422
    page1 = owner.get(f"tribes/{slug}/reports?limit=2").get_json()
    page2 = owner.get(f"tribes/{slug}/reports?limit=2&cursor={page1['next_cursor']}").get_json()
    ids = [r["id"] for r in page1["items"] + page2["items"]]
    reported = [r["target_id"] for r in page1["items"] + page2["items"]]  # newest report first
    assert reported == sorted(reported, reverse=True) and len(set(ids)) == 3 and page2["next_cursor"] is None
    report_id = ids[0]
    assert member.post(f"reports/{report_id}/resolve", {"action": "dismiss"}).status_code == 403


def test_resolve_by_banning_the_member(make_user, make_tribe):
    reporter, troll = make_user(), make_user()
    tribe = make_tribe(members=[reporter, troll])
    owner, slug = tribe["owner"], tribe["slug"]
    r = reporter.post("reports", {"tribe": slug, "target_type": "user", "target_id": troll.user["id"], "reason": "harassment"})
    assert r.status_code == 201
    report_id = r.get_json()["id"]
    assert owner.post(f"reports/{report_id}/resolve", {"action": "delete_content"}).status_code == 422
    done = owner.post(f"reports/{report_id}/resolve", {"action": "ban_member", "note": "repeated harassment"})
    assert done.status_code == 200
    assert troll.get(f"tribes/{slug}").status_code == 404
    bans = owner.get(f"tribes/{slug}/bans").get_json()["items"]
    assert [b["user"]["id"] for b in bans] == [troll.user["id"]]
    actions = [e["action"] for e in owner.get(f"tribes/{slug}/audit-log").get_json()["items"]]
    assert actions[:2] == ["report_resolved", "member_banned"]


def test_resolve_by_removing_and_admins_cannot_act_on_owners(make_user, make_tribe):
    admin, troll = make_user(), make_user()
    tribe = make_tribe(members=[admin, troll])
    owner, slug = tribe["owner"], tribe["slug"]
    owner.patch(f"tribes/{slug}/members/{admin.user['id']}", {"role": "admin"})
    r = troll.post("reports", {"tribe": slug, "target_type": "user", "target_id": owner.user["id"], "reason": "meh"})
    assert admin.post(f"reports/{r.get_json()['id']}/resolve", {"action": "remove_member"}).status_code == 403
    assert owner.get(f"tribes/{slug}/reports").get_json()["items"][0]["status"] == "open"
    m = post_message(troll, slug, "spam spam")
    r2 = owner.post("reports", {"tribe": slug, "target_type": "message", "target_id": m["id"], "reason": "spam"})
    assert admin.post(f"reports/{r2.get_json()['id']}/resolve", {"action": "remove_member"}).status_code == 200
    assert troll.get(f"tribes/{slug}").status_code == 404
    # removed, not banned: an invite brings them back
    assert owner.get(f"tribes/{slug}/bans").get_json()["items"] == []


def test_export_has_my_filed_reports_and_reports_about_me_without_reporter_or_reason(make_user, make_tribe, app):
    from tribes.accounts.models import User
    from tribes.extensions import db
    from tribes.moderation.export import export_user

    alice, bob = make_user(), make_user()
    tribe = make_tribe(members=[alice, bob])
    slug = tribe["slug"]
    alice.post("reports", {"tribe": slug, "target_type": "user", "target_id": bob.user["id"], "reason": "rude to me"})
    bob.post("reports", {"tribe": slug, "target_type": "user", "target_id": alice.user["id"], "reason": "secret grudge"})
    with app.app_context():
        document = export_user(db.session, db.session.get(User, alice.user["id"]))
        db.remove()
    assert [r["reason"] for r in document["reports_filed"]] == ["rude to me"]
    assert [r["target_id"] for r in document["reports_about_me"]] == [alice.user["id"]]
    assert "secret grudge" not in str(document)


def _count_queries(count_queries, call):
    """How many SQL statements `call` runs."""
    response, statements = count_queries.measure(call)
    assert response.status_code == 200
    return statements


def test_queue_and_audit_log_run_a_bounded_number_of_queries(make_user, make_tribe, count_queries):
    members = [make_user() for _ in range(6)]
    tribe = make_tribe(members=members)
    owner, slug = tribe["owner"], tribe["slug"]

    def file(n):
        for member in members[:n]:
            member.post("reports", {"tribe": slug, "target_type": "user", "target_id": owner.user["id"], "reason": "x"})

    file(2)
    few = [_count_queries(count_queries, lambda p=p: owner.get(f"tribes/{slug}/{p}")) for p in ("reports", "audit-log")]
    file(6)
    many = [_count_queries(count_queries, lambda p=p: owner.get(f"tribes/{slug}/{p}")) for p in ("reports", "audit-log")]
    assert few == many


TROLL_NAME = "Zyxwquat Trollinger"
TROLL_AVATAR = "https://example.test/zyxwquat-face.png"
TROLL_TEXT = "Zyxwquat says: everyone should switch to BrandQ today, it is the very best"
TROLL_REASON = "Zyxwquat thinks the owner is qqrude"


def _text_in_database(app, needles):
    """Every (table, needle) where a needle occurs in any column of any row."""
    from sqlalchemy import select

    from tribes.db import Base
    from tribes.extensions import db

    found = []
    with app.app_context():
        for table in Base.metadata.sorted_tables:
            for row in db.session.execute(select(table)).all():
                text = repr(tuple(row))
                found += [(table.name, n) for n in needles if n in text]
        db.remove()
    return found


def test_deleting_with_erase_messages_erases_the_person_from_reports(make_user, make_tribe, app):
    from tests.conftest import PASSWORD
    from tribes.accounts.models import User
    from tribes.extensions import db

    troll, reporter, puppet, bystander = make_user(TROLL_NAME), make_user(), make_user(), make_user()
    tribe = make_tribe(members=[troll, reporter, bystander])
    owner, slug = tribe["owner"], tribe["slug"]
    with app.app_context():
        user = db.session.get(User, troll.user["id"])
        user.avatar_url, user.profile_visibility = TROLL_AVATAR, "tribes"
        db.session.commit()
        db.remove()
    # the troll invites a puppet (an admin may), then both and a bystander post the same text
    assert owner.patch(f"tribes/{slug}/members/{troll.user['id']}", {"role": "admin"}).status_code == 200
    join(troll, puppet, slug)
    message = post_message(troll, slug, TROLL_TEXT)
    post_message(puppet, slug, TROLL_TEXT.upper())  # the same text to the signal, not to the needles
    post_message(bystander, slug, TROLL_TEXT.upper())
    for target_type, target_id in (("message", message["id"]), ("user", troll.user["id"])):
        body = {"tribe": slug, "target_type": target_type, "target_id": target_id, "reason": "spam"}
        assert reporter.post("reports", body).status_code == 201
    body = {"tribe": slug, "target_type": "user", "target_id": owner.user["id"], "reason": TROLL_REASON}
    assert troll.post("reports", body).status_code == 201
    needles = [TROLL_NAME, TROLL_AVATAR, "Zyxwquat says", TROLL_REASON]
    before = owner.get(f"tribes/{slug}/reports").get_data(as_text=True)
    assert all(n in before for n in needles), "the setup must put every string into the reports"
    assert any(r["automatic"] for r in owner.get(f"tribes/{slug}/reports").get_json()["items"])

    assert owner.patch(f"tribes/{slug}/members/{troll.user['id']}", {"role": "member"}).status_code == 200
    assert troll.delete("me", {"password": PASSWORD, "erase_messages": True}).status_code == 204

    queue = owner.get(f"tribes/{slug}/reports")
    assert queue.status_code == 200 and len(queue.get_json()["items"]) == 4
    shown = [queue.get_data(as_text=True), owner.http.get(f"/t/{slug}/moderation").get_data(as_text=True)]
    shown += [owner.get(f"reports/{r['id']}").get_data(as_text=True) for r in queue.get_json()["items"]]
    for text in shown:
        assert not [n for n in needles if n in text]
    assert "(erased)" in shown[0] and "(erased)" in shown[1]
    assert _text_in_database(app, needles) == []
