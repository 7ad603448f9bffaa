"""JSON API of meet-up series (routes on the meetups API blueprint)."""

from __future__ import annotations

from typing import Any

from flask_login import current_user
from sqlalchemy import select

from tribes.accounts.schemas import card
from tribes.db import utcnow
from tribes.endpoint import endpoint
from tribes.extensions import db
from tribes.i18n import current_locale
from tribes.meetups import recurrence, series, series_edit, service
from tribes.meetups.schemas import MeetupOut
from tribes.meetups.series_models import MeetupSeries, SeriesRsvp
from tribes.meetups.series_schemas import SeriesOut, SeriesPatch, SeriesRsvpIn, SeriesRsvpOut

UPCOMING = 12
ROUTES: list[tuple[str, str, Any]] = []


def route(rule: str, method: str) -> Any:
    """Collect a view for `register` (the routes live on the meetups API blueprint)."""
    def add(view: Any) -> Any:
        ROUTES.append((rule, method, view))
        return view
    return add


def register(bp: Any) -> None:
    """Add the series routes to the meetups API blueprint (tribes.meetups.api calls this)."""
    for rule, method, view in ROUTES:
        bp.add_url_rule(rule, view_func=view, methods=[method])


def series_out(item: MeetupSeries, user_id: int) -> SeriesOut:
    """The series as a member sees it, with its next occurrences."""
    upcoming = series.occurrences(db.session, item.id, after=utcnow(), limit=UPCOMING)
    mine = db.session.scalar(select(SeriesRsvp.status).where(SeriesRsvp.series_id == item.id,
                                                            SeriesRsvp.user_id == user_id))
    return SeriesOut(
        id=item.id, tribe=item.tribe.slug, rrule=item.rrule, until=item.until, timezone=item.timezone,
        starts_at=item.starts_at, duration_minutes=item.duration_minutes, title=item.title,
        description=item.description, location=item.location, capacity=item.capacity, status=item.status,
        rule_text=recurrence.readable(item.rrule, item.starts_at, item.timezone, item.until, current_locale()),
        organiser=card(item.organiser), sequence=item.sequence, my_rsvp=mine,
        upcoming=MeetupOut.many(upcoming, *service.reader_facts(db.session, upcoming, user_id)),
    )


@route("/series/<int:series_id>", "GET")
@endpoint(SeriesOut)
def get_series(series_id: int) -> SeriesOut:
    """A series with its rule in words and next occurrences (members; 404 for others)."""
    item = series.get_series_for(db.session, current_user.id, series_id)
    return series_out(item, current_user.id)


@route("/series/<int:series_id>", "PATCH")
@endpoint(SeriesOut, body=SeriesPatch)
def patch_series(series_id: int, data: SeriesPatch) -> SeriesOut:
    """Change the occurrence `from_meetup_id` and all following (organisers and above)."""
    item = series.get_series_for(db.session, current_user.id, series_id, "organiser")
    target = series_edit.change_following(db.session, item, current_user.id, data.model_dump(exclude_unset=True))
    return series_out(target, current_user.id)


@route("/series/<int:series_id>/end", "POST")
@endpoint(SeriesOut)
def end_series(series_id: int) -> SeriesOut:
    """End the series: future occurrences are cancelled and their people told (organisers and above)."""
    item = series.get_series_for(db.session, current_user.id, series_id, "organiser")
    return series_out(series.end_series(db.session, item, current_user.id), current_user.id)


@route("/series/<int:series_id>/adopt", "POST")
@endpoint(SeriesOut)
def adopt_series(series_id: int) -> SeriesOut:
    """Become the series' organiser (organisers and above); an orphaned series runs again."""
    item = series.get_series_for(db.session, current_user.id, series_id, "organiser")
    return series_out(series.adopt(db.session, item, current_user.id), current_user.id)


@route("/series/<int:series_id>/rsvp", "PUT")
@endpoint(SeriesRsvpOut, body=SeriesRsvpIn)
def put_series_rsvp(series_id: int, data: SeriesRsvpIn) -> SeriesRsvpOut:
    """Answer all following occurrences (going past capacity joins each waitlist)."""
    item = series.get_series_for(db.session, current_user.id, series_id)
    rsvps = series.set_series_rsvp(db.session, item, current_user.id, data.status)
    return SeriesRsvpOut(status=data.status,
                         occurrences=[{"meetup_id": r.meetup_id, "status": r.status} for r in rsvps])
