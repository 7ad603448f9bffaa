"""The page form and the JSON API draw on one failed-login budget per account."""

from __future__ import annotations

import re


def _form_token(http) -> str:
    html = http.get("/login").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_failed_logins_by_page_and_api_share_one_limit(app, make_user, make_client):
    victim = make_user(email="victim@example.test")
    app.config["LIMIT_LOGIN"] = "4 per minute"
    attacker = make_client()
    statuses = []
    for attempt in range(6):
        if attempt % 2:
            statuses.append(attacker.login("victim@example.test", "wrong password guess").status_code)
        else:
            token = _form_token(attacker.http)
            response = attacker.http.post(
                "/login",
                data={"email": "Victim@Example.test", "password": "wrong password guess", "csrf_token": token},
            )
            statuses.append(response.status_code)
    assert statuses == [401, 401, 401, 401, 429, 429]
    # The limit is per account: another account is still open to the same client.
    assert attacker.login("nobody@example.test", "wrong password guess").status_code == 401
    assert victim.get("me").status_code == 200


def test_registrations_by_page_and_api_share_one_limit(app, make_client):
    app.config["LIMIT_REGISTER"] = "2 per hour"
    visitor = make_client()
    first = visitor.post(
        "auth/register",
        {"email": "one@example.test", "password": "a long enough passphrase", "display_name": "One"},
    )
    assert first.status_code == 201
    page = make_client()
    token = _form_token(page.http)
    second = page.http.post(
        "/register",
        data={"email": "two@example.test", "password": "a long enough passphrase",
              "display_name": "Two", "csrf_token": token},
    )
    assert second.status_code == 302
    third = make_client().post(
        "auth/register",
        {"email": "three@example.test", "password": "a long enough passphrase", "display_name": "Three"},
    )
    assert third.status_code == 429
    assert int(third.headers["Retry-After"]) >= 1
