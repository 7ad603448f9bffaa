"""Pages of meet-up series: the series page (rule in words, upcoming occurrences, answer all
following, end, adopt) and the series parts of the meetup forms."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from tribes.db import time_id_keyset, utcnow
from tribes.errors import ApiError, ValidationFailed
from tribes.extensions import db
from tribes.groups import policy
from tribes.i18n import _, current_locale
from tribes.meetups import recurrence, series, series_edit
from tribes.meetups.models import Meetup
from tribes.meetups.series_models import MeetupSeries, SeriesRsvp
from tribes.paging import keyset_page

#: registered by tribes.meetups.hooks
bp = Blueprint("series_pages", __name__)
#: occurrences on one page of the series page; later ones follow a "Later meetups" link
UPCOMING = 24


def rule_text(item: MeetupSeries) -> str:
    """The series' rule in the reader's language ("every first Thursday, 19:00")."""
    return recurrence.readable(item.rrule, item.starts_at, item.timezone, item.until, current_locale())


def meetup_series_text(meetup: Meetup) -> str:
    """For templates: the rule of the meetup's series, or "" for a single meetup."""
    return rule_text(meetup.series) if meetup.series is not None else ""


def form_recurrence(form: Any, starts_at: str, zone: str) -> dict[str, Any] | None:
    """The `recurrence` of the new-meetup form's "Repeats" choice (None: a single meetup);
    the RRULE is built here from the choice and the first start."""
    choice = form.get("repeats") or "never"
    if choice == "never":
        return None
    try:
        local_start = datetime.fromisoformat(starts_at)
    except ValueError as exc:
        raise ValidationFailed({"starts_at": _("Use a date and time.")}) from exc
    rule = recurrence.choice_rule(choice, local_start.replace(tzinfo=None))
    if rule is None:
        raise ValidationFailed({"repeats": _("Choose how the meetup repeats.")})
    until = (form.get("until") or "").strip()
    try:
        return {"rrule": rule, "until": datetime.fromisoformat(until).date() if until else None}
    except ValueError as exc:
        raise ValidationFailed({"until": _("Use a date.")}) from exc


def following_changes(meetup: Meetup, data: dict[str, Any]) -> dict[str, Any]:
    """The edit form's fields as a `PATCH /series` body from this meetup on (times → time of
    day, duration; a date other than the one the form showed → `start_date`)."""
    changes = {k: v for k, v in data.items() if k in series.TEMPLATE}
    changes["from_meetup_id"] = meetup.id
    zone = meetup.timezone
    if data.get("starts_at") is not None:
        start = data["starts_at"] if data["starts_at"].tzinfo is None else recurrence.to_local(data["starts_at"], zone)
        changes["start_time"] = start.time()
        if start.date() != recurrence.to_local(meetup.starts_at, zone).date():
            changes["start_date"] = start.date()
        if data.get("ends_at") is not None:
            end = data["ends_at"] if data["ends_at"].tzinfo is None else recurrence.to_local(data["ends_at"], zone)
            minutes = int((end - start).total_seconds() // 60)
            if minutes <= 0:
                raise ValidationFailed({"ends_at": _("The end must be after the start.")})
            changes["duration_minutes"] = minutes
    return changes


def change_following(meetup: Meetup, data: dict[str, Any], actor_id: int, repeats: str = "") -> MeetupSeries:
    """The edit form's "This and all following": the series changed from this meetup on, with a
    new "Repeats" choice (built from the new start) unless it is "keep"; a new date the rule
    cannot carry is refused at the form's start field."""
    assert meetup.series is not None
    changes = following_changes(meetup, data)
    if repeats and repeats != "keep":
        start = changes.get("start_date") or recurrence.to_local(meetup.starts_at, meetup.timezone).date()
        rule = recurrence.choice_rule(repeats, datetime.combine(start, changes.get("start_time") or time()))
        if rule is None:
            raise ValidationFailed({"repeats": _("Choose how the meetup repeats.")})
        changes["rrule"] = rule
    try:
        return series_edit.change_following(db.session, meetup.series, actor_id, changes)
    except ValidationFailed as exc:
        fields = dict(exc.fields or {})
        if "start_date" in fields:
            fields["starts_at"] = fields.pop("start_date")
        if isinstance(exc, series_edit.RuleCannotMove):
            fields["starts_at"] = _("This series' rule cannot move to another day: change “Repeats” to move all "
                                    "following meetups; a new date alone applies to this meetup only "
                                    "(“Only this one”).")
        raise ValidationFailed(fields) from exc


@bp.get("/series/<int:series_id>")
@login_required
def series_page(series_id: int) -> Any:
    """A series: its rule, upcoming occurrences, answer all following, end or adopt it."""
    item = series.get_series_for(db.session, current_user.id, series_id)
    me = policy.membership(db.session, item.tribe_id, current_user.id)
    mine = db.session.scalar(select(SeriesRsvp.status).where(SeriesRsvp.series_id == item.id,
                                                            SeriesRsvp.user_id == current_user.id))
    organiser = me is not None and policy.at_least(me.role, "organiser")
    upcoming, cursor = keyset_page(
        db.session, series.occurrences_query(item.id, after=utcnow()), limit=UPCOMING,
        cursor=request.args.get("cursor") or None, **time_id_keyset(Meetup.original_start, Meetup.id),
    )
    return render_template(
        "meetups/series.html", series=item, rule=rule_text(item), answer=mine, upcoming=upcoming,
        later=url_for("series_pages.series_page", series_id=item.id, cursor=cursor) if cursor else None,
        organiser=organiser, offer_adoption=organiser and series.offers_adoption(item, current_user.id),
    )


def _act(series_id: int, minimum: str, action: Any, done: str) -> Any:
    item = series.get_series_for(db.session, current_user.id, series_id, minimum)
    try:
        action(item)
    except ApiError as exc:
        db.session.rollback()
        flash("; ".join((exc.fields or {}).values()) or exc.message, "error")
    else:
        flash(done, "success")
    return redirect(url_for("series_pages.series_page", series_id=series_id))


@bp.post("/series/<int:series_id>/rsvp")
@login_required
def series_rsvp(series_id: int) -> Any:
    """Answer all following occurrences from the series page."""
    status = request.form.get("status", "")
    if status not in ("going", "maybe", "not_going"):
        flash(_("Choose an answer."), "error")
        return redirect(url_for("series_pages.series_page", series_id=series_id))
    return _act(series_id, "member", lambda s: series.set_series_rsvp(db.session, s, current_user.id, status),
                _("Your answer is saved for all following meetups."))


@bp.post("/series/<int:series_id>/end")
@login_required
def end_series(series_id: int) -> Any:
    """End the series (the page asks first); future occurrences are cancelled."""
    return _act(series_id, "organiser", lambda s: series.end_series(db.session, s, current_user.id),
                _("The series ended; everyone who answered was told."))


@bp.post("/series/<int:series_id>/adopt")
@login_required
def adopt_series(series_id: int) -> Any:
    """Become the organiser of the series."""
    return _act(series_id, "organiser", lambda s: series.adopt(db.session, s, current_user.id),
                _("You organise this series now."))

