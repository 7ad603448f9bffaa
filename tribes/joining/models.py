"""Join requests to listed tribes and members' vouches for them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tribes.accounts.models import User
from tribes.db import Base, IdType, RandomIdPK, utcnow

#: pending: with the admins · declined: declined by an admin (the requester still reads pending)
#: swallowed: quietly going nowhere (asked while banned) · accepted: now a member
#: closed: the tribe stopped taking requests (hidden from the requester)
STATUSES = ("pending", "declined", "swallowed", "accepted", "closed")
#: the statuses in which a request is still open from the requester's side (it holds the slot)
OPEN = ("pending", "declined", "swallowed")


class JoinRequest(RandomIdPK, Base):
    """One person's request to join one tribe; random ids, so nothing hidden moves what they see."""

    __tablename__ = "join_requests"
    __table_args__ = (
        #: one open request per person and tribe: `open_slot` is 1 while open, NULL after
        #: (NULLs never collide, on SQLite and PostgreSQL alike), so the database settles races
        UniqueConstraint("tribe_id", "user_id", "open_slot"),
        CheckConstraint("open_slot IS NULL OR open_slot = 1", name="open_slot_one"),
        CheckConstraint(
            "status IN ('pending','declined','swallowed','accepted','closed')", name="status"
        ),
        Index("ix_join_requests_tribe_id_status_queued_at_id", "tribe_id", "status", "queued_at", "id"),
        Index("ix_join_requests_user_id_created_at_id", "user_id", "created_at", "id"),
    )

    tribe_id: Mapped[int] = mapped_column(IdType, ForeignKey("tribes.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(IdType, ForeignKey("users.id", ondelete="CASCADE"))
    #: one answer per question of the tribe, in the questions' order
    answers: Mapped[list[str]] = mapped_column(JSON, default=list)
    message: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="pending")
    #: 1 while the request is open (pending, declined or swallowed), NULL once accepted or closed
    open_slot: Mapped[int | None] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: when it (last) reached the admins' queue: the queue's order
    queued_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: when an admin declined it; a new request within the cooldown stays quiet
    declined_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")


class JoinVouch(RandomIdPK, Base):
    """A member's "I know this person" on a pending request; the first one names the inviter."""

    __tablename__ = "join_vouches"
    __table_args__ = (UniqueConstraint("request_id", "user_id"),)

    request_id: Mapped[int] = mapped_column(IdType, ForeignKey("join_requests.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(IdType, ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")
