"""Request schemas for tribes, members, bans and invites."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from tribes.accounts.schemas import Strict


def _name(value: str) -> str:
    value = " ".join(value.split())
    if not 1 <= len(value) <= 120:
        raise ValueError("Use 1 to 120 characters.")
    return value


class TribeIn(Strict):
    name: str
    slug: str | None = Field(default=None, pattern=r"^[a-z0-9-]{3,64}$")
    description: str = Field(default="", max_length=4000)
    visibility: Literal["secret", "listed"] = "secret"
    invite_policy: Literal["admins", "members"] = "admins"
    max_guests: int = Field(default=0, ge=0, le=20)

    _clean_name = field_validator("name")(classmethod(lambda cls, v: _name(v)))


class TribePatch(Strict):
    name: str | None = None
    description: str | None = Field(default=None, max_length=4000)
    visibility: Literal["secret", "listed"] | None = None
    invite_policy: Literal["admins", "members"] | None = None
    max_guests: int | None = Field(default=None, ge=0, le=20)
    new_member_hours: int | None = Field(default=None, ge=0, le=24 * 30)

    @field_validator("name")
    @classmethod
    def _clean(cls, value: str | None) -> str | None:
        return None if value is None else _name(value)


class RoleIn(Strict):
    role: Literal["owner", "admin", "organiser", "member"]


class BanIn(Strict):
    user_id: int
    reason: str = Field(default="", max_length=2000)
    with_branch: bool = False
    dry_run: bool = False


class InviteIn(Strict):
    max_uses: int = Field(default=1, ge=1, le=1000)
    expires_in_hours: int = Field(default=168, ge=1, le=8760)
    for_user_id: int | None = None
