"""Secrets that work without a session (the private calendar feed) end with the credentials."""

from __future__ import annotations

from typing import Any

PASSWORD = "correct horse battery staple"  # the fixtures' password


def feed_path(api: Any) -> str:
    """Create a private calendar feed for api's user; returns its path."""
    response = api.post("me/calendar-token")
    assert response.status_code == 201
    return response.get_json()["url"].removeprefix("http://localhost")


def test_password_change_rotates_the_calendar_feed_away(make_user: Any, client: Any) -> None:
    owner = make_user()
    old = feed_path(owner)
    assert client.get(old).status_code == 200
    changed = owner.post("me/password", {"current_password": PASSWORD, "new_password": "a brand new passphrase"})
    assert changed.status_code == 204
    assert client.get(old).status_code == 404
    new = feed_path(owner)  # a new address can be made at once
    assert client.get(new).status_code == 200


def test_wrong_current_password_keeps_the_feed(make_user: Any, client: Any) -> None:
    owner = make_user()
    old = feed_path(owner)
    wrong = owner.post("me/password", {"current_password": "not my password at all", "new_password": "a brand new phrase"})
    assert wrong.status_code == 403
    assert client.get(old).status_code == 200


def test_log_out_everywhere_else_ends_other_sessions_and_the_feed(
    make_user: Any, make_client: Any, client: Any
) -> None:
    owner = make_user(email="everywhere@example.test")
    laptop = make_client()
    assert laptop.login("everywhere@example.test").status_code == 200
    old = feed_path(owner)
    bystander = make_user()
    theirs = feed_path(bystander)
    assert owner.delete("me/sessions").status_code == 204
    assert laptop.get("me").status_code == 401
    assert owner.get("me").status_code == 200
    assert [s["current"] for s in owner.get("me/sessions").get_json()["items"]] == [True]
    assert client.get(old).status_code == 404
    assert client.get(theirs).status_code == 200  # nobody else's feed
    assert bystander.get("me").status_code == 200
