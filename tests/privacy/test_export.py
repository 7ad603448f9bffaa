"""Data export: every table referring to users is covered; nothing private of others leaks."""

from __future__ import annotations

from tribes.db import Base
from tribes.privacy.service import covered_tables


def tables_referring_to_users() -> set[str]:
    """Every table with a column holding a foreign key to users.id."""
    import tribes.models  # noqa: F401

    found = set()
    for table in Base.metadata.tables.values():
        for column in table.columns:
            if any(fk.column.table.name == "users" for fk in column.foreign_keys):
                found.add(table.name)
    return found | {"users"}


def test_every_table_about_users_is_exported():
    missing = tables_referring_to_users() - covered_tables()
    assert not missing, f"add these tables to a feature's export.py TABLES: {sorted(missing)}"


def test_export_is_a_download_with_my_data_and_no_one_elses_secrets(make_user, make_tribe):
    me = make_user("Me Myself", email="me@example.test")
    friend = make_user("Friend", email="friend-secret@example.test")
    other = make_user("Other", email="other-secret@example.test")
    tribe = make_tribe(me, [friend, other])
    friend.patch("me", {"bio": "friend's private bio", "profile_visibility": "nobody"})
    rid = me.post("contacts/requests", {"user_id": friend.user["id"]}).get_json()["id"]
    friend.post(f"contacts/requests/{rid}/accept")
    other.post("contacts/requests", {"user_id": me.user["id"], "message": "hi me"})
    me.post("blocks", {"user_id": other.user["id"]})
    me.post(f"tribes/{tribe['slug']}/invites", {"for_user_id": other.user["id"]})

    response = me.get("me/export")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    raw = response.get_data(as_text=True)
    data = response.get_json()
    assert data["profile"]["email"] == "me@example.test"
    assert [m["tribe"] for m in data["memberships"]] == [tribe["slug"]]
    assert [c["user"]["id"] for c in data["contacts"]] == [friend.user["id"]]
    assert [b["user"]["id"] for b in data["blocks"]] == [other.user["id"]]
    assert [r["message"] for r in data["contact_requests_received"]] == ["hi me"]
    assert len(data["invites_created"]) == 2 + 1  # two from make_tribe, one targeted
    assert [n["kind"] for n in data["notifications"]] == ["contact_accepted", "contact_request"]
    assert data["sessions"] and all("token" not in k for s in data["sessions"] for k in s)
    for secret in ("friend-secret@example.test", "other-secret@example.test", "friend's private bio",
                   "password", "token_hash"):
        assert secret not in raw, secret


def test_export_page_download(make_user):
    me = make_user()
    response = me.get("/settings/export")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.get_json()["profile"]["id"] == me.user["id"]


def test_a_banned_creator_never_learns_the_new_name_of_a_secret_tribe(make_user, make_tribe):
    creator, heir = make_user(), make_user()
    tribe = make_tribe(creator, [heir], name="Old Garden Club", visibility="secret")
    slug = tribe["slug"]
    assert creator.patch(f"tribes/{slug}/members/{heir.user['id']}", {"role": "owner"}).status_code == 200
    assert heir.patch(f"tribes/{slug}/members/{creator.user['id']}", {"role": "member"}).status_code == 200
    assert heir.post(f"tribes/{slug}/bans", {"user_id": creator.user["id"], "reason": "x"}).status_code == 201
    assert heir.patch(f"tribes/{slug}", {"name": "Operation Quiet Lantern"}).status_code == 200
    data = creator.get("me/export").get_json()
    assert "Operation Quiet Lantern" not in str(data)
    assert data["tribes_created"] == [{"slug": slug, "name": None, "created_at": data["tribes_created"][0]["created_at"]}]
    assert [b["tribe"] for b in data["bans"]] == [slug]


def test_a_revoked_targeted_invite_does_not_reveal_a_secret_tribe(make_user, make_tribe):
    owner, guest = make_user(), make_user()
    make_tribe(owner, [guest])  # they share a tribe, so the owner may invite the guest by id
    lair = make_tribe(owner, name="Hidden Lair", slug="hidden-lair-qx", visibility="secret")
    invite = owner.post(f"tribes/{lair['slug']}/invites", {"for_user_id": guest.user["id"]}).get_json()
    assert owner.delete(f"tribes/{lair['slug']}/invites/{invite['id']}").status_code in (200, 204)
    data = guest.get("me/export").get_json()
    assert "hidden-lair-qx" not in guest.get("me/export").get_data(as_text=True)
    assert [(i["id"], i["tribe"], i["revoked"]) for i in data["invites_received"]] == [(invite["id"], None, True)]
    assert {e["action"] for e in data["moderation_about_me"]} == {"invite_created", "invite_revoked"}
    assert all(e["tribe"] is None for e in data["moderation_about_me"])


def test_reports_and_audit_entries_about_me_are_exported_without_who_reported(make_user, make_tribe):
    me, accuser = make_user("Export Subject"), make_user("Anon Accuser Name")
    tribe = make_tribe(members=[me, accuser])
    owner, slug = tribe["owner"], tribe["slug"]
    body = {"tribe": slug, "target_type": "user", "target_id": me.user["id"], "reason": "the accuser's own grudge"}
    report = accuser.post("reports", body).get_json()
    assert owner.post(f"reports/{report['id']}/resolve", {"action": "dismiss", "note": "accuser is Anon"}).status_code == 200
    assert owner.post(f"tribes/{slug}/mutes", {"user_id": me.user["id"], "minutes": 30}).status_code in (200, 201)
    raw = me.get("me/export").get_data(as_text=True)
    data = me.get("me/export").get_json()
    [about] = data["reports_about_me"]
    assert (about["id"], about["tribe"], about["target_type"], about["excerpt"]) == (
        report["id"], slug, "user", "Export Subject")
    assert about["status"] == "resolved" and about["resolution"] == "dismiss"
    actions = {e["action"] for e in data["moderation_about_me"]}
    assert {"report_resolved", "member_muted"} <= actions
    assert set(about) == {"id", "tribe", "target_type", "target_id", "excerpt", "automatic", "status",
                          "resolution", "created_at"}
    for secret in ("Anon Accuser Name", "the accuser's own grudge", "accuser is Anon"):
        assert secret not in raw, secret
