"""Request schemas for contacts and blocks."""

from __future__ import annotations

from pydantic import Field

from tribes.accounts.schemas import Strict


class ContactRequestIn(Strict):
    user_id: int
    message: str = Field(default="", max_length=500)


class BlockIn(Strict):
    user_id: int
