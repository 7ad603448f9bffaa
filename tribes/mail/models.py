"""The outbox of mails and the password-reset tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tribes.db import Base, IdType, RandomIdPK, utcnow


class OutboxMail(RandomIdPK, Base):
    """A mail queued in the same transaction as its cause; sent once by the sender job.

    status: queued (waiting, perhaps for a retry at `next_attempt_at`) → sending (claimed by
    a sender until `claimed_until`) → sent | failed.
    """

    __tablename__ = "outbox_mails"
    __table_args__ = (
        Index("ix_outbox_mails_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_outbox_mails_user_id_created_at", "user_id", "created_at"),
        # the site admins' outbox list: by status, newest first
        Index("ix_outbox_mails_status_created_at_id", "status", "created_at", "id"),
    )

    #: the account the mail is for (None: an address without an account, e.g. an invite)
    user_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id", ondelete="CASCADE"))
    to_address: Mapped[str] = mapped_column(String(254))
    kind: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(300))
    message_id: Mapped[str] = mapped_column(String(255))
    #: the whole RFC 5322 message (7-bit clean), built when it was queued
    message: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_until: Mapped[datetime | None] = mapped_column()
    sent_at: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(String(500))


class PasswordResetToken(RandomIdPK, Base):
    """A password-reset link: only the SHA-256 of its token is stored; single use, 60 minutes."""

    __tablename__ = "password_reset_tokens"
    __table_args__ = (Index("ix_password_reset_tokens_user_id", "user_id"),)

    user_id: Mapped[int] = mapped_column(IdType, ForeignKey("users.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
