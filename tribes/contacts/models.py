"""Contact requests, contacts and blocks."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tribes.accounts.models import User
from tribes.db import Base, IdType, RandomIdPK, utcnow


class ContactRequest(RandomIdPK, Base):
    """The one request row of a pair of users; a decline is stored but never shown to the sender."""

    __tablename__ = "contact_requests"
    __table_args__ = (
        #: at most one request per pair, whichever direction: the database settles races
        UniqueConstraint("low_id", "high_id"),
        CheckConstraint("low_id < high_id", name="ordered_pair"),
        Index("ix_contact_requests_recipient_id_created_at_id", "recipient_id", "created_at", "id"),
        Index("ix_contact_requests_sender_id_created_at_id", "sender_id", "created_at", "id"),
    )

    sender_id: Mapped[int] = mapped_column(IdType, ForeignKey("users.id", ondelete="CASCADE"))
    recipient_id: Mapped[int] = mapped_column(IdType, ForeignKey("users.id", ondelete="CASCADE"))
    #: min(sender_id, recipient_id): with high_id the key of the pair
    low_id: Mapped[int] = mapped_column(IdType, ForeignKey("users.id", ondelete="CASCADE"))
    #: max(sender_id, recipient_id)
    high_id: Mapped[int] = mapped_column(IdType, ForeignKey("users.id", ondelete="CASCADE"))
    message: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: set by the recipient's decline (or a block); the sender keeps seeing "pending"
    declined_at: Mapped[datetime | None]
    #: when the sender sent again after a decline: shown to the recipient once the cooldown is over
    resent_at: Mapped[datetime | None]
    #: the sender withdrew it; the row stays so a decline cannot be washed out by re-sending
    withdrawn_at: Mapped[datetime | None]

    sender: Mapped[User] = relationship(foreign_keys=[sender_id], lazy="joined")
    recipient: Mapped[User] = relationship(foreign_keys=[recipient_id], lazy="joined")


class Contact(RandomIdPK, Base):
    """Two users who accepted each other; one row per pair (low_id < high_id)."""

    __tablename__ = "contacts"
    __table_args__ = (
        UniqueConstraint("low_id", "high_id"),
        CheckConstraint("low_id < high_id", name="ordered_pair"),
        Index("ix_contacts_high_id", "high_id"),
    )

    low_id: Mapped[int] = mapped_column(IdType, ForeignKey("users.id", ondelete="CASCADE"))
    high_id: Mapped[int] = mapped_column(IdType, ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


