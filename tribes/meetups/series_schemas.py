"""Request and response schemas of meet-up series."""

from __future__ import annotations

from datetime import date, time
from typing import Literal

from pydantic import Field, field_validator

from tribes.accounts.schemas import Strict
from tribes.endpoint import Out, Timestamp
from tribes.meetups.schemas import (
    MeetupIn,
    MeetupOut,
    UserCard,
    Visibility,
    _MeetupFields,
    clean_title,
)


class RecurrenceIn(Strict):
    rrule: str = Field(max_length=300)
    until: date | None = None


class SeriesMeetupIn(MeetupIn):
    """`POST /tribes/{slug}/meetups`: a meetup, or with `recurrence` the first of a series."""

    recurrence: RecurrenceIn | None = None


class SeriesPatch(_MeetupFields):
    """`PATCH /series/{id}`: this occurrence and all following."""

    from_meetup_id: int
    title: str | None = None
    max_guests: int | None = Field(default=None, ge=0, le=20)
    attendee_visibility: Visibility | None = None
    start_date: date | None = None
    start_time: time | None = None
    duration_minutes: int | None = Field(default=None, ge=1, le=24 * 60 * 31 - 1)
    rrule: str | None = Field(default=None, max_length=300)
    until: date | None = None

    @field_validator("title")
    @classmethod
    def _title(cls, value: str | None) -> str | None:
        return None if value is None else clean_title(value)


class SeriesRsvpIn(Strict):
    status: Literal["going", "maybe", "not_going"]


class SeriesOut(Out):
    """A series: its rule (and in words), template and next occurrences."""

    id: int
    tribe: str
    rrule: str
    until: Timestamp | None
    timezone: str
    starts_at: Timestamp
    duration_minutes: int
    title: str
    description: str
    location: str
    capacity: int | None
    status: str
    rule_text: str
    organiser: UserCard | None
    sequence: int
    my_rsvp: str | None
    upcoming: list[MeetupOut]


class SeriesRsvpOut(Out):
    """The standing answer and what each following occurrence now says."""

    status: str
    occurrences: list[dict[str, int | str | None]]
