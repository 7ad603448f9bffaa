"""Request and response schemas for meetups, RSVPs, attendees and the private feed."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Literal, NotRequired, cast
from urllib.parse import urlsplit

from pydantic import Field, field_validator
from typing_extensions import TypedDict

from tribes.accounts.schemas import Strict, known_timezone
from tribes.accounts.service import card
from tribes.endpoint import Out, Page, Timestamp
from tribes.i18n import _
from tribes.meetups.models import Meetup, MeetupQuestion, Rsvp
from tribes.meetups.times import check_range

Visibility = Literal["members", "count", "organisers"]
#: the longest meetup description (Markdown source)
DESCRIPTION_MAX = 10000


def clean_title(value: str) -> str:
    """Collapse whitespace; 1..200 characters."""
    value = " ".join(value.split())
    if not 1 <= len(value) <= 200:
        raise ValueError(_("Use 1 to 200 characters."))
    return value


def clean_url(value: str | None) -> str | None:
    """An http(s) URL with a host, or None for an empty value."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in value):
        raise ValueError(_("Use an http:// or https:// address."))
    return value


class QuestionIn(Strict):
    """A question asked on RSVP: with `id` an existing one is kept (and may change), without a new one."""

    id: int | None = None
    text: str
    required: bool = False

    @field_validator("text")
    @classmethod
    def _text(cls, value: str) -> str:
        value = " ".join(value.split())
        if not 1 <= len(value) <= 300:
            raise ValueError(_("Use 1 to 300 characters."))
        return value


class _MeetupFields(Strict):
    questions: list[QuestionIn] | None = Field(default=None, max_length=5)
    description: str | None = Field(default=None, max_length=DESCRIPTION_MAX)
    location: str | None = Field(default=None, max_length=300)
    online_url: str | None = Field(default=None, max_length=500)
    capacity: int | None = Field(default=None, ge=1, le=100000)

    _url = field_validator("online_url")(classmethod(lambda cls, v: clean_url(v)))

    @field_validator("location")
    @classmethod
    def _location(cls, value: str | None) -> str | None:
        return None if value is None else " ".join(value.split())


class MeetupIn(_MeetupFields):
    title: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    max_guests: int = Field(default=0, ge=0, le=20)
    attendee_visibility: Visibility = "members"

    _title = field_validator("title")(classmethod(lambda cls, v: clean_title(v)))
    _tz = field_validator("timezone")(classmethod(lambda cls, v: known_timezone(v)))
    _times = field_validator("starts_at", "ends_at")(classmethod(lambda cls, v: check_range(v)))


class MeetupPatch(_MeetupFields):
    title: str | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    timezone: str | None = None
    max_guests: int | None = Field(default=None, ge=0, le=20)
    attendee_visibility: Visibility | None = None

    @field_validator("title")
    @classmethod
    def _title(cls, value: str | None) -> str | None:
        return None if value is None else clean_title(value)

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str | None) -> str | None:
        return None if value is None else known_timezone(value)

    @field_validator("starts_at", "ends_at")
    @classmethod
    def _times(cls, value: datetime | None) -> datetime | None:
        return None if value is None else check_range(value)


class CancelIn(Strict):
    reason: str = Field(default="", max_length=2000)


class RsvpIn(Strict):
    status: Literal["going", "maybe", "not_going"]
    guests: int = Field(default=0, ge=0, le=20)
    #: {question id: text}, checked with "going" (tribes/meetups/questions.py); omitted: keep the stored ones
    answers: dict[str, str] | None = Field(default=None, max_length=5)


# ---------------------------------------------------------------- responses


class UserCard(TypedDict):
    """The contract's public user card, as `accounts.service.card` makes it."""

    id: int
    display_name: str
    avatar_url: NotRequired[str]


class SeriesRef(Out):
    """The series a meetup is an occurrence of."""

    id: int
    rrule: str


class QuestionOut(Out):
    """A question of a meetup: `{id, text, required}`."""

    id: int
    text: str
    required: bool


