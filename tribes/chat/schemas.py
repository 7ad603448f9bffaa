"""Request schemas for chat: REST bodies and socket event payloads."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, field_validator

from tribes.accounts.schemas import Strict
from tribes.http import MAX_INT, storable_text

MAX_BODY = 4000


def _storable(value: str) -> str:
    if not storable_text(value):
        raise ValueError("Text contains unusable characters.")
    return value


#: text every database can store: no NUL byte, no lone surrogate (REST and sockets alike)
StorableText = Annotated[str, AfterValidator(_storable)]
#: an id as the contract allows it (0..2^53-1)
Id = Annotated[int, Field(ge=0, le=MAX_INT)]


def _body(value: str) -> str:
    value = _storable(value).strip()
    if not 1 <= len(value) <= MAX_BODY:
        raise ValueError(f"Use 1 to {MAX_BODY} characters.")
    return value


class MessageIn(Strict):
    """A new message: the body of POST /tribes/{slug}/messages, and of the socket `send`."""

    body: str
    client_id: StorableText = Field(min_length=1, max_length=64)

    _clean_body = field_validator("body")(classmethod(lambda cls, v: _body(v)))


class MessagePatch(Strict):
    """An edit: PATCH /messages/{id}."""

    body: str

    _clean_body = field_validator("body")(classmethod(lambda cls, v: _body(v)))


class SendEvent(MessageIn):
    """The socket `send`: a new message and its tribe."""

    tribe: StorableText = Field(min_length=1, max_length=64)


class JoinEvent(Strict):
    """The socket `join`: a tribe, and the last message id the client has."""

    tribe: StorableText = Field(min_length=1, max_length=64)
    after_id: Id | None = None


class TribeEvent(Strict):
    """The socket `leave` and `typing`."""

    tribe: StorableText = Field(min_length=1, max_length=64)
