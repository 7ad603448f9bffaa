"""Password rules and hashing, without HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from tribes.accounts import passwords


def test_common_list_is_shipped_and_complete() -> None:
    common = passwords.common_passwords()
    assert len(common) >= 9000
    assert "password1234" in common


@pytest.mark.parametrize(
    ("password", "refused"),
    [("short", True), ("x" * 12, False), ("password1234", True), (" Password1234 ", True), ("y" * 1025, True)],
)
def test_password_problem(password: str, refused: bool) -> None:
    assert (passwords.password_problem(password) is not None) is refused


def test_hash_uses_configured_argon2id(app: Any) -> None:
    with app.app_context():
        stored = passwords.hash_password("a fine passphrase")
        assert stored.startswith("$argon2id$")
        assert f"m={app.config['ARGON2_MEMORY_COST']},t={app.config['ARGON2_TIME_COST']}" in stored
        assert passwords.verify_password(stored, "a fine passphrase")
        assert not passwords.verify_password(stored, "another phrase")
        assert not passwords.verify_password("not a hash", "a fine passphrase")
        assert not passwords.needs_rehash(stored)
        app.config["ARGON2_TIME_COST"] += 1
        assert passwords.needs_rehash(stored)
        passwords.dummy_verify("anything")  # spends the time, raises nothing
