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
