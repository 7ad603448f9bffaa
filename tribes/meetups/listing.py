"""The meetup lists without the ORM: Core rows straight to the contract's JSON.

`GET /tribes/{slug}/meetups` and `GET /me/meetups` used to load a page of `Meetup` objects
(with their creator, tribe and series by three `selectin` loads), ask four more statements for
the reader's facts (my answer, the waitlist lengths, the tribes I organise, the questions) and
validate one `MeetupOut` per meetup: nine statements per request and 7-9 ms of CPU (bench/README.md,
"Third round").
Here the page is one Core statement, built once per process per shape: the page chosen among
the meetups' own columns, then its creators' card columns and its series (outer joins), the
reader's answer and the waitlist length as correlated subqueries on the RSVP indexes, and
whether it has questions; for a tribe's list it is also the membership check (the page is a
subquery joined to the reader's membership row). A second statement reads the questions only
when a meetup of the page has some. Each row becomes the
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

#: a meetup's own columns: the page is chosen among these alone, its rows are then completed
#: (`_row_columns`)
_MEETUP = (
    Meetup.id, Meetup.title, Meetup.description, Meetup.starts_at, Meetup.ends_at, Meetup.timezone,
    Meetup.location, Meetup.online_url, Meetup.capacity, Meetup.status, Meetup.cancel_reason,
    Meetup.max_guests, Meetup.attendee_visibility, Meetup.going_count, Meetup.sequence, Meetup.created_at,
    Meetup.updated_at, Meetup.checkin_code,
)
#: where "asks" is in a row: after the meetup's columns, the card's 4, the series' 2, my answer
#: and the waitlist (`_row_columns`)
_ASKS = len(_MEETUP) + 4 + 2 + 2
#: the keyset of every meetup list: soonest first, then by creation, then by id
_KEY = (Meetup.starts_at, Meetup.created_at, Meetup.id)
#: where the keyset's columns are in a row
_KEY_AT = tuple([column.key for column in _MEETUP].index(key.key) for key in _KEY)


def _row_columns(page: Any) -> list[Any]:
    """A row of a list: the meetup's columns from the subquery `page`, its creator's card, its
    series and the reader's facts: my answer (uq_rsvps_meetup_id_user_id), the waitlist's
    length (ix_rsvps_meetup_id_status_waitlisted_at) and whether it asks questions."""
    meetup_id = page.c.id
    return [
        *(page.c[column.key] for column in _MEETUP),
        User.id, User.display_name, User.avatar_url, User.profile_visibility,
        MeetupSeries.id, MeetupSeries.rrule,
        select(Rsvp.status).where(Rsvp.meetup_id == meetup_id, Rsvp.user_id == bindparam("user_id"))
        .scalar_subquery().label("my_rsvp"),
        select(func.count()).select_from(Rsvp).where(Rsvp.meetup_id == meetup_id, Rsvp.status == "waitlisted")
        .scalar_subquery().label("waitlist_count"),
        exists().where(MeetupQuestion.meetup_id == meetup_id).label("asks"),
    ]


#: the page statements, built once per process and run on the DBAPI cursor (tribes.db.DirectSelect):
#: (scope, bounded by `to`?, after a cursor?) → statement
_PAGES: dict[tuple[str, bool, bool], DirectSelect] = {}

_QUESTIONS = (
    select(MeetupQuestion.meetup_id, MeetupQuestion.id, MeetupQuestion.text, MeetupQuestion.required)
    .where(MeetupQuestion.meetup_id.in_(bindparam("ids", expanding=True)))
    .order_by(MeetupQuestion.meetup_id, MeetupQuestion.position, MeetupQuestion.id)
)


def _page_statement(scope: str, bounded: bool, after: bool) -> DirectSelect:
    """Scope "mine": the meetups of every tribe of `user_id`; "tribe": of the tribe `slug` when
    `user_id` is a member of it (`meetup_rows` says how its rows read). Both with two more
    columns: the tribe's slug and my role in it.

    The page is chosen in a subquery of the meetups' own columns, ordered and limited; its
    creators, series and the reader's facts are read for the page's rows only. (Prepared, the
    statement gets a generic plan, which may read the tribe's upcoming meetups through a bitmap
    and sort them rather than walk the index in order: then it sorts meetups, and joins 50.)"""
    key = (scope, bounded, after)
    page = _PAGES.get(key)
    if page is None:
        chosen: Select[Any] = select(*_MEETUP, Meetup.created_by_id, Meetup.series_id)
        member = None
        if scope == "mine":
            chosen = (chosen.add_columns(Tribe.slug, Membership.role)
                      .join(Membership, policy.member_of(Meetup.tribe_id, bindparam("user_id")))
                      .join(Tribe, Tribe.id == Meetup.tribe_id))
        else:
            member = (select(Tribe.id, Tribe.slug, Membership.role)
                      .join(Membership, policy.member_of(Tribe.id, bindparam("user_id")))
                      .where(Tribe.slug == bindparam("slug")))
            chosen = chosen.where(Meetup.tribe_id == member.with_only_columns(Tribe.id).scalar_subquery())
        chosen = chosen.where(Meetup.ends_at > bindparam("start", type_=Meetup.ends_at.type),
                              # implied by the line above and a bound of the index (service.earliest_start)
                              Meetup.starts_at > bindparam("floor", type_=Meetup.starts_at.type))
        if bounded:
            chosen = chosen.where(Meetup.starts_at < bindparam("end", type_=Meetup.starts_at.type))
        if after:
            chosen = chosen.where(tuple_(*_KEY) > tuple_(
                bindparam("k_starts", type_=Meetup.starts_at.type), bindparam("k_created", type_=Meetup.created_at.type),
                bindparam("k_id", type_=Meetup.id.type)))
        rows = (chosen.order_by(*(k.asc() for k in _KEY))
                .limit(bindparam("limit", type_=Meetup.going_count.type)).subquery("page"))
        columns = _row_columns(rows)
        if member is None:
            stmt = select(*columns, rows.c.slug, rows.c.role).select_from(rows)
        else:
            # the membership's one row (none: not a member) joined to the page (none: an empty page)
            membership = member.subquery("member")
            stmt = (select(*columns, membership.c.slug, membership.c.role)
                    .select_from(membership).outerjoin(rows, true()))
        stmt = (stmt.outerjoin(User, User.id == rows.c.created_by_id)
                .outerjoin(MeetupSeries, MeetupSeries.id == rows.c.series_id)
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

    A tribe's page and the membership check are one statement: no row is not a member, one row
    of NULLs an empty page."""
    params: dict[str, Any] = {"user_id": user_id, "start": start, "limit": limit, "floor": earliest_start(start)}
    if end is not None:
        params["end"] = end
    if after is not None:
        params["k_starts"], params["k_created"], params["k_id"] = after
    if slug is None:
        return _page_statement("mine", end is not None, after is not None).rows(session, params)
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
