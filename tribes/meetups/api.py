"""JSON API: meetups, RSVPs, attendees, iCalendar export and the private feed token."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Response, current_app, request, url_for
from flask_login import current_user
from sqlalchemy import Select, select

from tribes.db import time_id_keyset, utcnow
from tribes.endpoint import Page, endpoint
from tribes.errors import Forbidden, ValidationFailed
from tribes.extensions import db
from tribes.groups import policy
from tribes.http import api_blueprint
from tribes.i18n import _
from tribes.json_provider import with_times
from tribes.meetups import (
    door_api,
    ical,
    listing,
    online,
    questions,
    schemas,
    seats,
    series_api,
    service,
)
from tribes.meetups.models import Meetup, Rsvp
from tribes.meetups.schemas import AttendeeOut, AttendeesPage, MeetupOut, RsvpOut
from tribes.meetups.series import create_series
from tribes.meetups.series_schemas import SeriesMeetupIn
from tribes.meetups.times import as_utc
from tribes.paging import cursor_after, keyset_page, page_limit, trim_page

bp = api_blueprint("meetups_api", __name__)
series_api.register(bp)


def _time_arg(name: str) -> datetime | None:
    """An optional ISO 8601 query argument (naive means UTC); 422 when malformed."""
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw.replace(" ", "+"))
    except ValueError as exc:
        raise ValidationFailed({name: _("Use an ISO 8601 date and time.")}) from exc
    return as_utc(value)  # clamped: year 1 with an offset east of UTC is the earliest instant


def _parse_key(values: list[Any]) -> list[Any]:
    starts, created, ident = values
    if not isinstance(starts, str) or not isinstance(created, str) or not isinstance(ident, int):
        raise ValueError("bad cursor")
    return [as_utc(datetime.fromisoformat(starts)), as_utc(datetime.fromisoformat(created)), ident]


def meetup_keyset(stmt: Select[Any], limit: int | None = None) -> tuple[list[Meetup], str | None]:
    """One keyset page of meetups, soonest first (?cursor=, ?limit= unless `limit` is given)."""
    return keyset_page(
        db.session, stmt, [Meetup.starts_at, Meetup.created_at, Meetup.id], limit=limit,
        key_of=lambda m: [m.starts_at.isoformat(), m.created_at.isoformat(), m.id], parse_key=_parse_key,
    )


def _meetup_page(slug: str | None) -> Response:
    """One page of the meetups of the tribe `slug` (None: of all my tribes) in the window
    ?from=&to=, soonest first, as I see them; 404 for a tribe I am not a member of.

    Core rows → the contract's dicts (tribes/meetups/listing.py): the same JSON as
    `Page(items=MeetupOut.many(meetups, *service.reader_facts(...)))` of `meetup_keyset`'s page,
    in one statement with the membership check (and one for the questions when a meetup asks
    any) instead of nine, without ORM objects or models."""
    try:
        start, end = _time_arg("from"), _time_arg("to")
        if start and end and end <= start:
            raise ValidationFailed({"to": _("Must be after `from`.")})
        limit = page_limit()
        after = cursor_after(3, _parse_key)
    except ValidationFailed:
        if slug is not None:  # an outsider learns nothing more: 404 before the arguments' 422
            policy.member_tribe_role(db.session, current_user.id, slug)
        raise
    rows = listing.meetup_rows(db.session, current_user.id, slug=slug, start=start or utcnow(), end=end,
                               after=after, limit=limit + 1)
    rows, cursor = trim_page(rows, limit, listing.key_of)
    asked = listing.questions_json(db.session, rows)
    return with_times({"items": [listing.meetup_json(row, asked) for row in rows], "next_cursor": cursor},
                      keys_in_order=True)


def meetup_url(meetup: Meetup) -> str:
    """The absolute address of a meetup's page."""
    base = current_app.config.get("BASE_URL")
    path = url_for("meetups_pages.meetup_page", meetup_id=meetup.id)
    return f"{base}{path}" if base else url_for("meetups_pages.meetup_page", meetup_id=meetup.id, _external=True)


@bp.post("/tribes/<slug>/meetups")
@endpoint(MeetupOut, status=201, body=SeriesMeetupIn)
def create_meetup(slug: str, data: SeriesMeetupIn) -> MeetupOut:
    """Schedule a meetup (organisers and above); with `recurrence` the first of a series."""
    tribe, _member = policy.get_tribe_with_role(db.session, current_user.id, slug, "organiser")
    fields = data.model_dump(exclude={"recurrence"})
    if data.recurrence is not None:
        meetup = create_series(db.session, tribe, current_user.id, fields, data.recurrence.model_dump())
    else:
        meetup = service.create_meetup(db.session, tribe, current_user.id, fields)
    return service.meetup_out(db.session, meetup, current_user.id)


@bp.get("/tribes/<slug>/meetups")
@endpoint(Page[MeetupOut], paged=True)
def list_tribe_meetups(slug: str) -> Response:
    """A tribe's upcoming meetups (or those in ?from=&to=), soonest first."""
    return _meetup_page(slug)


@bp.get("/me/meetups")
@endpoint(Page[MeetupOut], paged=True)
def list_my_meetups() -> Response:
    """Upcoming meetups across my tribes, soonest first."""
    return _meetup_page(None)


