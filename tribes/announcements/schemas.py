"""Request and response schemas for announcements."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from tribes.accounts.schemas import Strict, UserCard
from tribes.endpoint import Out, Timestamp
from tribes.i18n import _
from tribes.meetups.schemas import clean_title

Answer = Literal["going", "maybe", "waitlisted", "none"]
ANSWERS: tuple[str, ...] = ("going", "maybe", "waitlisted", "none")
#: the longest announcement body (plain text or Markdown)
BODY_MAX = 10000


class AnnouncementIn(Strict):
    """`{title, body, meetup_id?, rsvp?, essential?}`: the whole tribe, or one meetup's people by answer."""

    title: str
    body: str = Field(max_length=BODY_MAX)
    meetup_id: int | None = Field(default=None, ge=1, le=2**63 - 1)
    #: the answers to pick the meetup's people by (default: going)
    rsvp: list[Answer] | None = Field(default=None, max_length=4)
    essential: bool = False

    _title = field_validator("title")(classmethod(lambda cls, v: clean_title(v)))

    @field_validator("body")
    @classmethod
    def _body(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError(_("Write something."))
        return value

    @field_validator("rsvp")
    @classmethod
    def _rsvp(cls, value: list[Answer] | None) -> list[Answer] | None:
        if value is None:
            return None
        if not value:
            raise ValueError(_("Pick at least one answer."))
        return sorted(set(value), key=ANSWERS.index)


class AudienceOut(Out):
    """How many people an announcement would reach now."""

    count: int


class AnnouncementOut(Out):
    """An announcement as members read it."""

    id: int
    tribe: str
    title: str
    body: str
    author: UserCard | None
    #: "tribe" (every member) or "meetup" (the people of one meetup, by answer)
    audience: Literal["tribe", "meetup"]
    meetup_id: int | None
    #: the answers its meetup's people were picked by; [] for the whole tribe
    rsvp: list[Answer]
    essential: bool
    #: how many people it reached when sent (organisers only; null for others)
    recipient_count: int | None
    created_at: Timestamp
