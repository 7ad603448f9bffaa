"""Server-side sessions, cookie attributes, throttling and the order of request checks."""

from __future__ import annotations

from typing import Any

import pytest

from tribes.config import load_config

PASSWORD = "correct horse battery staple"  # the fixtures' password
NEW_PASSWORD = "a brand new passphrase"


def copy_of(make_client: Any, api: Any) -> Any:
    """Another client carrying a copy of api's session cookie."""
    other = make_client()
    other.http.set_cookie("tribes_session", api.http.get_cookie("tribes_session").value)
    return other


def test_password_change_ends_other_sessions_only(make_user: Any, make_client: Any) -> None:
    api = make_user(email="pw@example.test")
    laptop = make_client()
    assert laptop.login("pw@example.test").status_code == 200
    stolen = copy_of(make_client, api)
    response = api.post("me/password", {"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert response.status_code == 204
    assert api.get("me").status_code == 200
    assert laptop.get("me").status_code == 401
    assert stolen.get("me").status_code == 200  # the same session as api: it stays
    assert make_client().login("pw@example.test").status_code == 401
    assert make_client().login("pw@example.test", NEW_PASSWORD).status_code == 200


def test_password_change_errors(make_user: Any) -> None:
    api = make_user()
    wrong = api.post("me/password", {"current_password": "not my password", "new_password": NEW_PASSWORD})
    assert wrong.status_code == 403
    assert wrong.get_json()["error"]["code"] == "invalid_password"
    weak = api.post("me/password", {"current_password": PASSWORD, "new_password": "password1234"})
    assert weak.status_code == 422
    assert list(weak.get_json()["error"]["fields"]) == ["new_password"]


def test_list_and_revoke_sessions(make_user: Any, make_client: Any) -> None:
    api = make_user(email="multi@example.test")
    phone = make_client()
    assert phone.login("multi@example.test").status_code == 200
    phone_copy = copy_of(make_client, phone)
    listing = api.get("me/sessions")
    assert listing.status_code == 200
    items = listing.get_json()["items"]
    assert len(items) == 2
    assert [s["current"] for s in items].count(True) == 1
    other = next(s for s in items if not s["current"])
    assert api.delete(f"me/sessions/{other['id']}").status_code == 204
    assert phone.get("me").status_code == 401
    assert phone_copy.get("me").status_code == 401
    assert api.get("me").status_code == 200
    assert len(api.get("me/sessions").get_json()["items"]) == 1
    assert api.delete(f"me/sessions/{other['id']}").status_code == 404


def test_cannot_revoke_someone_elses_session(make_user: Any) -> None:
    alice, bob = make_user(), make_user()
    bob_session = bob.get("me/sessions").get_json()["items"][0]["id"]
    response = alice.delete(f"me/sessions/{bob_session}")
    assert response.status_code == 404
    assert bob.get("me").status_code == 200


def test_revoking_the_current_session_logs_out(make_user: Any) -> None:
    api = make_user()
    current = api.get("me/sessions").get_json()["items"][0]["id"]
    assert api.delete(f"me/sessions/{current}").status_code == 204
    assert api.get("me").status_code == 401


def test_cookie_attributes(client: Any) -> None:
    response = client.post(
        "auth/register",
        {"email": "c@example.test", "password": PASSWORD, "display_name": "C"},
    )
    for name in ("tribes_session", "tribes_device"):
        parts = set_cookie_parts(response, name)
        assert "httponly" in parts
        assert "samesite=lax" in parts
        assert "secure" not in parts
    assert int(next(p for p in set_cookie_parts(response, "tribes_device") if p.startswith("max-age="))[8:]) >= 86400 * 300


def set_cookie_parts(response: Any, name: str) -> list[str]:
    """The lower-cased attributes of the Set-Cookie header for cookie `name`."""
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith(f"{name}="))
    return [p.strip().lower() for p in cookie.split(";")]


def test_secure_cookies_when_configured(app: Any, client: Any, monkeypatch: Any, tmp_path: Any) -> None:
    monkeypatch.setenv("TRIBES_SECURE_COOKIES", "1")
    monkeypatch.setenv("TRIBES_SECRET_KEY", "x")
    assert load_config(str(tmp_path))["SESSION_COOKIE_SECURE"] is True
    monkeypatch.delenv("TRIBES_SECURE_COOKIES")
    assert load_config(str(tmp_path))["SESSION_COOKIE_SECURE"] is False
    app.config["SESSION_COOKIE_SECURE"] = True
    response = client.post(
        "auth/register",
        {"email": "s@example.test", "password": PASSWORD, "display_name": "S"},
        base_url="https://localhost",
    )
    assert "secure" in set_cookie_parts(response, "tribes_session")
    assert "secure" in set_cookie_parts(response, "tribes_device")


def test_limits_come_from_environment(monkeypatch: Any, tmp_path: Any) -> None:
    monkeypatch.setenv("TRIBES_SECRET_KEY", "x")
    monkeypatch.setenv("TRIBES_LIMIT_LOGIN", "7 per hour")
    monkeypatch.setenv("TRIBES_LIMIT_REGISTER", "2 per minute")
    config = load_config(str(tmp_path))
    assert config["LIMIT_LOGIN"] == "7 per hour"
    assert config["LIMIT_REGISTER"] == "2 per minute"
    monkeypatch.delenv("TRIBES_LIMIT_LOGIN")
    assert load_config(str(tmp_path))["LIMIT_LOGIN"]  # a real default, not unlimited


def test_young_account_limits_follow_a_raised_general_limit(monkeypatch: Any, tmp_path: Any) -> None:
    monkeypatch.setenv("TRIBES_SECRET_KEY", "x")
    for name in ("CHAT", "CHAT_NEW_MEMBER", "TRIBES", "TRIBES_NEW", "CONTACT_REQUESTS", "CONTACT_REQUESTS_NEW"):
        monkeypatch.delenv(f"TRIBES_LIMIT_{name}", raising=False)
    defaults = load_config(str(tmp_path))
    assert defaults["LIMIT_TRIBES_NEW"] == "3 per day" and defaults["LIMIT_CHAT_NEW_MEMBER"] == "10 per minute"
    monkeypatch.setenv("TRIBES_LIMIT_CHAT", "1000 per second")
    monkeypatch.setenv("TRIBES_LIMIT_TRIBES", "500 per day")
    monkeypatch.setenv("TRIBES_LIMIT_CONTACT_REQUESTS", "900 per day")
    raised = load_config(str(tmp_path))
    assert raised["LIMIT_CHAT_NEW_MEMBER"] == "1000 per second"
    assert raised["LIMIT_TRIBES_NEW"] == "500 per day"
    assert raised["LIMIT_CONTACT_REQUESTS_NEW"] == "900 per day"
    monkeypatch.setenv("TRIBES_LIMIT_TRIBES_NEW", "2 per day")
    assert load_config(str(tmp_path))["LIMIT_TRIBES_NEW"] == "2 per day"


def assert_rate_limited(response: Any) -> None:
    """429 in the error shape with an integer Retry-After."""
    assert response.status_code == 429
    assert response.get_json()["error"]["code"] == "rate_limited"
    retry = response.headers["Retry-After"]
    assert retry.isdigit() and int(retry) >= 1


def test_failed_logins_throttled_per_account(app: Any, make_user: Any, make_client: Any) -> None:
    make_user(email="target@example.test")
    make_user(email="bystander@example.test")
    app.config["LIMIT_LOGIN"] = "3 per minute"
    api = make_client()
    for _ in range(3):
        assert api.login("target@example.test", "wrong password!!").status_code == 401
    assert_rate_limited(api.login("target@example.test", "wrong password!!"))
    # even the right password waits, from any client
    assert_rate_limited(make_client().login("TARGET@example.test"))
    # another account from the same address is not affected
    assert api.login("bystander@example.test").status_code == 200


def test_successful_logins_do_not_count_per_account(app: Any, make_user: Any, make_client: Any) -> None:
    make_user(email="often@example.test")
    app.config["LIMIT_LOGIN"] = "2 per minute"
    for _ in range(4):
        assert make_client().login("often@example.test").status_code == 200


def test_logins_throttled_per_address(app: Any, make_user: Any, make_client: Any) -> None:
    app.config["LIMIT_LOGIN_IP"] = "3 per minute"
    api = make_client()
    for n in range(3):
        assert api.login(f"u{n}@example.test", "wrong password!!").status_code == 401
    assert_rate_limited(api.login("u9@example.test", "wrong password!!"))
    other_address = api.post(
        "auth/login",
        {"email": "u9@example.test", "password": "wrong password!!"},
        environ_base={"REMOTE_ADDR": "10.0.0.9"},
    )
    assert other_address.status_code == 401


def test_registration_throttled_per_address(app: Any, make_client: Any) -> None:
    app.config["LIMIT_REGISTER"] = "2 per minute"
    for n in range(2):
        body = {"email": f"r{n}@example.test", "password": PASSWORD, "display_name": "R"}
        assert make_client().post("auth/register", body).status_code == 201
    body = {"email": "r9@example.test", "password": PASSWORD, "display_name": "R"}
    assert_rate_limited(make_client().post("auth/register", body))


# ---------------------------------------------------------------- order of checks


@pytest.mark.parametrize(
    ("method", "path"),
    [("PATCH", "me"), ("POST", "me/password"), ("POST", "tribes"), ("POST", "auth/logout")],
)
def test_order_401_before_anything(make_client: Any, method: str, path: str) -> None:
    api = make_client()
    response = api.http.open(f"/api/v1/{path}", method=method, data="not json", content_type="text/plain")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthenticated"


@pytest.mark.parametrize(("method", "path"), [("PATCH", "me"), ("POST", "tribes"), ("POST", "me/password")])
def test_order_csrf_then_415_then_422(make_user: Any, method: str, path: str) -> None:
    api = make_user()
    no_csrf = api.http.open(f"/api/v1/{path}", method=method, data="x", content_type="text/plain")
    assert no_csrf.status_code == 403
    assert no_csrf.get_json()["error"]["code"] == "csrf_failed"
    bad_csrf = api.http.open(
        f"/api/v1/{path}", method=method, json={}, headers={"X-CSRF-Token": "forged"}
    )
    assert bad_csrf.get_json()["error"]["code"] == "csrf_failed"
    headers = {"X-CSRF-Token": api.csrf}
    wrong_type = api.http.open(f"/api/v1/{path}", method=method, data="x", content_type="text/plain", headers=headers)
    assert wrong_type.status_code == 415
    assert wrong_type.get_json()["error"]["code"] == "unsupported_media_type"
    form = api.http.open(f"/api/v1/{path}", method=method, data={"name": "x"}, headers=headers)
    assert form.status_code == 415
    invalid = api.http.open(f"/api/v1/{path}", method=method, json={"name": 5, "display_name": 5}, headers=headers)
    assert invalid.status_code == 422
    assert invalid.get_json()["error"]["code"] == "validation_failed"


def test_mutation_without_body_needs_no_content_type(make_user: Any) -> None:
    api = make_user()
    response = api.http.post("/api/v1/auth/logout", headers={"X-CSRF-Token": api.csrf})
    assert response.status_code == 204


def test_logout_without_csrf_is_refused(make_user: Any) -> None:
    api = make_user()
    response = api.http.post("/api/v1/auth/logout")
    assert response.status_code == 403
    assert api.get("me").status_code == 200


def test_wrong_current_passwords_are_throttled(app: Any, make_user: Any) -> None:
    api = make_user()
    app.config["LIMIT_LOGIN"] = "2 per minute"
    wrong = {"current_password": "guess number one", "new_password": NEW_PASSWORD}
    for _ in range(2):
        assert api.post("me/password", wrong).status_code == 403
    assert_rate_limited(api.post("me/password", {"current_password": PASSWORD, "new_password": NEW_PASSWORD}))
    assert make_user().post("me/password", wrong).status_code == 403  # others are not affected


def test_csrf_failures_do_not_use_up_the_password_budget(app: Any, make_user: Any) -> None:
    api = make_user()
    app.config["LIMIT_LOGIN"] = "1 per minute"
    for _ in range(3):
        assert api.http.post("/api/v1/me/password", json={}).status_code == 403
    ok = api.post("me/password", {"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert ok.status_code == 204
