"""Lockout attacks: a stranger's wrong passwords must not lock the owner's known browser out.

A browser that logged in to an account before carries a signed device cookie; its failed
logins count against its own budget, strangers share the per-account one, and every
address has a budget of its own.
"""

from __future__ import annotations

import re
from typing import Any

from tests.conftest import PASSWORD

WRONG = "wrong password guess"


def assert_rate_limited(response: Any) -> None:
    """429 in the error shape with an integer Retry-After."""
    assert response.status_code == 429
    assert response.get_json()["error"]["code"] == "rate_limited"
    assert int(response.headers["Retry-After"]) >= 1


def owner_browser(make_user: Any, make_client: Any, email: str) -> Any:
    """An account, and a second browser of its owner that logged in once and then logged out."""
    make_user(email=email)
    browser = make_client()
    assert browser.login(email).status_code == 200
    assert browser.http.get_cookie("tribes_device") is not None
    assert browser.post("auth/logout").status_code == 204
    return browser


def test_strangers_are_locked_out_but_the_owners_browser_is_not(app: Any, make_user: Any, make_client: Any) -> None:
    browser = owner_browser(make_user, make_client, "owner@example.test")
    app.config["LIMIT_LOGIN"] = "3 per minute"
    stranger = make_client()
    for _ in range(3):
        assert stranger.login("owner@example.test", WRONG).status_code == 401
    assert_rate_limited(stranger.login("owner@example.test", WRONG))
    # the account-wide budget holds for every untrusted client, even with the right password
    assert_rate_limited(make_client().login("owner@example.test"))
    # the owner's browser that logged in before still gets in
    assert browser.login("owner@example.test").status_code == 200
    assert browser.get("me").get_json()["email"] == "owner@example.test"


def test_the_page_login_honours_the_device_cookie(app: Any, make_user: Any, make_client: Any) -> None:
    browser = owner_browser(make_user, make_client, "pageowner@example.test")
    app.config["LIMIT_LOGIN"] = "2 per minute"
    stranger = make_client()
    for _ in range(3):
        stranger.login("pageowner@example.test", WRONG)
    html = browser.http.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    page = browser.http.post("/login", data={"email": "pageowner@example.test", "password": PASSWORD, "csrf_token": token})
    assert page.status_code == 302
    assert browser.get("me").status_code == 200


def test_a_known_browser_has_its_own_budget(app: Any, make_user: Any, make_client: Any) -> None:
    browser = owner_browser(make_user, make_client, "forgetful@example.test")
    app.config["LIMIT_LOGIN"] = "3 per minute"
    for _ in range(3):
        assert browser.login("forgetful@example.test", WRONG).status_code == 401
    assert_rate_limited(browser.login("forgetful@example.test", WRONG))
    assert_rate_limited(browser.login("forgetful@example.test"))
    # strangers have a separate budget: the device's failures did not use it up
    assert make_client().login("forgetful@example.test", WRONG).status_code == 401


def test_a_stranger_cannot_make_a_device_cookie_count(app: Any, make_user: Any, make_client: Any) -> None:
    owner_browser(make_user, make_client, "victim@example.test")
    app.config["LIMIT_LOGIN"] = "3 per minute"
    # the stranger's own account gives their browser a genuine device cookie, for their account only
    stranger = make_user(email="stranger@example.test")
    assert stranger.post("auth/logout").status_code == 204
    for _ in range(3):
        assert stranger.login("victim@example.test", WRONG).status_code == 401
    assert_rate_limited(stranger.login("victim@example.test", WRONG))
    # a tampered cookie is no cookie
    forged = make_client()
    genuine = stranger.http.get_cookie("tribes_device").value
    forged.http.set_cookie("tribes_device", genuine[:-3] + ("AAA" if not genuine.endswith("AAA") else "BBB"))
    assert_rate_limited(forged.login("victim@example.test", WRONG))


def test_one_address_cannot_guess_across_accounts(app: Any, make_user: Any, make_client: Any) -> None:
    for n in range(4):
        make_user(email=f"spray{n}@example.test")
    app.config["LIMIT_LOGIN_IP"] = "3 per minute"
    sprayer = make_client()
    for n in range(3):
        assert sprayer.login(f"spray{n}@example.test", WRONG).status_code == 401
    assert_rate_limited(sprayer.login("spray3@example.test", WRONG))
    assert_rate_limited(make_client().login("spray3@example.test", WRONG))  # same address, new client

