"""The site area is hidden from everyone but site admins; settings take effect at once; the CLI."""

from __future__ import annotations

import re
from typing import Any

import pytest
from click.testing import CliRunner

from tests.siteadmin.conftest import set_flag
from tribes.cli import cli

API_PATHS = [
    ("GET", "site/settings"), ("PATCH", "site/settings"), ("GET", "site/users"), ("GET", "site/users?q=a"),
    ("POST", "site/users/1/suspend"), ("DELETE", "site/users/1/suspend"), ("GET", "site/reports"),
    ("GET", "site/audit-log"), ("GET", "site/mail"), ("POST", "site/mail/1/retry"), ("GET", "site/stats"),
    ("PUT", "site/settings"),  # a method the path does not have: still 404, never 405
]
PAGE_PATHS = ["/admin", "/admin/settings", "/admin/users", "/admin/reports", "/admin/mail", "/admin/audit",
              "/admin/stats"]


def _bytes(response: Any) -> tuple[int, bytes, str]:
    """Status, body (CSRF tokens masked: they are signed with the time) and content type."""
    body = re.sub(rb'(csrf-token" content="|name="csrf_token" value=")[^"]+', rb"\1X", response.data)
    return response.status_code, body, response.headers.get("Content-Type", "")


@pytest.mark.parametrize("who", ["anonymous", "member"])
def test_every_site_path_is_a_404_like_a_missing_one(who, client, make_user, make_tribe):
    api = client if who == "anonymous" else make_user()
    if who == "member":
        make_tribe(owner=api)
    for method, path in API_PATHS:
        hidden = api._call(method, path, json={"reason": "x", "name": "X"})
        missing = api._call(method, path.replace("site/", "site-nothing/"), json={"reason": "x", "name": "X"})
        assert _bytes(hidden) == _bytes(missing), (method, path)
        assert hidden.status_code == 404
        # without the CSRF header too (a missing path never asks for it)
        hidden = api._call(method, path, json={}, headers={"X-CSRF-Token": ""})
        missing = api._call(method, path.replace("site/", "site-nothing/"), json={}, headers={"X-CSRF-Token": ""})
        assert _bytes(hidden) == _bytes(missing), (method, path)
    for path in PAGE_PATHS:
        hidden, missing = api.http.get(path), api.http.get(path.replace("/admin", "/nothing-here"))
        assert _bytes(hidden) == _bytes(missing), path
        hidden = api.http.post(path + "/x", data={"reason": "x"})
        missing = api.http.post(path.replace("/admin", "/nothing-here") + "/x", data={"reason": "x"})
        assert _bytes(hidden) == _bytes(missing), path
    assert b"Site admin" not in api.http.get("/directory").data


def test_a_site_admin_sees_the_area_and_anyone_the_public_site(make_admin, client):
    admin = make_admin()
    for method, path in API_PATHS:
        if method == "GET":
            assert admin.get(path).status_code == 200, path
    for path in PAGE_PATHS:
        assert admin.http.get(path).status_code == 200, path
    assert b"Site admin" in admin.http.get("/directory").data
    assert client.get("site").get_json() == {"name": "Tribes", "registration": "open"}


def test_settings_change_the_name_registration_and_directory(make_admin, make_user, make_tribe, client):
    admin = make_admin()
    member = make_user()
    make_tribe(owner=member, name="Listed Tribe", visibility="listed")
    assert member.get("tribes/directory").get_json()["items"]
    changed = admin.patch("site/settings", {"name": "Guild Hall", "directory": False})
    assert changed.status_code == 200
    assert changed.get_json() == {"name": "Guild Hall", "registration": "open", "tribe_creation": "everyone",
                                  "directory": False}
    assert member.get("tribes/directory").get_json()["items"] == []
    page = member.http.get("/directory").data.decode()
    assert "Listed Tribe" not in page and "<title>" in page and "· Guild Hall</title>" in page
    assert 'class="brand"' in page and ">Guild Hall</a>" in page
    assert client.get("site").get_json() == {"name": "Guild Hall", "registration": "open"}
    bad = admin.patch("site/settings", {"registration": "sometimes", "name": "   "})
    assert bad.status_code == 422 and set(bad.get_json()["error"]["fields"]) == {"registration", "name"}


def _register(client, email: str, **extra: Any) -> Any:
    return client.post("auth/register", {"email": email, "password": "correct horse battery staple",
                                         "display_name": "New Person", **extra})


