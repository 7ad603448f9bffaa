"""Request schemas for reports, resolutions and mutes."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from tribes.accounts.schemas import Strict

MAX_ID = 2**53


class ReportIn(Strict):
    tribe: str = Field(min_length=1, max_length=64)
    target_type: Literal["message", "user", "meetup"]
    target_id: int = Field(ge=1, le=MAX_ID)
    reason: str = Field(min_length=1, max_length=2000)

    @field_validator("reason")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("Say what is wrong.")
        return value


class ResolveIn(Strict):
    action: Literal["dismiss", "delete_content", "remove_member", "ban_member"]
    note: str = Field(default="", max_length=2000)


class MuteIn(Strict):
    user_id: int = Field(ge=1, le=MAX_ID)
    #: 1 minute to 30 days
    minutes: int = Field(ge=1, le=43200)
