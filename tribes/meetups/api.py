"""JSON API: meetups, RSVPs, attendees, iCalendar export and the private feed token."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Response, current_app, jsonify, request, url_for
from flask_login import current_user
from sqlalchemy import select

from tribes.accounts.service import card
from tribes.db import time_id_keyset
from tribes.errors import Forbidden, ValidationFailed
from tribes.extensions import db
from tribes.groups import policy
from tribes.http import api_blueprint, body, keyset_page, page, parse
from tribes.meetups import ical, schemas, seats, service
from tribes.meetups.models import Meetup, Rsvp
from tribes.meetups.times import as_utc

bp = api_blueprint("meetups_api", __name__)


def _time_arg(name: str) -> datetime | None:
    """An optional ISO 8601 query argument (naive means UTC); 422 when malformed."""
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw.replace(" ", "+"))
    except ValueError as exc:
        raise ValidationFailed({name: "Use an ISO 8601 date and time."}) from exc
    return as_utc(value)  # clamped: year 1 with an offset east of UTC is the earliest instant


def _parse_key(values: list[Any]) -> list[Any]:
    starts, created, ident = values
    if not isinstance(starts, str) or not isinstance(created, str) or not isinstance(ident, int):
        raise ValueError("bad cursor")
    return [as_utc(datetime.fromisoformat(starts)), as_utc(datetime.fromisoformat(created)), ident]


def _meetup_page(stmt: Any) -> Any:
    start, end = _time_arg("from"), _time_arg("to")
    if start and end and end <= start:
        raise ValidationFailed({"to": "Must be after `from`."})
    rows, cursor = keyset_page(
        db.session, stmt(start, end), [Meetup.starts_at, Meetup.created_at, Meetup.id],
        key_of=lambda m: [m.starts_at.isoformat(), m.created_at.isoformat(), m.id], parse_key=_parse_key,
    )
    return jsonify(page(service.meetup_dicts(db.session, rows, current_user.id), cursor))


def meetup_url(meetup: Meetup) -> str:
    """The absolute address of a meetup's page."""
    base = current_app.config.get("BASE_URL")
    path = url_for("meetups_pages.meetup_page", meetup_id=meetup.id)
    return f"{base}{path}" if base else url_for("meetups_pages.meetup_page", meetup_id=meetup.id, _external=True)


@bp.post("/tribes/<slug>/meetups")
@body(schemas.MeetupIn)
def create_meetup(slug: str) -> Any:
    """Schedule a meetup (organisers and above)."""
    tribe, _ = policy.get_tribe_with_role(db.session, current_user.id, slug, "organiser")
    data = parse(schemas.MeetupIn)
    meetup = service.create_meetup(db.session, tribe, current_user.id, data.model_dump())
    db.session.commit()
    return jsonify(service.one_meetup_dict(db.session, meetup, current_user.id)), 201


@bp.get("/tribes/<slug>/meetups")
def list_tribe_meetups(slug: str) -> Any:
    """A tribe's upcoming meetups (or those in ?from=&to=), soonest first."""
    tribe, _ = policy.get_tribe_for(db.session, current_user.id, slug)
    return _meetup_page(lambda s, e: service.tribe_meetups_query(tribe.id, s, e))


@bp.get("/me/meetups")
def list_my_meetups() -> Any:
    """Upcoming meetups across my tribes, soonest first."""
    return _meetup_page(lambda s, e: service.my_meetups_query(current_user.id, s, e))


@bp.get("/meetups/<int:meetup_id>")
def get_meetup(meetup_id: int) -> Any:
    """One meetup."""
    meetup = service.get_meetup_for(db.session, current_user.id, meetup_id)
    return jsonify(service.one_meetup_dict(db.session, meetup, current_user.id))


@bp.patch("/meetups/<int:meetup_id>")
@body(schemas.MeetupPatch)
def patch_meetup(meetup_id: int) -> Any:
    """Change a meetup (organisers and above)."""
    meetup, _ = service.get_meetup_as(db.session, current_user.id, meetup_id, "organiser")
    data = parse(schemas.MeetupPatch)
    meetup = service.update_meetup(db.session, meetup, data.model_dump(exclude_unset=True))
    db.session.commit()
    return jsonify(service.one_meetup_dict(db.session, meetup, current_user.id))