@bp.get("/meetups/<int:meetup_id>")
@endpoint(MeetupOut)
def get_meetup(meetup_id: int) -> MeetupOut:
    """One meetup."""
    meetup = service.get_meetup_for(db.session, current_user.id, meetup_id)
    return service.meetup_out(db.session, meetup, current_user.id)


@bp.patch("/meetups/<int:meetup_id>")
@endpoint(MeetupOut, body=schemas.MeetupPatch)
def patch_meetup(meetup_id: int, data: schemas.MeetupPatch) -> MeetupOut:
    """Change a meetup (organisers and above)."""
    meetup, _member = service.get_meetup_as(db.session, current_user.id, meetup_id, "organiser")
    meetup = service.update_meetup(db.session, meetup, data.model_dump(exclude_unset=True), current_user.id)
    return service.meetup_out(db.session, meetup, current_user.id)


@bp.post("/meetups/<int:meetup_id>/cancel")
@endpoint(MeetupOut, body=schemas.CancelIn)
def cancel_meetup(meetup_id: int, data: schemas.CancelIn) -> MeetupOut:
    """Cancel a meetup (organisers and above); it stays visible as cancelled."""
    meetup, _member = service.get_meetup_as(db.session, current_user.id, meetup_id, "organiser")
    meetup = service.cancel_meetup(db.session, meetup, current_user.id, data.reason)
    return service.meetup_out(db.session, meetup, current_user.id)


@bp.put("/meetups/<int:meetup_id>/rsvp")
@endpoint(RsvpOut, body=schemas.RsvpIn)
def put_rsvp(meetup_id: int, data: schemas.RsvpIn) -> RsvpOut:
    """Answer going / maybe / not_going; going past capacity joins the waitlist."""
    meetup = service.get_meetup_for(db.session, current_user.id, meetup_id)
    rsvp = seats.set_rsvp(db.session, meetup, current_user.id, data.status, data.guests, data.answers)
    return seats.rsvp_out(db.session, rsvp)


@bp.get("/meetups/<int:meetup_id>/rsvp")
@endpoint(RsvpOut)
def get_rsvp(meetup_id: int) -> RsvpOut:
    """My RSVP ({status: null} when I have not answered)."""
    meetup = service.get_meetup_for(db.session, current_user.id, meetup_id)
    return seats.rsvp_out(db.session, service.my_rsvp(db.session, meetup.id, current_user.id))


@bp.get("/meetups/<int:meetup_id>/attendees")
@endpoint(AttendeesPage, paged=True)
def attendees(meetup_id: int) -> AttendeesPage:
    """Going members (and the waitlist for organisers), per the meetup's attendee visibility."""
    meetup = service.get_meetup_for(db.session, current_user.id, meetup_id)
    access = service.attendee_access(db.session, meetup, current_user.id)
    if access == "none":
        raise Forbidden(_("Only organisers see who is coming to this meetup."))
    counts = {"going_count": meetup.going_count,
              "waitlist_count": service.rsvp_facts(db.session, [meetup], None)[1].get(meetup.id, 0)}
    if access == "count":
        return AttendeesPage(items=[], next_cursor=None, **counts)
    stmt = service.attendees_query(meetup.id, access)
    rows, cursor = keyset_page(db.session, stmt, **time_id_keyset(Rsvp.created_at, Rsvp.id))
    waiting = [r.id for r in rows if r.status == "waitlisted"]
    positions: dict[int, int] = {}
    if waiting:
        positions = dict(db.session.execute(  # type: ignore[arg-type]
            select(Rsvp.id, seats.position_column()).where(Rsvp.id.in_(waiting))
        ).all())
    asked = questions.questions_of(db.session, [meetup.id])[meetup.id] if access == "all" else None
    items = [AttendeeOut.of(rsvp, positions.get(rsvp.id), questions.answers_for(asked, rsvp.answers) if asked is not None else None)
             for rsvp in rows]
    return AttendeesPage(items=items, next_cursor=cursor, **counts)


@bp.get("/meetups/<int:meetup_id>/ics")
@endpoint()
def meetup_ics(meetup_id: int) -> Response:
    """The meetup as an iCalendar file."""
    meetup = service.get_meetup_for(db.session, current_user.id, meetup_id)
    data = ical.calendar([meetup], meetup_url, online=online.readers_of_link(db.session, [meetup], current_user.id))
    return Response(
        data,
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="meetup-{meetup.id}.ics"'},
    )


@bp.post("/me/calendar-token")
@endpoint(schemas.CalendarFeedOut, status=201)
def rotate_calendar_token() -> schemas.CalendarFeedOut:
    """A new private feed URL; the previous one stops working."""
    raw = ical.rotate_token(db.session, current_user.id)
    return schemas.CalendarFeedOut(url=feed_url(raw))


def feed_url(raw: str) -> str:
    """The absolute URL of a private calendar feed."""
    base = current_app.config.get("BASE_URL")
    path = url_for("meetups_pages.calendar_feed", token=raw)
    return f"{base}{path}" if base else url_for("meetups_pages.calendar_feed", token=raw, _external=True)


door_api.register(bp)