class MeetupOut(Out):
    """The contract's meetup object (times in UTC; `timezone` is the organiser's IANA zone)."""

    id: int
    tribe: str
    title: str
    description: str
    starts_at: Timestamp
    ends_at: Timestamp
    timezone: str
    location: str
    online_url: str | None
    capacity: int | None
    status: str
    cancel_reason: str | None
    max_guests: int
    attendee_visibility: str
    going_count: int
    waitlist_count: int
    my_rsvp: str | None
    created_by: UserCard | None
    sequence: int
    created_at: Timestamp
    updated_at: Timestamp
    series: SeriesRef | None = None
    questions: list[QuestionOut] = []
    #: the door code, for organisers (and above) only
    checkin_code: str | None = Field(default=None, exclude_if=lambda value: value is None)

    @classmethod
    def of(
        cls, meetup: Meetup, my_rsvp: str | None = None, waitlist_count: int = 0, *,
        organiser: bool = False, questions: Collection[MeetupQuestion] = (),
    ) -> MeetupOut:
        """The meetup with the reader's answer and the waitlist length; the online link only
        for a reader who is going or organises, the door code only for organisers."""
        return cls(
            id=meetup.id,
            tribe=meetup.tribe.slug,
            title=meetup.title,
            description=meetup.description,
            starts_at=meetup.starts_at,
            ends_at=meetup.ends_at,
            timezone=meetup.timezone,
            location=meetup.location,
            online_url=meetup.online_url if organiser or my_rsvp == "going" else None,
            capacity=meetup.capacity,
            status=meetup.status,
            cancel_reason=meetup.cancel_reason if meetup.status == "cancelled" else None,
            max_guests=meetup.max_guests,
            attendee_visibility=meetup.attendee_visibility,
            going_count=meetup.going_count,
            waitlist_count=waitlist_count,
            my_rsvp=my_rsvp,
            created_by=cast(UserCard | None, card(meetup.created_by)),
            sequence=meetup.sequence,
            created_at=meetup.created_at,
            updated_at=meetup.updated_at,
            series=SeriesRef(id=meetup.series.id, rrule=meetup.series.rrule) if meetup.series is not None else None,
            questions=[QuestionOut(id=q.id, text=q.text, required=q.required) for q in questions],
            checkin_code=meetup.checkin_code if organiser else None,
        )

    @classmethod
    def many(
        cls, meetups: list[Meetup], answers: Mapping[int, str], waiting: Mapping[int, int],
        organising: Collection[int] = (), questions: Mapping[int, list[MeetupQuestion]] | None = None,
    ) -> list[MeetupOut]:
        """A page of meetups, given the reader's answers, the waitlist lengths, the meetups the
        reader organises and the questions, by meetup id (`service.reader_facts`)."""
        return [cls.of(m, answers.get(m.id), int(waiting.get(m.id, 0)), organiser=m.id in organising,
                       questions=(questions or {}).get(m.id, ())) for m in meetups]


class _WithPosition(Out):
    """A response whose `waitlist_position` key appears only for a waitlisted answer."""

    waitlist_position: int | None = Field(default=None, exclude_if=lambda value: value is None)


class RsvpOut(_WithPosition):
    """The contract's RSVP answer: `{status, guests, waitlist_position?}` (status null: no answer)."""

    status: str | None
    guests: int

    @classmethod
    def of(cls, rsvp: Rsvp | None, position: int | None = None) -> RsvpOut:
        """The answer (and its waitlist place), or `{status: null, guests: 0}` without one."""
        if rsvp is None:
            return cls(status=None, guests=0)
        return cls(status=rsvp.status, guests=rsvp.guests, waitlist_position=position)


class AttendeeOut(_WithPosition):
    """One person on the attendee list: `{user, status, guests, waitlist_position?, checked_in,
    answers?}` (`answers` only for organisers)."""

    user: UserCard | None
    status: str
    guests: int
    checked_in: bool = False
    answers: dict[str, str] | None = Field(default=None, exclude_if=lambda value: value is None)

    @classmethod
    def of(cls, rsvp: Rsvp, position: int | None = None, answers: dict[str, str] | None = None) -> AttendeeOut:
        """The RSVP as the attendee list shows it (with `answers` for an organiser)."""
        return cls(user=cast(UserCard | None, card(rsvp.user)), status=rsvp.status, guests=rsvp.guests,
                   waitlist_position=position, checked_in=rsvp.checked_in_at is not None, answers=answers)


class AttendeesPage(Page[AttendeeOut]):
    """A page of attendees with the meetup's seat counts."""

    going_count: int
    waitlist_count: int


class CalendarFeedOut(Out):
    """The private calendar feed's absolute URL (shown once)."""

    url: str
