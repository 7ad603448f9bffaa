"""The meetup lists without the ORM: Core rows straight to the contract's JSON.

`GET /tribes/{slug}/meetups` and `GET /me/meetups` used to load a page of `Meetup` objects
(with their creator, tribe and series by three `selectin` loads), ask four more statements for
the reader's facts (my answer, the waitlist lengths, the tribes I organise, the questions) and
validate one `MeetupOut` per meetup: nine statements per request and 7-9 ms of CPU (bench/README.md,
"Third round").
Here the page is one Core statement, built once per process per shape: the meetup's columns,
its creator's card columns and its series (outer joins), the reader's answer and the waitlist
length as correlated subqueries on the RSVP indexes, and whether it has questions; a second
statement reads the questions only when a meetup of the page has some. Each row becomes the
dict `MeetupOut.of(...).model_dump(mode="json")` made, with the same rules: the online link
only for a reader who is going or organises, the door code only for organisers, the cancel
reason only when cancelled (tests/meetups/test_meetup_rows.py compares the bytes).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, exists, func, select, tuple_
from sqlalchemy.orm import Session

from tribes.accounts.models import User
from tribes.accounts.schemas import card_of
from tribes.db import DirectSelect
from tribes.groups import policy
from tribes.groups.models import Membership, Tribe
from tribes.meetups.models import Meetup, MeetupQuestion, Rsvp
from tribes.meetups.online import ORGANISER_ROLES
from tribes.meetups.series_models import MeetupSeries
from tribes.meetups.service import earliest_start

#: the columns of a meetup object, its creator's card, its series and the reader's facts
_COLUMNS = (
    Meetup.id, Meetup.title, Meetup.description, Meetup.starts_at, Meetup.ends_at, Meetup.timezone,
    Meetup.location, Meetup.online_url, Meetup.capacity, Meetup.status, Meetup.cancel_reason,
    Meetup.max_guests, Meetup.attendee_visibility, Meetup.going_count, Meetup.sequence, Meetup.created_at,
    Meetup.updated_at, Meetup.checkin_code,
    User.id, User.display_name, User.avatar_url, User.profile_visibility,
    MeetupSeries.id, MeetupSeries.rrule,
    # my answer (uq_rsvps_meetup_id_user_id) and the waitlist (ix_rsvps_meetup_id_status_waitlisted_at)
    select(Rsvp.status).where(Rsvp.meetup_id == Meetup.id, Rsvp.user_id == bindparam("user_id"))
    .scalar_subquery().label("my_rsvp"),
    select(func.count()).select_from(Rsvp).where(Rsvp.meetup_id == Meetup.id, Rsvp.status == "waitlisted")
    .scalar_subquery().label("waitlist_count"),
    exists().where(MeetupQuestion.meetup_id == Meetup.id).label("asks"),
)
#: where "asks" is in a row
_ASKS = len(_COLUMNS) - 1
#: the keyset of every meetup list: soonest first, then by creation, then by id
_KEY = (Meetup.starts_at, Meetup.created_at, Meetup.id)

#: the page statements, built once per process and run on the DBAPI cursor (tribes.db.DirectSelect):
#: (scope, bounded by `to`?, after a cursor?) → statement
_PAGES: dict[tuple[str, bool, bool], DirectSelect] = {}

_QUESTIONS = (
    select(MeetupQuestion.meetup_id, MeetupQuestion.id, MeetupQuestion.text, MeetupQuestion.required)
    .where(MeetupQuestion.meetup_id.in_(bindparam("ids", expanding=True)))
    .order_by(MeetupQuestion.meetup_id, MeetupQuestion.position, MeetupQuestion.id)
)


def _page_statement(scope: str, bounded: bool, after: bool) -> DirectSelect:
    """Scope "tribe": the meetups of the tribe `tribe_id`; "mine": of every tribe of `user_id`
    (two more columns: the tribe's slug and my role in it)."""
    key = (scope, bounded, after)
    page = _PAGES.get(key)
    if page is None:
        stmt: Select[Any]
        if scope == "tribe":
            stmt = select(*_COLUMNS).where(Meetup.tribe_id == bindparam("tribe_id"))
        else:
            stmt = (select(*_COLUMNS, Tribe.slug, Membership.role)
                    .join(Membership, policy.member_of(Meetup.tribe_id, bindparam("user_id")))
                    .join(Tribe, Tribe.id == Meetup.tribe_id))
        stmt = (stmt.outerjoin(User, User.id == Meetup.created_by_id)
                .outerjoin(MeetupSeries, MeetupSeries.id == Meetup.series_id)
                .where(Meetup.ends_at > bindparam("start", type_=Meetup.ends_at.type),
                       # implied by the line above and a bound of the index (service.earliest_start)
                       Meetup.starts_at > bindparam("floor", type_=Meetup.starts_at.type)))
        if bounded:
            stmt = stmt.where(Meetup.starts_at < bindparam("end", type_=Meetup.starts_at.type))
        if after:
            stmt = stmt.where(tuple_(*_KEY) > tuple_(
                bindparam("k_starts", type_=Meetup.starts_at.type), bindparam("k_created", type_=Meetup.created_at.type),
                bindparam("k_id", type_=Meetup.id.type)))
        stmt = stmt.order_by(*(k.asc() for k in _KEY)).limit(bindparam("limit", type_=Meetup.going_count.type))
        page = _PAGES[key] = DirectSelect(stmt)
    return page


def meetup_rows(
    session: Session, user_id: int, *, tribe_id: int | None, start: datetime, end: datetime | None,
    after: list[Any] | None, limit: int,
) -> list[Any]:
    """Up to `limit` rows of the meetups overlapping [start, end) of the tribe `tribe_id` (None:
    of every tribe of the user), soonest first, after the keyset `after` (starts_at, created_at, id)."""
    page = _page_statement("mine" if tribe_id is None else "tribe", end is not None, after is not None)
    params: dict[str, Any] = {"user_id": user_id, "start": start, "limit": limit, "floor": earliest_start(start)}
    if tribe_id is not None:
        params["tribe_id"] = tribe_id
    if end is not None:
        params["end"] = end
    if after is not None:
        params["k_starts"], params["k_created"], params["k_id"] = after
    return page.rows(session, params)


def questions_json(session: Session, rows: Iterable[Any]) -> dict[int, list[dict[str, Any]]]:
    """The questions `[{id, text, required}]` of the meetups of these rows that ask any, in
    order, by meetup id (one statement, none when no meetup asks)."""
    ids = [row[0] for row in rows if row[_ASKS]]
    found: dict[int, list[dict[str, Any]]] = {}
    if ids:
        for meetup_id, ident, text, required in session.connection().execute(_QUESTIONS, {"ids": ids}):
            found.setdefault(meetup_id, []).append({"id": ident, "text": text, "required": required})
    return found


def key_of(row: Any) -> list[Any]:
    """The keyset cursor values of a row (as `api.meetup_keyset` writes them): starts_at, created_at, id."""
    return [row[3].isoformat(), row[15].isoformat(), row[0]]


def meetup_json(
    row: Any, slug: str | None = None, role: str | None = None, asked: dict[int, list[dict[str, Any]]] | None = None,
) -> dict[str, Any]:
    """The contract's meetup object of one row of a page statement, as the reader sees it.

    `slug` and `role` are the tribe's slug and the reader's role in it; None: from the row
    (the "mine" scope carries them)."""
    (meetup_id, title, description, starts_at, ends_at, timezone, location, online_url, capacity, status,
     cancel_reason, max_guests, visibility, going_count, sequence, created_at, updated_at, checkin_code,
     creator_id, display_name, avatar_url, profile_visibility, series_id, rrule, my_rsvp, waiting, _asks) = row[:27]
    if slug is None:
        slug, role = row[27], row[28]
    organiser = role in ORGANISER_ROLES
    item = {
        "id": meetup_id,
        "tribe": slug,
        "title": title,
        "description": description,
        "starts_at": starts_at.isoformat(),
        "ends_at": ends_at.isoformat(),
        "timezone": timezone,
        "location": location,
        "online_url": online_url if organiser or my_rsvp == "going" else None,
        "capacity": capacity,
        "status": status,
        "cancel_reason": cancel_reason if status == "cancelled" else None,
        "max_guests": max_guests,
        "attendee_visibility": visibility,
        "going_count": going_count,
        "waitlist_count": int(waiting or 0),
        "my_rsvp": my_rsvp,
        "created_by": None if creator_id is None else card_of(creator_id, display_name, avatar_url,
                                                              profile_visibility),
        "sequence": sequence,
        "created_at": created_at.isoformat(),
        "updated_at": updated_at.isoformat(),
        "series": None if series_id is None else {"id": series_id, "rrule": rrule},
        "questions": (asked or {}).get(meetup_id, []),
    }
    if organiser and checkin_code is not None:
        item["checkin_code"] = checkin_code
    return item
