"""Password hashing (argon2id with explicit parameters) and the common-password check."""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app

from tribes.i18n import _, lazy_gettext

MIN_LENGTH = 12
MAX_LENGTH = 1024


@lru_cache(maxsize=8)
def _hasher(time_cost: int, memory_cost: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(
        time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism, type=Type.ID
    )


def hasher() -> PasswordHasher:
    """The PasswordHasher configured for this app."""
    cfg = current_app.config
    return _hasher(cfg["ARGON2_TIME_COST"], cfg["ARGON2_MEMORY_COST"], cfg["ARGON2_PARALLELISM"])


@lru_cache(maxsize=4)
def _dummy_hash(time_cost: int, memory_cost: int, parallelism: int) -> str:
    return _hasher(time_cost, memory_cost, parallelism).hash("not the password of anyone")


def dummy_verify(password: str) -> None:
    """Spend the time a real verification takes (unknown e-mail), so timing says nothing."""
    cfg = current_app.config
    dummy = _dummy_hash(cfg["ARGON2_TIME_COST"], cfg["ARGON2_MEMORY_COST"], cfg["ARGON2_PARALLELISM"])
    try:
        hasher().verify(dummy, password)
    except VerificationError:
        pass


def hash_password(password: str) -> str:
    """Hash a password with the configured argon2id parameters."""
    return hasher().hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """Whether the password matches the stored hash."""
    try:
        return hasher().verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """Whether the hash was made with other parameters than the configured ones."""
    return hasher().check_needs_rehash(stored_hash)


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The shipped list of the 10,000 most common passwords (lower-cased)."""
    text = resources.files("tribes").joinpath("data/common-passwords.txt").read_text()
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip())


#: runs a guesser tries first: the alphabet, digits and keyboard rows (US and German layouts)
SEQUENCES = (
    "abcdefghijklmnopqrstuvwxyz",
    "0123456789",
    "qwertyuiop",
    "qwertzuiop",
    "asdfghjkl",
    "zxcvbnm",
    "yxcvbnm",
    "!@#$%^&*()",
    "!\"§$%&/()=",
)
#: a common password padded with digits or symbols in front or behind ("monkey2024!")
_PADDING = re.compile(r"^[\d\W_]*(.*?)[\d\W_]*$")
#: spaces and punctuation between words ("iloveyou-iloveyou")
_SEPARATORS = re.compile(r"[\W_]+")
#: shortest common word whose padded forms are refused (shorter ones are not words)
MIN_PADDED_WORD = 4
#: fewer different characters than this is a repetition (aaaaaaaaaaab)
MIN_DISTINCT = 4

TOO_COMMON = lazy_gettext("This password is too common; choose another.")
TOO_REGULAR = lazy_gettext(
    "Avoid repeated characters and sequences such as 123456 or qwerty; a few words are better."
)


def is_sequence(text: str) -> bool:
    """Whether text is one run along a sequence (either direction, wrapping: 890123)."""
    for sequence in SEQUENCES:
        looped = sequence * (len(text) // len(sequence) + 2)
        if text in looped or text in looped[::-1]:
            return True
    return False


def repeated_unit(text: str) -> str | None:
    """The shortest piece that text repeats (abcabc → abc), or None if it is no repetition."""
    for size in range(1, len(text) // 2 + 1):
        if len(text) % size == 0 and text[:size] * (len(text) // size) == text:
            return text[:size]
    return None


def is_guessable(text: str) -> bool:
    """Whether a (lower-cased) password is common, a sequence, or built from such parts."""
    if text in common_passwords() or is_sequence(text):
        return True
    unit = repeated_unit(text)
    if unit is not None and (len(unit) <= 4 or is_guessable(unit)):
        return True
    word = _PADDING.match(text).group(1)  # type: ignore[union-attr]
    return word != text and len(word) >= MIN_PADDED_WORD and is_guessable(word)


def password_problem(password: str) -> str | None:
    """Why a password is refused, or None. Length and guessability; no composition rules."""
    if len(password) < MIN_LENGTH:
        return _("Use at least %(count)s characters.", count=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _("Use at most %(count)s characters.", count=MAX_LENGTH)
    text = password.strip().lower()
    unit = repeated_unit(text)
    if len(set(text)) < MIN_DISTINCT or is_sequence(text) or (unit is not None and len(unit) <= 4):
        return str(TOO_REGULAR)
    if is_guessable(text) or is_guessable(_SEPARATORS.sub("", text)):
        return str(TOO_COMMON)
    return None
