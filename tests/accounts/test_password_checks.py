"""Every password check of a logged-in user is throttled per account, API and pages alike."""

from __future__ import annotations

import re
from typing import Any

from tests.conftest import PASSWORD

WRONG = "not my password at all"


def page_token(api: Any) -> str:
    html = api.get("/settings").get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def test_delete_me_wrong_passwords_are_throttled(app: Any, make_user: Any) -> None:
    app.config["LIMIT_LOGIN"] = "3 per minute"
    me = make_user()
    for _ in range(3):
        wrong = me.delete("me", {"password": WRONG})
        assert wrong.status_code == 403 and wrong.get_json()["error"]["code"] == "invalid_password"
    limited = me.delete("me", {"password": PASSWORD})
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
    assert me.get("me").status_code == 200  # nothing was deleted


def test_settings_page_delete_is_throttled_too(app: Any, make_user: Any) -> None:
    app.config["LIMIT_LOGIN"] = "2 per minute"
    me = make_user()
    token = page_token(me)
    for _ in range(2):
        assert me.http.post("/settings/delete", data={"csrf_token": token, "password": WRONG}).status_code == 403
    limited = me.http.post("/settings/delete", data={"csrf_token": token, "password": PASSWORD})
    assert limited.status_code == 429
    assert me.get("me").status_code == 200


def test_password_checks_share_one_budget_per_account(app: Any, make_user: Any) -> None:
    app.config["LIMIT_LOGIN"] = "3 per minute"
    me, other = make_user(), make_user()
    assert me.post("me/password", {"current_password": WRONG, "new_password": "a brand new passphrase"}).status_code == 403
    assert me.delete("me", {"password": WRONG}).status_code == 403
    assert me.http.post("/settings/delete", data={"csrf_token": page_token(me), "password": WRONG}).status_code == 403
    changed = me.post("me/password", {"current_password": PASSWORD, "new_password": "a brand new passphrase"})
    assert changed.status_code == 429
    # right passwords cost nothing, and other accounts are not affected
    current = PASSWORD
    for n in range(4):
        new = f"{n} new passphrase for other"
        assert other.post("me/password", {"current_password": current, "new_password": new}).status_code == 204
        current = new
    assert other.delete("me", {"password": WRONG}).status_code == 403
