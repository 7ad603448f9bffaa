"""Registration, login, the session endpoint and the profile, over the JSON API."""

from __future__ import annotations

from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select, update

from tribes.accounts.models import User
from tribes.extensions import db

PASSWORD = "correct horse battery staple"  # the fixtures' password

ME_KEYS = {"id", "display_name", "bio", "email", "profile_visibility", "created_at"}


def register(client: Any, **fields: Any) -> Any:
    """POST /auth/register with sensible defaults."""
    body = {"email": "ada@example.test", "password": PASSWORD, "display_name": "Ada"}
    body.update(fields)
    return client.post("auth/register", body)


def test_register_returns_me_and_logs_in(client: Any) -> None:
    response = register(client, email="Ada@Example.TEST", display_name="  Ada   Lovelace ")
    assert response.status_code == 201
    data = response.get_json()
    assert set(data) == {"user", "csrf_token"}
    assert ME_KEYS <= set(data["user"])
    assert data["user"]["email"] == "ada@example.test"
    assert data["user"]["display_name"] == "Ada Lovelace"
    assert data["user"]["profile_visibility"] in ("contacts", "tribes", "nobody")
    assert "+00:00" in data["user"]["created_at"]
    me = client.get("me")
    assert me.status_code == 200
    assert me.get_json()["id"] == data["user"]["id"]


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("a" * 11, False),
        ("a" * 12 + "zq", False),  # hardly more than one repeated letter
        ("x" * 1024, False),
        ("".join(f"{n} sheep " for n in range(200))[:1024], True),
        ("x" * 1025, False),
        ("password1234", False),
        ("PASSWORD1234", False),
        ("ünïcödé pass", True),
    ],
)
def test_password_rules(client: Any, password: str, ok: bool) -> None:
    response = register(client, password=password)
    if ok:
        assert response.status_code == 201, response.get_json()
    else:
        assert response.status_code == 422
        error = response.get_json()["error"]
        assert error["code"] == "validation_failed"
        assert set(error["fields"]) == {"password"}


def test_duplicate_email_is_a_field_error_like_any_other(client: Any, make_client: Any) -> None:
    assert register(client).status_code == 201
    dup = register(make_client(), email="ADA@example.test ")
    weak = register(make_client(), email="other@example.test", password="short")
    assert dup.status_code == weak.status_code == 422
    dup_error, weak_error = dup.get_json()["error"], weak.get_json()["error"]
    assert set(dup_error) == set(weak_error) == {"code", "message", "fields"}
    assert dup_error["code"] == weak_error["code"] == "validation_failed"
    assert list(dup_error["fields"]) == ["email"]


@pytest.mark.parametrize("name", ["", "   ", "x" * 81])
def test_display_name_rules(client: Any, name: str) -> None:
    response = register(client, display_name=name)
    assert response.status_code == 422
    assert "display_name" in response.get_json()["error"]["fields"]


@pytest.mark.parametrize(
    "body",
    [
        {"email": "not-an-email", "password": PASSWORD, "display_name": "A"},
        {"email": "a@example.test", "password": PASSWORD},
        {"email": "a@example.test", "password": PASSWORD, "display_name": "A", "admin": True},
        {"email": 5, "password": PASSWORD, "display_name": "A"},
    ],
)
def test_register_rejects_bad_bodies(client: Any, body: dict[str, Any]) -> None:
    response = client.post("auth/register", body)
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]


def test_anonymous_session_has_csrf_token_and_no_user(client: Any) -> None:
    response = client.get("auth/session")
    assert response.status_code == 200
    data = response.get_json()
    assert data["user"] is None
    assert isinstance(data["csrf_token"], str) and data["csrf_token"]


def test_session_shows_logged_in_user(make_user: Any) -> None:
    api = make_user()
    data = api.get("auth/session").get_json()
    assert data["user"]["id"] == api.user["id"]
    assert data["csrf_token"]


def test_login_ok_and_identical_failures(app: Any, make_user: Any, make_client: Any) -> None:
    make_user(email="bob@example.test")
    ok = make_client().login("BOB@example.test")
    assert ok.status_code == 200
    assert set(ok.get_json()) == {"user", "csrf_token"}
    wrong_password = make_client().login("bob@example.test", "wrong password here")
    unknown_email = make_client().login("nobody@example.test", "wrong password here")
    assert wrong_password.status_code == unknown_email.status_code == 401
    assert wrong_password.data == unknown_email.data
    assert wrong_password.get_json()["error"]["code"] == "invalid_credentials"


def test_login_rehashes_with_configured_parameters(app: Any, make_user: Any, make_client: Any) -> None:
    api = make_user(email="carol@example.test")
    old = PasswordHasher(time_cost=3, memory_cost=4096, parallelism=2).hash(PASSWORD)
    with app.app_context():
        db.session.execute(update(User).where(User.id == api.user["id"]).values(password_hash=old))
        db.session.commit()
    assert make_client().login("carol@example.test").status_code == 200
    with app.app_context():
        stored = db.session.scalar(select(User.password_hash).where(User.id == api.user["id"]))
    assert stored != old
    cfg = app.config
    assert f"m={cfg['ARGON2_MEMORY_COST']},t={cfg['ARGON2_TIME_COST']},p={cfg['ARGON2_PARALLELISM']}" in stored
    assert stored.startswith("$argon2id$")
    assert make_client().login("carol@example.test").status_code == 200


def test_new_session_on_every_login_and_relogin_kills_old_cookie(make_user: Any, make_client: Any) -> None:
    make_user(email="dan@example.test")
    api = make_client()
    assert api.login("dan@example.test").status_code == 200
    first = api.http.get_cookie("tribes_session").value
    copy = make_client()
    copy.http.set_cookie("tribes_session", first)
    assert copy.get("me").status_code == 200
    assert api.login("dan@example.test").status_code == 200
    second = api.http.get_cookie("tribes_session").value
    assert second != first
    assert copy.get("me").status_code == 401
    assert api.get("me").status_code == 200


def test_logout_kills_a_copied_cookie(make_user: Any, make_client: Any) -> None:
    api = make_user()
    copy = make_client()
    copy.http.set_cookie("tribes_session", api.http.get_cookie("tribes_session").value)
    assert copy.get("me").status_code == 200
    assert api.post("auth/logout").status_code == 204
    assert copy.get("me").status_code == 401
    assert api.get("me").status_code == 401
    assert api.get("auth/session").get_json()["user"] is None


def test_patch_me(make_user: Any) -> None:
    api = make_user()
    response = api.patch("me", {"display_name": " New  Name ", "bio": " hello ", "profile_visibility": "contacts"})
    assert response.status_code == 200
    data = response.get_json()
    assert (data["display_name"], data["bio"], data["profile_visibility"]) == ("New Name", "hello", "contacts")
    assert api.get("me").get_json()["display_name"] == "New Name"
    bad = api.patch("me", {"profile_visibility": "everyone"})
    assert bad.status_code == 422
    assert "profile_visibility" in bad.get_json()["error"]["fields"]
    assert api.patch("me", {"email": "x@example.test"}).status_code == 422


def test_my_time_zone_must_be_a_known_iana_name(make_user):
    me = make_user()
    bad = me.patch("me", {"timezone": "Mars/Olympus_Mons"})
    assert bad.status_code == 422 and "timezone" in bad.get_json()["error"]["fields"]
    assert me.get("me").get_json()["timezone"] == "UTC"
    good = me.patch("me", {"timezone": "Europe/Berlin"})
    assert good.status_code == 200 and good.get_json()["timezone"] == "Europe/Berlin"