def test_closed_registration_refuses_with_403_and_the_pages_say_so(make_admin, make_client, client):
    admin = make_admin()
    assert admin.patch("site/settings", {"registration": "closed"}).status_code == 200
    refused = _register(client, "new@example.test")
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "forbidden"
    assert refused.get_json()["error"]["message"] == "Registration is closed."
    assert "Registration is closed." in client.http.get("/login").data.decode()
    page = client.http.get("/register")
    assert page.status_code == 200 and b"Registration is closed." in page.data and b'name="password"' not in page.data
    assert b">Register</a>" not in client.http.get("/login").data


def test_invite_only_needs_a_valid_invite_token(make_admin, make_user, make_tribe, make_client):
    admin = make_admin()
    owner = make_user()
    tribe = make_tribe(owner=owner)
    token = owner.post(f"tribes/{tribe['slug']}/invites", {"max_uses": 5}).get_json()["token"]
    assert admin.patch("site/settings", {"registration": "invite_only"}).status_code == 200
    without = _register(make_client(), "a@example.test")
    assert without.status_code == 403
    assert without.get_json()["error"]["message"] == "This site is invite-only: ask a member for an invite."
    unusable = _register(make_client(), "b@example.test", invite_token="not-a-token")
    assert unusable.status_code == 422 and "invite_token" in unusable.get_json()["error"]["fields"]
    joined = make_client()
    assert _register(joined, "c@example.test", invite_token=token).status_code == 201
    assert [t["slug"] for t in joined.get("tribes").get_json()["items"]] == [tribe["slug"]]   # in one step
    anonymous = make_client()
    assert "This site is invite-only: ask a member for an invite." in anonymous.http.get("/login").data.decode()
    # the invite landing page is the way in: it registers and joins in one step
    landing = anonymous.http.post(f"/invite/{token}", data={
        "csrf_token": _csrf(anonymous, f"/invite/{token}"), "email": "d@example.test",
        "password": "correct horse battery staple", "display_name": "Dora",
    })
    assert landing.status_code == 302, landing.data
    assert anonymous.get("auth/session").get_json()["user"]["display_name"] == "Dora"


def _csrf(api: Any, path: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', api.http.get(path).data.decode())
    assert match
    return match.group(1)


def test_tribe_creation_rule(make_admin, make_user):
    admin = make_admin()
    unverified = make_user(verified=False)
    verified = make_user()
    assert admin.patch("site/settings", {"tribe_creation": "verified"}).status_code == 200
    refused = unverified.post("tribes", {"name": "Nope"})
    assert refused.status_code == 403
    assert "Confirm your e-mail address" in refused.get_json()["error"]["message"]
    assert b"Confirm your e-mail address" in unverified.http.get("/tribes/new").data
    assert verified.post("tribes", {"name": "Yes"}).status_code == 201
    assert admin.patch("site/settings", {"tribe_creation": "site_admins"}).status_code == 200
    assert verified.post("tribes", {"name": "Also no"}).status_code == 403
    page = verified.http.get("/tribes/new").data
    assert b"only site admins create tribes" in page and b'name="slug"' not in page
    assert admin.post("tribes", {"name": "Admins may"}).status_code == 201


def test_cli_grant_and_revoke_are_audited(app, make_user, make_admin):
    person = make_user(email="Person@Example.test")
    runner = CliRunner()
    granted = runner.invoke(cli, ["admin", "grant", "person@example.TEST"], obj=app)
    assert granted.exit_code == 0, granted.output
    assert "is now a site admin" in granted.output
    assert person.get("me").get_json()["site_admin"] is True
    assert person.get("site/settings").status_code == 200
    revoked = runner.invoke(cli, ["admin", "revoke", "person@example.test"], obj=app)
    assert revoked.exit_code == 0 and "no longer" in revoked.output
    assert person.get("site/settings").status_code == 404
    unknown = runner.invoke(cli, ["admin", "grant", "nobody@example.test"], obj=app)
    assert unknown.exit_code == 1 and "no account has the address nobody@example.test" in unknown.output
    admin = make_admin()
    log = admin.get("site/audit-log").get_json()["items"]
    assert [e["action"] for e in log] == ["admin_revoked", "admin_granted"]
    assert all(e["actor"] is None and e["target"]["id"] == person.user["id"] for e in log)
    set_flag(person.user["id"], site_admin=False)
