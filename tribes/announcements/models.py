"""Announcements and who they were addressed to."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tribes.accounts.models import User
from tribes.db import Base, IdType, RandomIdPK, utcnow

#: the answers an audience can be picked by ("none": members who have not answered the meetup)
AUDIENCE_ANSWERS = ("going", "maybe", "waitlisted", "none")


class Announcement(RandomIdPK, Base):
    """A message from an organiser to the tribe, or to the people of one meetup."""

    __tablename__ = "announcements"
    __table_args__ = (
        Index("ix_announcements_tribe_id_created_at_id", "tribe_id", "created_at", "id"),
        CheckConstraint("audience IN ('tribe','meetup')", name="audience"),
    )

    tribe_id: Mapped[int] = mapped_column(IdType, ForeignKey("tribes.id", ondelete="CASCADE"))
    #: null once the author's account is deleted
    author_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200))
    #: plain text or Markdown; pages render it sanitised with nh3 (as meetup descriptions)
    body: Mapped[str] = mapped_column(Text)
    #: tribe (every member) | meetup (the people of one meetup, by answer; kept as recipients)
    audience: Mapped[str] = mapped_column(String(8), default="tribe")
    #: the meetup whose people it was addressed to; null = the whole tribe
    meetup_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("meetups.id", ondelete="SET NULL"))
    #: the meetup answers picked (see AUDIENCE_ANSWERS); empty for the whole tribe
    rsvp: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: a practical change of a meetup: mailed even to those who turned announcement mail off
    essential: Mapped[bool] = mapped_column(default=False)
    #: how many people it reached when it was sent
    recipient_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User | None] = relationship(lazy="joined")


class AnnouncementRecipient(RandomIdPK, Base):
    """One person a meetup announcement was addressed to (they see it in the tribe's list)."""

    __tablename__ = "announcement_recipients"
    __table_args__ = (
        UniqueConstraint("announcement_id", "user_id"),
        Index("ix_announcement_recipients_user_id", "user_id"),
    )

    announcement_id: Mapped[int] = mapped_column(IdType, ForeignKey("announcements.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(IdType, ForeignKey("users.id", ondelete="CASCADE"))
