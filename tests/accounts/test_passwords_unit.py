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
    [("short", True), ("x" * 12, True), ("password1234", True), (" Password1234 ", True), ("y" * 1025, True),
     ("correct horse battery staple", False), ("Tr0ub4dor&3 horse", False)],
)
def test_password_problem(password: str, refused: bool) -> None:
    assert (passwords.password_problem(password) is not None) is refused


@pytest.mark.parametrize(
    "password",
    ["aaaaaaaaaaaa", "111111111111", "aaaaaaaaaaab", "abababababab", "abcabcabcabc",  # repetitions
     "123456789012", "210987654321", "abcdefghijkl", "lkjihgfedcba", "ABCDEFGHIJKLM",  # runs, wrapping too
     "qwertyuiopqw", "asdfghjklasd", "zxcvbnmzxcvb", "poiuytrewqpo", "qwertzuiopqw"],  # keyboard rows
)
def test_repetitions_and_sequences_are_refused(password: str) -> None:
    assert passwords.password_problem(password) == passwords.TOO_REGULAR


@pytest.mark.parametrize(
    "password",
    ["monkeymonkey", "passwordpassword", "monkey123456", "Sunshine1987", "123456monkey", "Dragon2024!!",
     "!!!password!!!", "qwerty123456", "iloveyou-iloveyou"],
)
def test_common_passwords_padded_or_repeated_are_refused(password: str) -> None:
    assert passwords.password_problem(password) == passwords.TOO_COMMON


@pytest.mark.parametrize(
    "password",
    ["correct horse battery staple", "tribes-demo-password", "a long enough passphrase", "monkey839201x",
     "quiet decline passphrase", "7 sunny days in june"],
)
def test_passphrases_stay_valid(password: str) -> None:
    assert passwords.password_problem(password) is None


def test_register_answers_a_field_message_for_a_sequence(client: Any) -> None:
    response = client.post(
        "auth/register", {"email": "seq@example.test", "password": "123456789012", "display_name": "Seq"}
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"password": passwords.TOO_REGULAR}


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
