"""Account deletion: password, sole owner, one transaction, everything about the user goes."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.conftest import PASSWORD
from tribes import events
from tribes.accounts.models import Block
from tribes.contacts.models import Contact, ContactRequest
from tribes.extensions import db
from tribes.notifications.models import Notification


def count(app, model, **where) -> int:
    with app.app_context():
        stmt = select(func.count()).select_from(model)
        for key, value in where.items():
            stmt = stmt.where(getattr(model, key) == value)
        n = db.session.scalar(stmt)
        db.remove()
        return n or 0


def test_wrong_password_and_sole_owner_change_nothing(make_user, make_tribe):
    owner, member = make_user(), make_user()
    tribe = make_tribe(owner, [member])
    wrong = owner.delete("me", {"password": "not my password at all"})
    assert wrong.status_code == 403 and wrong.get_json()["error"]["code"] == "invalid_password"
    sole = owner.delete("me", {"password": PASSWORD})
    assert sole.status_code == 409 and sole.get_json()["error"]["code"] == "sole_owner"
    assert owner.get("me").status_code == 200
    assert owner.get(f"tribes/{tribe['slug']}").get_json()["member_count"] == 2
    # After handing ownership over, deletion works.
    assert owner.patch(f"tribes/{tribe['slug']}/members/{member.user['id']}", {"role": "owner"}).status_code == 200
    assert owner.delete("me", {"password": PASSWORD}).status_code == 204
    assert member.get(f"tribes/{tribe['slug']}").get_json()["member_count"] == 1


def test_deletion_removes_everything_and_frees_the_email(app, make_user, make_tribe, client):
    me = make_user("Leaving", email="leaving@example.test")
    friend, blocked, asker = make_user(), make_user(), make_user()
    solo = make_tribe(me)
    shared = make_tribe(friend, [me, blocked, asker])
    rid = me.post("contacts/requests", {"user_id": friend.user["id"]}).get_json()["id"]
    friend.post(f"contacts/requests/{rid}/accept")
    me.post("blocks", {"user_id": blocked.user["id"]})
    asker.post("contacts/requests", {"user_id": me.user["id"]})
    uid = me.user["id"]
    second = client
    assert second.login("leaving@example.test").status_code == 200

    assert me.delete("me", {"password": PASSWORD, "erase_messages": False}).status_code == 204
    assert me.get("me").status_code == 401
    assert second.get("me").status_code == 401  # every session ended
    assert friend.get(f"users/{uid}").status_code == 404
    assert friend.get(f"tribes/{shared['slug']}").get_json()["member_count"] == 3
    assert friend.get(f"tribes/{solo['slug']}").status_code == 404  # the solo tribe went with it
    assert friend.get("contacts").get_json()["items"] == []
    assert asker.get("contacts/requests/outgoing").get_json()["items"] == []
    assert count(app, Contact) == 0 and count(app, ContactRequest) == 0 and count(app, Block) == 0
    assert count(app, Notification, user_id=uid) == 0
    again = client.post(
        "auth/register", {"email": "leaving@example.test", "password": PASSWORD, "display_name": "Back"}
    )
    assert again.status_code == 201


def test_a_failure_leaves_the_account_intact(app, make_user, make_tribe):
    me, friend = make_user(), make_user()
    tribe = make_tribe(friend, [me])
    rid = me.post("contacts/requests", {"user_id": friend.user["id"]}).get_json()["id"]
    friend.post(f"contacts/requests/{rid}/accept")

    def explode(sender, **kwargs):
        raise RuntimeError("receiver failed")

    events.user_deleting.connect(explode)
    try:
        response = me.delete("me", {"password": PASSWORD})
    finally:
        events.user_deleting.disconnect(explode)
    assert response.status_code == 500
    assert me.get("me").status_code == 200
    assert friend.get(f"tribes/{tribe['slug']}").get_json()["member_count"] == 2
    members = friend.get(f"tribes/{tribe['slug']}/members").get_json()["items"]
    assert me.user["id"] in [m["user"]["id"] for m in members]
    assert len(me.get("contacts").get_json()["items"]) == 1


def test_delete_from_settings_page(make_user):
    import re

    me = make_user()
    html = me.get("/settings").get_data(as_text=True)
    assert "Delete my account" in html and "Download my data" in html
    token = re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)
    wrong = me.http.post("/settings/delete", data={"csrf_token": token, "password": "nope nope nope"})
    assert wrong.status_code == 403 and me.get("me").status_code == 200
    done = me.http.post("/settings/delete", data={"csrf_token": token, "password": PASSWORD})
    assert done.status_code == 302
    assert me.get("me").status_code == 401


def test_settings_page_saves_profile(make_user):
    import re

    me = make_user()
    html = me.get("/settings").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)
    saved = me.http.post(
        "/settings",
        data={"csrf_token": token, "display_name": "New Name", "bio": "hello", "profile_visibility": "nobody"},
    )
    assert saved.status_code == 302
    assert {k: me.get("me").get_json()[k] for k in ("display_name", "bio", "profile_visibility")} == {
        "display_name": "New Name", "bio": "hello", "profile_visibility": "nobody"}
    bad = me.http.post("/settings", data={"csrf_token": token, "display_name": "", "profile_visibility": "x"})
    assert bad.status_code == 422


def test_notifications_naming_a_deleted_account_go_with_it(make_user, make_tribe):
    leaver, stayer = make_user("Lena Leaving"), make_user("Stan Staying")
    tribe = make_tribe(members=[leaver, stayer])
    assert leaver.post("contacts/requests", {"user_id": stayer.user["id"], "message": "hi"}).status_code == 202
    mention = leaver.post(f"tribes/{tribe['slug']}/messages", {"body": "@Stan Staying see you", "client_id": "m1"})
    assert mention.status_code == 201
    unrelated = tribe["owner"].post(f"tribes/{tribe['slug']}/messages", {"body": "@Stan Staying hi", "client_id": "m2"})
    assert unrelated.status_code == 201

    before = stayer.get("notifications").get_json()["items"]
    assert {n["kind"] for n in before} >= {"contact_request", "mention"}
    assert "Lena Leaving" in str(before)

    assert leaver.delete("me", {"password": PASSWORD}).status_code == 204

    after = stayer.get("notifications").get_json()["items"]
    assert "Lena Leaving" not in str(after)
    assert [n["kind"] for n in after] == ["mention"]  # the owner's mention stays
