"""Recurring meet-up series: the rule and template of their occurrences, and standing answers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tribes.accounts.models import User
from tribes.db import Base, IdType, RandomIdPK, utcnow
from tribes.groups.models import Tribe

SERIES_STATUSES = ("active", "ended", "orphaned")


class MeetupSeries(RandomIdPK, Base):
    """A recurring meet-up: an RRULE in local wall time of `timezone`, and the template of
    its occurrences (each occurrence is a `Meetup` with `series_id` and `original_start`)."""

    __tablename__ = "meetup_series"
    __table_args__ = (
        Index("ix_meetup_series_status_materialised_until", "status", "materialised_until"),
        Index("ix_meetup_series_tribe_id", "tribe_id"),
        CheckConstraint("status IN ('active','ended','orphaned')", name="status"),
        CheckConstraint("duration_minutes > 0", name="duration_positive"),
    )

    tribe_id: Mapped[int] = mapped_column(IdType, ForeignKey("tribes.id", ondelete="CASCADE"))
    #: the organiser responsible; when they are no longer organiser+ the series is orphaned
    organiser_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id", ondelete="SET NULL"))
    #: RFC 5545 RRULE without DTSTART/UNTIL/COUNT (a COUNT is stored as `until`)
    rrule: Mapped[str] = mapped_column(String(300))
    #: DTSTART: the first occurrence's start (UTC); its wall time in `timezone` is the rule's time of day
    starts_at: Mapped[datetime]
    #: no occurrence starts after this instant (UTC); NULL = open-ended
    until: Mapped[datetime | None]
    timezone: Mapped[str] = mapped_column(String(64))
    duration_minutes: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    location: Mapped[str] = mapped_column(String(300), default="")
    online_url: Mapped[str | None] = mapped_column(String(500))
    capacity: Mapped[int | None]
    max_guests: Mapped[int] = mapped_column(default=0)
    attendee_visibility: Mapped[str] = mapped_column(String(16), default="members")
    status: Mapped[str] = mapped_column(String(16), default="active")
    #: iCalendar UID of the master VEVENT in the calendar feed
    uid: Mapped[str] = mapped_column(String(120), unique=True)
    #: iCalendar SEQUENCE of the master VEVENT (+1 per change of the rule or template)
    sequence: Mapped[int] = mapped_column(default=0)
    #: occurrences exist up to this instant (the materialiser's progress)
    materialised_until: Mapped[datetime | None]
    #: when the tribe's admins were told the series lost its organiser (once)
    orphan_notified_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    tribe: Mapped[Tribe] = relationship()
    organiser: Mapped[User | None] = relationship()


class SeriesRsvp(RandomIdPK, Base):
    """A member's standing answer to every following occurrence of a series."""

    __tablename__ = "meetup_series_rsvps"
    __table_args__ = (
        UniqueConstraint("series_id", "user_id"),
        CheckConstraint("status IN ('going','maybe','not_going')", name="status"),
    )

    series_id: Mapped[int] = mapped_column(IdType, ForeignKey("meetup_series.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(IdType, ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