@bp.post("/meetups/<int:meetup_id>/cancel")
@body(schemas.CancelIn)
def cancel_meetup(meetup_id: int) -> Any:
    """Cancel a meetup (organisers and above); it stays visible as cancelled."""
    meetup, _ = service.get_meetup_as(db.session, current_user.id, meetup_id, "organiser")
    data = parse(schemas.CancelIn)
    meetup = service.cancel_meetup(db.session, meetup, current_user.id, data.reason)
    db.session.commit()
    return jsonify(service.one_meetup_dict(db.session, meetup, current_user.id))


@bp.put("/meetups/<int:meetup_id>/rsvp")
@body(schemas.RsvpIn)
def put_rsvp(meetup_id: int) -> Any:
    """Answer going / maybe / not_going; going past capacity joins the waitlist."""
    meetup = service.get_meetup_for(db.session, current_user.id, meetup_id)
    data = parse(schemas.RsvpIn)
    rsvp = seats.set_rsvp(db.session, meetup, current_user.id, data.status, data.guests)
    db.session.commit()
    return jsonify(seats.rsvp_dict(db.session, rsvp))


@bp.get("/meetups/<int:meetup_id>/rsvp")
def get_rsvp(meetup_id: int) -> Any:
    """My RSVP ({status: null} when I have not answered)."""
    meetup = service.get_meetup_for(db.session, current_user.id, meetup_id)
    rsvp = service.my_rsvp(db.session, meetup.id, current_user.id)
    return jsonify(seats.rsvp_dict(db.session, rsvp) if rsvp else {"status": None, "guests": 0})


@bp.get("/meetups/<int:meetup_id>/attendees")
def attendees(meetup_id: int) -> Any:
    """Going members (and the waitlist for organisers), per the meetup's attendee visibility."""
    meetup = service.get_meetup_for(db.session, current_user.id, meetup_id)
    access = service.attendee_access(db.session, meetup, current_user.id)
    if access == "none":
        raise Forbidden("Only organisers see who is coming to this meetup.")
    waitlist_count = service.one_meetup_dict(db.session, meetup, current_user.id)["waitlist_count"]
    counts = {"going_count": meetup.going_count, "waitlist_count": waitlist_count}
    if access == "count":
        return jsonify({**page([], None), **counts})
    stmt = service.attendees_query(meetup.id, access)
    rows, cursor = keyset_page(db.session, stmt, **time_id_keyset(Rsvp.created_at, Rsvp.id))
    waiting = [r.id for r in rows if r.status == "waitlisted"]
    positions: dict[int, int] = {}
    if waiting:
        positions = dict(db.session.execute(
            select(Rsvp.id, seats.position_column()).where(Rsvp.id.in_(waiting))
        ).all())
    items = []
    for rsvp in rows:
        item: dict[str, Any] = {"user": card(rsvp.user), "status": rsvp.status, "guests": rsvp.guests}
        if rsvp.id in positions:
            item["waitlist_position"] = positions[rsvp.id]
        items.append(item)
    return jsonify({**page(items, cursor), **counts})


@bp.get("/meetups/<int:meetup_id>/ics")
def meetup_ics(meetup_id: int) -> Any:
    """The meetup as an iCalendar file."""
    meetup = service.get_meetup_for(db.session, current_user.id, meetup_id)
    data = ical.calendar([meetup], meetup_url)
    return Response(
        data,
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="meetup-{meetup.id}.ics"'},
    )


@bp.post("/me/calendar-token")
def rotate_calendar_token() -> Any:
    """A new private feed URL; the previous one stops working."""
    raw = ical.rotate_token(db.session, current_user.id)
    db.session.commit()
    return jsonify({"url": feed_url(raw)}), 201


def feed_url(raw: str) -> str:
    """The absolute URL of a private calendar feed."""
    base = current_app.config.get("BASE_URL")
    path = url_for("meetups_pages.calendar_feed", token=raw)
    return f"{base}{path}" if base else url_for("meetups_pages.calendar_feed", token=raw, _external=True)
