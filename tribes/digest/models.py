"""When each person's digest was last built, and how far each tribe's chat was counted."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tribes.db import Base, IdType, RandomIdPK


class DigestState(RandomIdPK, Base):
    """One row per person whose digest was looked at; missing means never (due now)."""

    __tablename__ = "digest_states"

    user_id: Mapped[int] = mapped_column(IdType, ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    #: the last time the digest job looked (sent or found nothing): the next look is a day or a week later
    checked_at: Mapped[datetime]
    #: the last time a digest went out (null: never)
    sent_at: Mapped[datetime | None]


class DigestMark(RandomIdPK, Base):
    """How far a member's digests have counted a tribe's chat: later digests count only newer messages."""

    __tablename__ = "digest_marks"
    __table_args__ = (UniqueConstraint("user_id", "tribe_id"),)

    user_id: Mapped[int] = mapped_column(IdType, ForeignKey("users.id", ondelete="CASCADE"))
    tribe_id: Mapped[int] = mapped_column(IdType, ForeignKey("tribes.id", ondelete="CASCADE"))
    #: the newest message id of the tribe a digest has counted (messages are sequential: no foreign key)
    through_message_id: Mapped[int] = mapped_column(IdType)
