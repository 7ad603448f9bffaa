"""Request schemas for meetups and RSVPs."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator

from tribes.accounts.schemas import Strict, known_timezone
from tribes.meetups.times import check_range

Visibility = Literal["members", "count", "organisers"]
#: the longest meetup description (Markdown source)
DESCRIPTION_MAX = 10000


def clean_title(value: str) -> str:
    """Collapse whitespace; 1..200 characters."""
    value = " ".join(value.split())
    if not 1 <= len(value) <= 200:
        raise ValueError("Use 1 to 200 characters.")
    return value


def clean_url(value: str | None) -> str | None:
    """An http(s) URL with a host, or None for an empty value."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in value):
        raise ValueError("Use an http:// or https:// address.")
    return value


class _MeetupFields(Strict):
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
