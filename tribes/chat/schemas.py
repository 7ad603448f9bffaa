"""Chat schemas: REST bodies and socket event payloads in, the message object out."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, NotRequired, cast

from pydantic import AfterValidator, Field, field_validator
from typing_extensions import TypedDict

from tribes.accounts.schemas import Strict
from tribes.accounts.service import card
from tribes.chat.models import Message
from tribes.endpoint import Out, Timestamp
from tribes.http import MAX_INT, storable_text
from tribes.i18n import _

MAX_BODY = 4000


def _storable(value: str) -> str:
    if not storable_text(value):
        raise ValueError(_("Text contains unusable characters."))
    return value


#: text every database can store: no NUL byte, no lone surrogate (REST and sockets alike)
StorableText = Annotated[str, AfterValidator(_storable)]
#: an id as the contract allows it (0..2^53-1)
Id = Annotated[int, Field(ge=0, le=MAX_INT)]


def _body(value: str) -> str:
    value = _storable(value).strip()
    if not 1 <= len(value) <= MAX_BODY:
        raise ValueError(_("Use 1 to %(max)s characters.", max=MAX_BODY))
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


# ---------------------------------------------------------------- responses


class UserCard(TypedDict):
    """The contract's public user card, as `accounts.service.card` makes it."""

    id: int
    display_name: str
    avatar_url: NotRequired[str]


class MessageOut(Out):
    """The contract's message object, for REST and socket events alike (body is plain
    text; the page escapes it; a deleted message keeps its place with an empty body)."""

    id: int
    tribe: str
    author: UserCard | None
    body: str
    created_at: Timestamp
    edited_at: Timestamp | None
    deleted: bool
    client_id: str

    @classmethod
    def of(cls, message: Message, slug: str) -> MessageOut:
        """A stored message of the tribe `slug`."""
        deleted = message.deleted_at is not None
        return cls(
            id=message.id,
            tribe=slug,
            author=cast(UserCard | None, card(message.author)),
            body="" if deleted else message.body,
            created_at=message.created_at,
            edited_at=message.edited_at,
            deleted=deleted,
            client_id=message.client_id,
        )

    @classmethod
    def new(
        cls, message_id: int, slug: str, author: dict[str, Any] | None, body: str, client_id: str, at: datetime
    ) -> MessageOut:
        """A message just inserted by the send path (its author card read in the checks' query)."""
        return cls(
            id=message_id, tribe=slug, author=cast(UserCard | None, author), body=body,
            created_at=at, edited_at=None, deleted=False, client_id=client_id,
        )

