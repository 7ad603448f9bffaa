"""Mutes, the audit log, new-member limits and moderation rate limits over the API."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from tests.moderation.test_reports_api import post_message
from tribes.db import utcnow


def test_mute_blocks_sending_until_lifted(make_user, make_tribe):
    member, other = make_user(), make_user()
    tribe = make_tribe(members=[member, other])
    owner, slug = tribe["owner"], tribe["slug"]
    muted = owner.post(f"tribes/{slug}/mutes", {"user_id": member.user["id"], "minutes": 30})
    assert muted.status_code == 201, muted.get_json()
    assert muted.get_json()["user"]["id"] == member.user["id"]
    r = member.post(f"tribes/{slug}/messages", {"body": "hello?", "client_id": "m1"})
    assert r.status_code == 403 and r.get_json()["error"]["code"] == "muted"
    listed = owner.get(f"tribes/{slug}/mutes").get_json()["items"]
    assert [m["user"]["id"] for m in listed] == [member.user["id"]]
    assert member.get("notifications").get_json()["items"][0]["kind"] == "muted"
    assert owner.delete(f"tribes/{slug}/mutes/{member.user['id']}").status_code == 204
    assert owner.delete(f"tribes/{slug}/mutes/{member.user['id']}").status_code == 404
    assert member.post(f"tribes/{slug}/messages", {"body": "hello?", "client_id": "m2"}).status_code == 201
    actions = [e["action"] for e in owner.get(f"tribes/{slug}/audit-log").get_json()["items"]]
    assert actions[:2] == ["member_unmuted", "member_muted"]


def test_mute_rules(make_user, make_tribe):
    admin, member = make_user(), make_user()
    tribe = make_tribe(members=[admin, member])
    owner, slug = tribe["owner"], tribe["slug"]
    owner.patch(f"tribes/{slug}/members/{admin.user['id']}", {"role": "admin"})
    assert member.post(f"tribes/{slug}/mutes", {"user_id": admin.user["id"], "minutes": 5}).status_code == 403
    assert admin.post(f"tribes/{slug}/mutes", {"user_id": owner.user["id"], "minutes": 5}).status_code == 403
    assert admin.post(f"tribes/{slug}/mutes", {"user_id": admin.user["id"], "minutes": 5}).status_code == 403
    assert admin.post(f"tribes/{slug}/mutes", {"user_id": 999999, "minutes": 5}).status_code == 404
    bad = admin.post(f"tribes/{slug}/mutes", {"user_id": member.user["id"], "minutes": 0})
    assert bad.status_code == 422 and "minutes" in bad.get_json()["error"]["fields"]
    assert admin.post(f"tribes/{slug}/mutes", {"user_id": member.user["id"], "minutes": 5}).status_code == 201
    # muting again replaces the mute (one row per member)
    again = admin.post(f"tribes/{slug}/mutes", {"user_id": member.user["id"], "minutes": 60})
    assert again.status_code == 201
    assert len(owner.get(f"tribes/{slug}/mutes").get_json()["items"]) == 1


def test_audit_log_records_membership_actions_and_survives_actor_deletion(make_user, make_tribe, make_client):
    admin, member = make_user(), make_user()
    tribe = make_tribe(members=[admin, member])
    owner, slug = tribe["owner"], tribe["slug"]
    owner.patch(f"tribes/{slug}/members/{admin.user['id']}", {"role": "admin"})
    owner.patch(f"tribes/{slug}", {"description": "New rules"})
    invite = admin.post(f"tribes/{slug}/invites", {}).get_json()
    admin.delete(f"tribes/{slug}/invites/{invite['id']}")
    admin.delete(f"tribes/{slug}/members/{member.user['id']}")
    admin.post(f"tribes/{slug}/bans", {"user_id": member.user["id"], "reason": "spam"})
    admin.delete(f"tribes/{slug}/bans/{member.user['id']}")
    admin.delete(f"tribes/{slug}/members/{admin.user['id']}")
    log = owner.get(f"tribes/{slug}/audit-log").get_json()["items"]
    actions = [e["action"] for e in log]
    assert actions[:7] == [
        "member_left", "ban_lifted", "member_banned", "member_removed", "invite_revoked",
        "invite_created", "tribe_updated",
    ]
    assert "role_changed" in actions and actions.count("invite_accepted") == 2
    by_action = {e["action"]: e for e in log}
    assert by_action["member_removed"]["actor"]["id"] == admin.user["id"]
    assert by_action["member_removed"]["target"]["id"] == member.user["id"]
    assert by_action["tribe_updated"]["details"]["description"]["to"] == "New rules"
    assert by_action["role_changed"]["details"] == {"from": "member", "to": "admin"}
    # The admin deletes their account: the entries stay, with actor null.
    gone = admin.delete("me", {"password": "correct horse battery staple"})
    assert gone.status_code == 204, gone.get_json()
    log = owner.get(f"tribes/{slug}/audit-log").get_json()["items"]
    assert [e["action"] for e in log][:7] == actions[:7]
    assert [log[i]["actor"] for i in range(6)] == [None] * 6  # all by the deleted admin
    assert log[6]["actor"]["id"] == owner.user["id"]
    assert member.get(f"tribes/{slug}/audit-log").status_code == 404
    page1 = owner.get(f"tribes/{slug}/audit-log?limit=3").get_json()
    page2 = owner.get(f"tribes/{slug}/audit-log?limit=3&cursor={page1['next_cursor']}").get_json()
    assert [e["id"] for e in page1["items"] + page2["items"]] == [e["id"] for e in log[:6]]


def test_new_members_cannot_invite_during_their_first_hours(make_user, make_tribe, app):
    newcomer = make_user()
    tribe = make_tribe(members=[newcomer], invite_policy="members")
    owner, slug = tribe["owner"], tribe["slug"]
    r = newcomer.post(f"tribes/{slug}/invites", {})
    assert r.status_code == 403 and "24 hours" in r.get_json()["error"]["message"]
    assert owner.post(f"tribes/{slug}/invites", {}).status_code == 201  # the owner joined just now too
    from tribes.extensions import db
    from tribes.groups.models import Membership

    with app.app_context():
        db.session.execute(update(Membership).where(Membership.user_id == newcomer.user["id"]).values(
            joined_at=utcnow() - timedelta(hours=25)))
        db.session.commit()
        db.remove()
    assert newcomer.post(f"tribes/{slug}/invites", {}).status_code == 201


def test_tribe_setting_changes_the_new_member_window(make_user, make_tribe):
    newcomer = make_user()
    tribe = make_tribe(members=[newcomer], invite_policy="members")
    tribe["owner"].patch(f"tribes/{tribe['slug']}", {"new_member_hours": 0})
    assert newcomer.post(f"tribes/{tribe['slug']}/invites", {}).status_code == 201


def test_young_accounts_create_few_tribes(make_user, app):
    young = make_user()
    app.config["LIMIT_TRIBES_NEW"] = "2 per day"
    assert young.post("tribes", {"name": "One"}).status_code == 201
    assert young.post("tribes", {"name": "Two"}).status_code == 201
    third = young.post("tribes", {"name": "Three"})
    assert third.status_code == 429 and third.get_json()["error"]["code"] == "rate_limited"
    assert "Retry-After" in third.headers
    # an account older than a week is held only to LIMIT_TRIBES
    old = make_user()
    from tribes.accounts.models import User
    from tribes.extensions import db

    with app.app_context():
        db.session.execute(update(User).where(User.id == old.user["id"]).values(
            created_at=utcnow() - timedelta(days=8)))
        db.session.commit()
        db.remove()
    for name in ("A1", "A2", "A3"):
        assert old.post("tribes", {"name": name}).status_code == 201


def test_reports_are_rate_limited(make_user, make_tribe, app):
    reporter = make_user()
    tribe = make_tribe(members=[reporter])
    app.config["LIMIT_REPORTS"] = "2 per minute"
    slug = tribe["slug"]
    messages = [post_message(tribe["owner"], slug, f"post {i}") for i in range(3)]
    codes = [
        reporter.post("reports", {"tribe": slug, "target_type": "message", "target_id": m["id"], "reason": "x"}).status_code
        for m in messages
    ]
    assert codes == [201, 201, 429]


def test_api_and_page_share_one_tribe_creation_budget(make_user, app):
    young = make_user()
    app.config["LIMIT_TRIBES_NEW"] = "2 per day"
    assert young.post("tribes", {"name": "Via API"}).status_code == 201
    page = young.http.post("/tribes/new", data={"csrf_token": young.csrf, "name": "Via page"})
    assert page.status_code == 302
    assert young.http.post("/tribes/new", data={"csrf_token": young.csrf, "name": "Third"}).status_code == 429
    assert young.post("tribes", {"name": "Fourth"}).status_code == 429
    assert young.http.get("/tribes/new").status_code == 200  # only submissions count


def test_invite_limit_is_shared_by_api_and_page(make_user, make_tribe, app):
    tribe = make_tribe()
    owner, slug = tribe["owner"], tribe["slug"]
    app.config["LIMIT_INVITES"] = "2 per hour"
    assert owner.post(f"tribes/{slug}/invites", {}).status_code == 201
    assert owner.http.post(f"/t/{slug}/invites", data={"csrf_token": owner.csrf}).status_code == 302
    assert owner.post(f"tribes/{slug}/invites", {}).status_code == 429
