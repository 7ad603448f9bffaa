"""Request schemas for account deletion."""

from __future__ import annotations

from pydantic import Field

from tribes.accounts.schemas import Strict


class DeleteAccountIn(Strict):
    password: str = Field(max_length=1024)
    erase_messages: bool = False
