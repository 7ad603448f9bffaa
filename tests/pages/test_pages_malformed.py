"""Malformed input on every page form answers with a page, never a 500."""

from __future__ import annotations

from typing import Any

import pytest

from tests.pages.conftest import PASSWORD

GARBAGE = ["", " ", "x" * 5000, "99999999999999999999999", "-1", "1e3", "\u202e\U0001f600", "a\x00b", "<script>"]


@pytest.mark.parametrize("value", GARBAGE)
def test_garbage_in_page_forms_is_never_a_server_error(person: Any, make_page_client: Any, value: str) -> None:
    owner = person("Owner")
    assert owner.submit("/tribes/new", {"name": "Fuzz", "slug": "fuzz"}).status_code == 302
    posts = [
        ("/tribes/new", "/tribes/new", {"name": value, "slug": value, "description": value, "visibility": value, "invite_policy": value}),
        ("/t/fuzz", "/t/fuzz/invites", {"max_uses": value, "expires_in_hours": value}),
        ("/t/fuzz", "/t/fuzz/invites/99999999999999999999/revoke", {}),
        ("/t/fuzz", "/t/fuzz/invites/1/revoke", {"x": value}),
    ]
    for page, action, data in posts:
        response = owner.submit(page, data, action=action)
        assert response.status_code < 500, (action, value, response.status_code)
    for path in ("/t/" + value, "/invite/" + value, "/directory?cursor=" + value, "/t/fuzz?cursor=" + value):
        assert owner.get(path).status_code < 500, (path, value)
    anonymous = make_page_client()
    for page, data in (
        ("/register", {"display_name": value, "email": value, "password": value}),
        ("/login", {"email": value, "password": value, "next": value}),
        ("/register", {"display_name": "Ok", "email": "ok@pages.test", "password": PASSWORD, "next": value}),
    ):
        response = anonymous.submit(page, data)
        assert response.status_code < 500, (page, value, response.status_code)
