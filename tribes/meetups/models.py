"""Meetups, RSVPs and private calendar-feed tokens."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tribes.accounts.models import User
from tribes.db import Base, IdType, RandomIdPK, utcnow
from tribes.groups.models import Tribe

if TYPE_CHECKING:
    from tribes.meetups.series_models import MeetupSeries

RSVP_STATUSES = ("going", "maybe", "not_going", "waitlisted")
VISIBILITIES = ("members", "count", "organisers")


class Meetup(RandomIdPK, Base):
    """An event of a tribe, scheduled by an organiser."""

    __tablename__ = "meetups"
    __table_args__ = (
        Index("ix_meetups_tribe_id_starts_at_created_at_id", "tribe_id", "starts_at", "created_at", "id"),
        Index("ix_meetups_status_starts_at", "status", "starts_at"),
        CheckConstraint("capacity IS NULL OR going_count <= capacity", name="within_capacity"),
        CheckConstraint("going_count >= 0", name="going_count_positive"),
        CheckConstraint("status IN ('scheduled','cancelled')", name="status"),
        UniqueConstraint("series_id", "original_start"),
    )

    tribe_id: Mapped[int] = mapped_column(IdType, ForeignKey("tribes.id", ondelete="CASCADE"))
    created_by_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200))
    #: Markdown source; pages render it sanitised with nh3
    description: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    #: IANA zone the organiser chose; times are shown and exported in it
    timezone: Mapped[str] = mapped_column(String(64))
    location: Mapped[str] = mapped_column(String(300), default="")
    online_url: Mapped[str | None] = mapped_column(String(500))
    #: seats (attendees plus their guests); NULL = unlimited
    capacity: Mapped[int | None]
    max_guests: Mapped[int] = mapped_column(default=0)
    #: who sees the attendee list: members | count | organisers
    attendee_visibility: Mapped[str] = mapped_column(String(16), default="members")
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    cancelled_at: Mapped[datetime | None]
    #: iCalendar SEQUENCE: +1 on every change of time or place, and on cancellation
    sequence: Mapped[int] = mapped_column(default=0)
    #: seats taken by going RSVPs, guests included; only changed by conditional UPDATEs
    going_count: Mapped[int] = mapped_column(default=0)
    #: iCalendar UID, stable for the life of the meetup
    uid: Mapped[str] = mapped_column(String(120), unique=True)
    #: the starts_at the reminder was sent for; a moved meetup is reminded again
    reminded_for: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: the code organisers show at the door (tribes/meetups/checkin.py); NULL until first needed
    checkin_code: Mapped[str | None] = mapped_column(String(12))

    #: the recurring series this meetup is an occurrence of (tribes.meetups.series_models)
    series_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("meetup_series.id", ondelete="SET NULL"))
    #: the start the series' rule gave this occurrence (its RECURRENCE-ID), UTC
    original_start: Mapped[datetime | None]

    tribe: Mapped[Tribe] = relationship()
    created_by: Mapped[User | None] = relationship()
    series: Mapped[MeetupSeries | None] = relationship(lazy="selectin")


class Rsvp(RandomIdPK, Base):
    """One member's answer to a meetup (one per member and meetup)."""

    __tablename__ = "rsvps"
    __table_args__ = (
        UniqueConstraint("meetup_id", "user_id"),
        Index("ix_rsvps_meetup_id_status_waitlisted_at", "meetup_id", "status", "waitlisted_at"),
        Index("ix_rsvps_user_id", "user_id"),
        CheckConstraint("status IN ('going','maybe','not_going','waitlisted')", name="status"),
        CheckConstraint("guests >= 0", name="guests_positive"),
    )

    meetup_id: Mapped[int] = mapped_column(IdType, ForeignKey("meetups.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(IdType, ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))
    guests: Mapped[int] = mapped_column(default=0)
    #: when the member joined the waitlist (FIFO order); NULL unless waitlisted
    waitlisted_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: answers to the meetup's questions, {str(question id): text} (tribes/meetups/questions.py)
    answers: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    #: when the member was checked in at the door (NULL: not checked in)
    checked_in_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class MeetupQuestion(RandomIdPK, Base):
    """A question an organiser asks everyone who answers "going" (at most 5 per meetup)."""

    __tablename__ = "meetup_questions"
    __table_args__ = (Index("ix_meetup_questions_meetup_id_position", "meetup_id", "position"),)

    meetup_id: Mapped[int] = mapped_column(IdType, ForeignKey("meetups.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    text: Mapped[str] = mapped_column(String(300))
    required: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CalendarToken(RandomIdPK, Base):
    """The secret of a user's private calendar feed; only its SHA-256 is stored."""

    __tablename__ = "calendar_tokens"

    user_id: Mapped[int] = mapped_column(IdType, ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# the series table (Meetup.series_id points at it) belongs to the metadata whenever meetups do
import tribes.meetups.series_models  # noqa: E402,F401
