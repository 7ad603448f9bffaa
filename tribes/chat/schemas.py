"""Request schemas for chat: REST bodies and socket event payloads."""

from __future__ import annotations

from pydantic import Field, field_validator

from tribes.accounts.schemas import Strict

MAX_BODY = 4000


def _body(value: str) -> str:
    value = value.strip()
    if not 1 <= len(value) <= MAX_BODY:
        raise ValueError(f"Use 1 to {MAX_BODY} characters.")
    return value


class MessageIn(Strict):
    body: str
    client_id: str = Field(min_length=1, max_length=64)

    _clean_body = field_validator("body")(classmethod(lambda cls, v: _body(v)))


class MessagePatch(Strict):
    body: str

    _clean_body = field_validator("body")(classmethod(lambda cls, v: _body(v)))


class SendEvent(MessageIn):
    tribe: str = Field(min_length=1, max_length=64)


class JoinEvent(Strict):
    tribe: str = Field(min_length=1, max_length=64)
    after_id: int | None = Field(default=None, ge=0)


class TribeEvent(Strict):
    tribe: str = Field(min_length=1, max_length=64)
