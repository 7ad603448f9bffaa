"""Request schemas for accounts and sessions."""

from __future__ import annotations

import re
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import BaseModel, ConfigDict, Field, field_validator

from tribes.accounts.passwords import password_problem


class Strict(BaseModel):
    """Base of request schemas: unknown fields are refused, strings are stripped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


def known_timezone(value: str) -> str:
    """An IANA zone name that zoneinfo knows."""
    value = value.strip()
    if not value or len(value) > 64 or value not in timezone_names():
        raise ValueError("Unknown time zone; use an IANA name such as Europe/Berlin.")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError("Unknown time zone; use an IANA name such as Europe/Berlin.") from exc
    return value


_ZONES: set[str] = set()


def timezone_names() -> set[str]:
    """The IANA zone names (cached)."""
    if not _ZONES:
        _ZONES.update(available_timezones())
    return _ZONES


def acceptable_password(value: str) -> str:
    """The password if it may be used (length, not a common one); ValueError otherwise."""
    problem = password_problem(value)
    if problem:
        raise ValueError(problem)
    return value


def clean_display_name(value: str) -> str:
    value = " ".join(value.split())
    if not 1 <= len(value) <= 80:
        raise ValueError("Use 1 to 80 characters.")
    return value


EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+$")


class RegisterIn(Strict):
    email: str = Field(max_length=254)
    password: str
    display_name: str

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        value = value.strip()
        if not EMAIL_RE.match(value):
            raise ValueError("Enter a valid e-mail address.")
        return value

    @field_validator("password")
    @classmethod
    def _password(cls, value: str) -> str:
        return acceptable_password(value)

    @field_validator("display_name")
    @classmethod
    def _name(cls, value: str) -> str:
        return clean_display_name(value)


class LoginIn(Strict):
    email: str = Field(max_length=254)
    password: str = Field(max_length=1024)


class ProfilePatch(Strict):
    display_name: str | None = None
    bio: str | None = Field(default=None, max_length=2000)
    avatar_url: str | None = Field(default=None, max_length=500)
    profile_visibility: Literal["contacts", "tribes", "nobody"] | None = None
    timezone: str | None = Field(default=None, max_length=64)

    @field_validator("display_name")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        return None if value is None else clean_display_name(value)

    @field_validator("avatar_url")
    @classmethod
    def _avatar(cls, value: str | None) -> str | None:
        if value and not value.startswith(("https://", "http://")):
            raise ValueError("Use an http(s) URL.")
        return value or None

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str | None) -> str | None:
        return None if value is None else known_timezone(value)


class PasswordChangeIn(Strict):
    current_password: str = Field(max_length=1024)
    new_password: str

    @field_validator("new_password")
    @classmethod
    def _password(cls, value: str) -> str:
        return acceptable_password(value)
