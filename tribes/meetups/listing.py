"""The meetup lists without the ORM: Core rows straight to the contract's JSON.

`GET /tribes/{slug}/meetups` and `GET /me/meetups` used to load a page of `Meetup` objects
(with their creator, tribe and series by three `selectin` loads), ask four more statements for
the reader's facts (my answer, the waitlist lengths, the tribes I organise, the questions) and
validate one `MeetupOut` per meetup: nine statements per request and 7-9 ms of CPU (bench/README.md,
"Third round").
Here the page is one Core statement, built once per process per shape: the meetup's columns,
its creator's card columns and its series (outer joins), the reader's answer and the waitlist
length as correlated subqueries on the RSVP indexes, and whether it has questions; for a
tribe's list it is also the membership check (the page is a LATERAL subquery joined to the
reader's membership row). A second statement reads the questions only when a meetup of the
page has some. Each row becomes the
dict `MeetupOut.of(...).model_dump(mode="json")` made, with the same rules: the online link
only for a reader who is going or organises, the door code only for organisers, the cancel
reason only when cancelled (tests/meetups/test_meetup_rows.py compares the bytes).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, exists, func, select, true, tuple_
from sqlalchemy.orm import Session

from tribes.accounts.models import User
from tribes.accounts.schemas import card_of
from tribes.db import DirectSelect
from tribes.errors import NotFound
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
#: where the keyset's columns are in a row
_KEY_AT = (3, 15, 0)

#: the page statements, built once per process and run on the DBAPI cursor (tribes.db.DirectSelect):
#: (scope, bounded by `to`?, after a cursor?) → statement
_PAGES: dict[tuple[str, bool, bool], DirectSelect] = {}

_QUESTIONS = (
    select(MeetupQuestion.meetup_id, MeetupQuestion.id, MeetupQuestion.text, MeetupQuestion.required)
    .where(MeetupQuestion.meetup_id.in_(bindparam("ids", expanding=True)))
    .order_by(MeetupQuestion.meetup_id, MeetupQuestion.position, MeetupQuestion.id)
)


def _page_statement(scope: str, bounded: bool, after: bool) -> DirectSelect:
    """Scope "mine": the meetups of every tribe of `user_id`, with two more columns: the tribe's
    slug and my role in it; "tribe": of the tribe `slug` when `user_id` is a member of it, with
    the same two columns (`meetup_rows` says how its rows read); "tribe_id": of the tribe
    `tribe_id`, without them."""
    key = (scope, bounded, after)
    page = _PAGES.get(key)
    if page is None:
        stmt: Select[Any] = select(*_COLUMNS)
        member = None
        if scope == "mine":
            stmt = (stmt.add_columns(Tribe.slug, Membership.role)
                    .join(Membership, policy.member_of(Meetup.tribe_id, bindparam("user_id")))
                    .join(Tribe, Tribe.id == Meetup.tribe_id))
        elif scope == "tribe":
            member = (select(Tribe.id, Tribe.slug, Membership.role)
                      .join(Membership, policy.member_of(Tribe.id, bindparam("user_id")))
                      .where(Tribe.slug == bindparam("slug"))
                      .subquery("member"))
            stmt = stmt.where(Meetup.tribe_id == member.c.id)
        else:
            stmt = stmt.where(Meetup.tribe_id == bindparam("tribe_id"))
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
        if member is not None:
            # the membership's one row (none: not a member) joined to the page (none: an empty page)
            lateral = stmt.lateral("page")
            columns = list(lateral.c)
            stmt = (select(*columns, member.c.slug, member.c.role)
                    .select_from(member).outerjoin(lateral, true())
                    .order_by(*(columns[at] for at in _KEY_AT)))
        page = _PAGES[key] = DirectSelect(stmt)
    return page


def meetup_rows(
    session: Session, user_id: int, *, slug: str | None, start: datetime, end: datetime | None,
    after: list[Any] | None, limit: int,
) -> list[Any]:
    """Up to `limit` rows of the meetups overlapping [start, end) of the tribe `slug` (None: of
    every tribe of the user), soonest first, after the keyset `after` (starts_at, created_at, id),
    each with the tribe's slug and my role in it as its last two columns; NotFound for a tribe
    the user is not a member of.

    On PostgreSQL a tribe's page and the membership check are one statement ("tribe": no row
    is not a member, one row of NULLs an empty page); SQLite has no LATERAL: the check, then
    the page."""
    params: dict[str, Any] = {"user_id": user_id, "start": start, "limit": limit, "floor": earliest_start(start)}
    if end is not None:
        params["end"] = end
    if after is not None:
        params["k_starts"], params["k_created"], params["k_id"] = after
    if slug is None:
        return _page_statement("mine", end is not None, after is not None).rows(session, params)
    if session.get_bind().dialect.name != "postgresql":
        params["tribe_id"], slug, role = policy.member_tribe_role(session, user_id, slug)
        rows = _page_statement("tribe_id", end is not None, after is not None).rows(session, params)
        return [(*row, slug, role) for row in rows]
    params["slug"] = slug
    rows = _page_statement("tribe", end is not None, after is not None).rows(session, params)
    if not rows:
        raise NotFound()
    return rows if rows[0][0] is not None else []


def questions_json(session: Session, rows: Iterable[Any]) -> dict[int, list[dict[str, Any]]]:
    """The questions `[{id, text, required}]` of the meetups of these rows that ask any, in
    order, by meetup id (one statement, none when no meetup asks)."""
    ids = [row[0] for row in rows if row[_ASKS]]
    found: dict[int, list[dict[str, Any]]] = {}
    if ids:
        for meetup_id, ident, text, required in session.connection().execute(_QUESTIONS, {"ids": ids}):
            found.setdefault(meetup_id, []).append({"id": ident, "required": required, "text": text})
    return found


def key_of(row: Any) -> list[Any]:
    """The keyset cursor values of a row (as `api.meetup_keyset` writes them): starts_at, created_at, id."""
    return [row[_KEY_AT[0]].isoformat(), row[_KEY_AT[1]].isoformat(), row[_KEY_AT[2]]]


def meetup_json(row: Any, asked: dict[int, list[dict[str, Any]]] | None = None) -> dict[str, Any]:
    """The contract's meetup object of one row of a page statement, as the reader sees it.

    Its timestamps stay datetimes and its keys are in order, this dict's and its parts' (as
    `json_provider.with_times(..., keys_in_order=True)` takes them: tests/meetups/test_meetup_rows.py
    compares the bytes with the ORM's)."""
    (meetup_id, title, description, starts_at, ends_at, timezone, location, online_url, capacity, status,
     cancel_reason, max_guests, visibility, going_count, sequence, created_at, updated_at, checkin_code,
     creator_id, display_name, avatar_url, profile_visibility, series_id, rrule, my_rsvp, waiting, _asks,
     slug, role) = row
    organiser = role in ORGANISER_ROLES
    return {
        "attendee_visibility": visibility,
        "cancel_reason": cancel_reason if status == "cancelled" else None,
        "capacity": capacity,
        **({"checkin_code": checkin_code} if organiser and checkin_code is not None else {}),
        "created_at": created_at,
        "created_by": None if creator_id is None else card_of(creator_id, display_name, avatar_url,
                                                              profile_visibility),
        "description": description,
        "ends_at": ends_at,
        "going_count": going_count,
        "id": meetup_id,
        "location": location,
        "max_guests": max_guests,
        "my_rsvp": my_rsvp,
        "online_url": online_url if organiser or my_rsvp == "going" else None,
        "questions": (asked or {}).get(meetup_id, []),
        "sequence": sequence,
        "series": None if series_id is None else {"id": series_id, "rrule": rrule},
        "starts_at": starts_at,
        "status": status,
        "timezone": timezone,
        "title": title,
        "tribe": slug,
        "updated_at": updated_at,
        "waitlist_count": int(waiting or 0),
    }
