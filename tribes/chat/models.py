"""Chat messages of a room: a tribe's chat or a conversation (direct messages)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    Connection,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tribes.accounts.models import User
from tribes.db import Base, IdType, RandomIdPK, utcnow


class Message(Base):
    """A message posted in a room (a tribe or a conversation); deletion leaves a tombstone."""

    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("author_id", "tribe_id", "client_id"),
        UniqueConstraint("author_id", "conversation_id", "client_id"),
        CheckConstraint("(tribe_id IS NULL) <> (conversation_id IS NULL)", name="one_room"),
        Index("ix_messages_tribe_id_id", "tribe_id", "id"),
        Index("ix_messages_conversation_id_id", "conversation_id", "id"),
        #: the unread counts (tribes.groups.reads) read only this index: live messages of a
        #: tribe after the marker, with their author (an index-only scan, no heap visit)
        Index("ix_messages_live_tribe_id_id_author_id", "tribe_id", "id", "author_id",
              postgresql_where=text("deleted_at IS NULL"), sqlite_where=text("deleted_at IS NULL")),
        #: my own live messages in a tribe after an id (the unread counts subtract them: chat.blocks)
        Index("ix_messages_live_tribe_id_author_id_id", "tribe_id", "author_id", "id",
              postgresql_where=text("deleted_at IS NULL"), sqlite_where=text("deleted_at IS NULL")),
        Index("ix_messages_author_id", "author_id"),
    )

    #: SEQUENTIAL on purpose, the one exception to the random-id rule (tribes/db.py): chat
    #: needs a total per-room order in its ids (keyset paging by id, catch-up by `after_id`,
    #: message events in id order), and a message is seen by everyone who may read its room.
    #: Residual leak, accepted: the gaps between one room's ids show the site-wide volume of
    #: messages posted meanwhile elsewhere (an aggregate, no single person's hidden event).
    #: A direct message swallowed by a block (see `HiddenMessage`) takes an id from the
    #: same site-wide sequence: to its blocked recipient that id is one more gap, which
    #: cannot be told apart from any message posted anywhere else on the site; no count,
    #: list or marker the recipient reads includes it.
    id: Mapped[int] = mapped_column(IdType, primary_key=True)  # sequential: see the class docstring
    tribe_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("tribes.id", ondelete="CASCADE"))
    conversation_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("conversations.id", ondelete="CASCADE")
    )
    #: null once the author's account was deleted ("deleted member")
    author_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id", ondelete="SET NULL"))
    #: plain text, trimmed; "" once deleted
    body: Mapped[str] = mapped_column(Text)
    #: the sender's idempotency key: a resend with the same key is the same message
    client_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]
    deleted_by_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id", ondelete="SET NULL"))

    author: Mapped[User | None] = relationship(foreign_keys=[author_id], lazy="joined")


class MessageBlock(Base):
    """How many of a tribe's messages with ids in one block (id / `blocks.BLOCK_IDS`) are
    live; kept by triggers on `messages` (`tribes.chat.blocks`), read by the unread counts."""

    __tablename__ = "message_blocks"

    tribe_id: Mapped[int] = mapped_column(IdType, ForeignKey("tribes.id", ondelete="CASCADE"), primary_key=True)
    block: Mapped[int] = mapped_column(IdType, primary_key=True)
    live: Mapped[int] = mapped_column(IdType)


@event.listens_for(Base.metadata, "after_create")
def _install_block_triggers(_metadata: object, connection: Connection, **_kw: object) -> None:
    """A schema made from the models (tests, `create_all`) gets the triggers the migration makes."""
    from tribes.chat import blocks

    blocks.install(connection)


class Conversation(RandomIdPK, Base):
    """Direct messages between 2..8 people."""

    __tablename__ = "conversations"

    #: the sorted member ids ("1,5,9"): one conversation per exact set of people, settled
    #: by the database when two of them start it at once
    members_key: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id", ondelete="SET NULL"))


class ConversationMember(Base):
    """One person in a conversation, with what only they may know: how far they read,
    whether they left it, whether it is still a message request to them."""

    __tablename__ = "conversation_members"
    __table_args__ = (
        Index("ix_conversation_members_user_id_last_activity_id", "user_id", "last_activity_id", "conversation_id"),
    )

    conversation_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(IdType, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    #: "active", "request" (a message request to this member) or "declined" (quietly)
    status: Mapped[str] = mapped_column(String(16), default="active")
    #: the last message id this member has read (never shown to anyone else)
    last_read_id: Mapped[int] = mapped_column(IdType, default=0)
    #: the newest message id this member can read (latest activity first, per member:
    #: a message swallowed for them does not move it)
    last_activity_id: Mapped[int] = mapped_column(IdType, default=0)
    #: messages up to this id are hidden from this member (they left it then)
    hidden_until_id: Mapped[int] = mapped_column(IdType, default=0)
    #: set while this member has left it; a new message from someone else brings it back
    left_at: Mapped[datetime | None]
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)


class HiddenMessage(Base):
    """A direct message swallowed for one recipient because they blocked its author:
    the author sees it as sent, the recipient never receives it."""

    __tablename__ = "hidden_messages"

    message_id: Mapped[int] = mapped_column(IdType, ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(IdType, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
