"""Chat messages of a tribe."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tribes.accounts.models import User
from tribes.db import Base, IdType, utcnow


class Message(Base):
    """A message posted in a tribe's chat; deletion leaves a tombstone."""

    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("author_id", "tribe_id", "client_id"),
        Index("ix_messages_tribe_id_id", "tribe_id", "id"),
        Index("ix_messages_author_id", "author_id"),
    )

    #: SEQUENTIAL on purpose, the one exception to the random-id rule (tribes/db.py): chat
    #: needs a total per-tribe order in its ids (keyset paging by id, catch-up by `after_id`,
    #: message events in id order), and a message is seen by everyone who may read its tribe.
    #: Residual leak, accepted: the gaps between one tribe's ids show the site-wide volume of
    #: messages posted meanwhile elsewhere (an aggregate, no single person's hidden event).
    id: Mapped[int] = mapped_column(IdType, primary_key=True)  # sequential: see the class docstring
    tribe_id: Mapped[int] = mapped_column(IdType, ForeignKey("tribes.id", ondelete="CASCADE"))
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
