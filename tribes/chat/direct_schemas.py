"""Direct-message schemas: conversation bodies and socket events in, conversation and message objects out."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, cast

from pydantic import Field, RootModel, field_validator

from tribes.accounts.schemas import Strict
from tribes.accounts.service import card
from tribes.chat.models import Message
from tribes.chat.schemas import Id, MessageIn, MessageOut, UserCard
from tribes.endpoint import Out, Timestamp
from tribes.i18n import _

#: a conversation has 2..8 people: me and 1..7 others
MAX_OTHERS = 7


class ConversationIn(Strict):
    """POST /conversations: the other people, and maybe a first message."""

    user_ids: list[Id] = Field(min_length=1, max_length=MAX_OTHERS)
    message: MessageIn | None = None

    @field_validator("user_ids")
    @classmethod
    def _distinct(cls, value: list[int]) -> list[int]:
        """Each person once."""
        if len(set(value)) != len(value):
            raise ValueError(_("Name each person once."))
        return value


class ReadIn(Strict):
    """POST /conversations/{id}/read: how far I have read."""

    message_id: Id


class DirectSendEvent(MessageIn):
    """The socket `send` to a conversation."""

    conversation: Id


class DirectJoinEvent(Strict):
    """The socket `join` of a conversation: catch-up after `after_id`."""

    conversation: Id
    after_id: Id | None = None


class DirectMessageOut(Out):
    """The contract's message object for a direct message (`tribe` null, `conversation` set)."""

    id: int
    tribe: None = None
    conversation: int
    author: UserCard | None
    body: str
    created_at: Timestamp
    edited_at: Timestamp | None
    deleted: bool
    client_id: str

    @classmethod
    def of(cls, message: Message) -> DirectMessageOut:
        """A stored direct message."""
        deleted = message.deleted_at is not None
        return cls(
            id=message.id, conversation=cast(int, message.conversation_id),
            author=cast(UserCard | None, card(message.author)),
            body="" if deleted else message.body, created_at=message.created_at,
            edited_at=message.edited_at, deleted=deleted, client_id=message.client_id,
        )

    @classmethod
    def new(
        cls, message_id: int, conversation_id: int, author: dict[str, Any] | None, body: str,
        client_id: str, at: datetime,
    ) -> DirectMessageOut:
        """A direct message just inserted by the send path."""
        return cls(
            id=message_id, conversation=conversation_id, author=cast(UserCard | None, author),
            body=body, created_at=at, edited_at=None, deleted=False, client_id=client_id,
        )


class AnyMessageOut(RootModel[MessageOut | DirectMessageOut]):
    """A message of a tribe or of a conversation (PATCH /messages/{id})."""


class ConversationOut(Out):
    """The contract's conversation object, as one member sees it."""

    id: int
    members: list[UserCard]
    created_at: Timestamp
    last_message: DirectMessageOut | None
    unread: int
    status: Literal["active", "request"]


class UnreadOut(Out):
    """The answer of POST /conversations/{id}/read."""

    unread: int
