"""HTML pages: meetup lists, the meetup page with RSVP, organiser forms, the private feed."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

import nh3
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from markdown_it import MarkdownIt
from markupsafe import Markup
from pydantic import ValidationError

from tribes.accounts.schemas import timezone_names
from tribes.errors import ApiError, pydantic_fields
from tribes.extensions import csrf, db
from tribes.groups import policy
from tribes.i18n import _, current_locale
from tribes.meetups import (
    door_views,
    ical,
    rsvp_links,
    schemas,
    seats,
    series,
    series_views,
    service,
)
from tribes.meetups.models import Meetup, Rsvp
from tribes.meetups.schemas import MeetupOut
from tribes.meetups.times import local

bp = Blueprint("meetups_pages", __name__)
#: the longest description rendered (the schemas accept no longer one; older rows are cut)
DESCRIPTION_MAX = schemas.DESCRIPTION_MAX
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False})
#: meetups on one page of a list, attendees on one page of a meetup (a "more" link follows)
LIST_PAGE = 200
PEOPLE_PAGE = 500
FORM_FIELDS = ("title", "description", "starts_at", "ends_at", "timezone", "location", "online_url",
               "capacity", "max_guests", "attendee_visibility")


def render_description(source: str) -> Markup:
    """Markdown source → sanitised HTML (nh3), links made safe; rendered once per distinct source."""
    return _rendered((source or "")[:DESCRIPTION_MAX])


@lru_cache(maxsize=256)
def _rendered(source: str) -> Markup:
    """The rendering itself, cached by the source text (a page view of an unchanged meetup
    costs a dictionary lookup; an edit changes the source, so it is never stale)."""
    return Markup(nh3.clean(_markdown.render(source), link_rel="nofollow noopener noreferrer"))


def local_time(value: datetime, zone: str) -> str:
    """A time in the meetup's zone, in the reader's language, with the zone's abbreviation:
    the language's own order and punctuation of the day (CLDR skeleton), 24-hour time
    ("Mon, Dec 7, 2026, 19:00 CET" / "Mo., 7. Dez. 2026, 19:00 CET")."""
    from babel.dates import format_skeleton

    when, locale = local(value, zone), current_locale()
    day = format_skeleton("yMMMEd", when, tzinfo=when.tzinfo, locale=locale)
    return f"{day}, {format_skeleton('Hm', when, tzinfo=when.tzinfo, locale=locale)} {when.tzname()}"


def tribe_section_context(tribe: Any, me: Any, limit: int = 5) -> dict[str, Any]:
    """The next meetups of a tribe (for the tribe home section)."""
    stmt = service.tribe_meetups_query(tribe.id).order_by(Meetup.starts_at, Meetup.created_at, Meetup.id).limit(limit)
    return {"next_meetups": list(db.session.scalars(stmt))}


def settings_section_context(user: Any) -> dict[str, Any]:
    """Whether the user has a private calendar feed (for the settings section)."""
    return {"calendar_feed_exists": ical.has_token(db.session, user.id)}


def form_number(value: str) -> int | str:
    """A form field of ASCII digits as an int; anything else (`²`, `٣`, `-1`) is left to the schema to refuse."""
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 9 else value


def _form_data(partial: bool) -> dict[str, Any]:
    raw: dict[str, Any] = {k: request.form.get(k, "").strip() for k in FORM_FIELDS}
    for key in ("capacity", "max_guests"):
        raw[key] = form_number(raw[key]) if raw[key] else None
    raw["online_url"] = raw["online_url"] or None
    if raw["max_guests"] is None:
        raw["max_guests"] = 0
    if not raw["attendee_visibility"]:
        raw["attendee_visibility"] = "members"
    if partial:
        raw = {k: v for k, v in raw.items() if v not in ("",) or k in ("location", "description")}
    raw["questions"] = door_views.form_questions()
    return raw


def _meetup_list(stmt: Any) -> tuple[list[Meetup], list[MeetupOut], str | None]:
    """One page (LIST_PAGE meetups, soonest first, from ?cursor=) with my answers; and the next cursor."""
    from tribes.meetups.api import meetup_keyset

    meetups, cursor = meetup_keyset(stmt, LIST_PAGE)
    return meetups, MeetupOut.many(meetups, *service.reader_facts(db.session, meetups, current_user.id)), cursor


@bp.get("/meetups")
@login_required
def my_meetups() -> Any:
    """Upcoming meetups across my tribes, a page at a time."""
    meetups, items, cursor = _meetup_list(service.my_meetups_query(current_user.id))
    return render_template("meetups/list.html", meetups=meetups, tribe=None, items=items, may_create=False,
                           next_url=cursor and url_for("meetups_pages.my_meetups", cursor=cursor))


@bp.get("/t/<slug>/meetups")
@login_required
def tribe_meetups(slug: str) -> Any:
    """A tribe's upcoming meetups, a page at a time."""
    tribe, me = policy.get_tribe_for(db.session, current_user.id, slug)
    meetups, items, cursor = _meetup_list(service.tribe_meetups_query(tribe.id))
    return render_template("meetups/list.html", meetups=meetups, tribe=tribe, items=items,
                           may_create=policy.at_least(me.role, "organiser"), may=policy.can(tribe, me),
                           next_url=cursor and url_for("meetups_pages.tribe_meetups", slug=slug, cursor=cursor))


@bp.route("/t/<slug>/meetups/new", methods=["GET", "POST"])
@login_required
def create_meetup(slug: str) -> Any:
    """The organiser's form to schedule a meetup."""
    tribe, _member = policy.get_tribe_with_role(db.session, current_user.id, slug, "organiser")
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            data = schemas.MeetupIn.model_validate(_form_data(partial=False))
            repeat = series_views.form_recurrence(request.form, request.form.get("starts_at", ""), data.timezone)
            meetup = (series.create_series(db.session, tribe, current_user.id, data.model_dump(), repeat) if repeat
                      else service.create_meetup(db.session, tribe, current_user.id, data.model_dump()))
        except ValidationError as exc:
            errors = pydantic_fields(exc)
        except ApiError as exc:
            db.session.rollback()
            errors = exc.fields or {"title": exc.message}
        else:
            flash(_("Meetup scheduled."), "success")
            return redirect(url_for("meetups_pages.meetup_page", meetup_id=meetup.id))
        flash(_("Please correct the marked fields."), "error")
    form = request.form if request.method == "POST" else {"timezone": current_user.timezone, "max_guests": "0"}
    return render_template("meetups/form.html", tribe=tribe, meetup=None, errors=errors, form=form,
                           zones=sorted(timezone_names())), (422 if errors else 200)


@bp.get("/meetups/<int:meetup_id>")
@login_required
def meetup_page(meetup_id: int) -> Any:
    """A meetup: details, RSVP buttons, capacity, waitlist position, attendees."""
    meetup = service.get_meetup_for(db.session, current_user.id, meetup_id)
    access = service.attendee_access(db.session, meetup, current_user.id)
    organiser = access == "all"
    rsvp = service.my_rsvp(db.session, meetup.id, current_user.id)
    answer = seats.rsvp_out(db.session, rsvp) if rsvp else None
    show_list = access in ("all", "going")
    people: list[Rsvp] = []
    cursor = None
    if show_list:
        people, cursor = service.attendee_page(
            db.session, meetup.id, access, PEOPLE_PAGE, request.args.get("cursor") or None
        )
    return render_template(
        "meetups/meetup.html", meetup=meetup, item=service.meetup_out(db.session, meetup, current_user.id),
        answer=answer, organiser=organiser, people=people, show_list=show_list, my_answers=(rsvp.answers if rsvp else None) or {},
        description=render_description(meetup.description),
        more_people_url=cursor and url_for("meetups_pages.meetup_page", meetup_id=meetup_id, cursor=cursor),
    )


@bp.post("/meetups/<int:meetup_id>/rsvp")
@login_required
def rsvp(meetup_id: int) -> Any:
    """RSVP from the meetup page."""
    meetup = service.get_meetup_for(db.session, current_user.id, meetup_id)
    guests = request.form.get("guests", "0")
    try:
        data = schemas.RsvpIn.model_validate(
            {"status": request.form.get("status", ""), "guests": form_number(guests.strip())}
        )
        answers = door_views.form_answers(meetup) if data.status == "going" else None
        answer = seats.set_rsvp(db.session, meetup, current_user.id, data.status, data.guests, answers)
    except ValidationError as exc:
        flash("; ".join(pydantic_fields(exc).values()), "error")
    except ApiError as exc:
        db.session.rollback()
        flash(door_views.error_text(meetup, exc), "error")
    else:
        flash(_("You are on the waitlist.") if answer.status == "waitlisted" else _("Your answer is saved."), "success")
    return redirect(url_for("meetups_pages.meetup_page", meetup_id=meetup_id))


@bp.route("/meetups/<int:meetup_id>/edit", methods=["GET", "POST"])
@login_required
def edit_meetup(meetup_id: int) -> Any:
    """The organiser's form to change a meetup."""
    meetup, _member = service.get_meetup_as(db.session, current_user.id, meetup_id, "organiser")
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            data = schemas.MeetupPatch.model_validate(_form_data(partial=True))
            if meetup.series is not None and request.form.get("scope") == "following":
                series_views.change_following(meetup, data.model_dump(exclude_unset=True), current_user.id,
                                              request.form.get("repeats", ""))
            else:
                service.update_meetup(db.session, meetup, data.model_dump(exclude_unset=True), current_user.id)
        except ValidationError as exc:
            errors = pydantic_fields(exc)
        except ApiError as exc:
            db.session.rollback()
            errors = exc.fields or {"title": exc.message}
        else:
            flash(_("Meetup updated."), "success")
            return redirect(url_for("meetups_pages.meetup_page", meetup_id=meetup_id))
        flash(_("Please correct the marked fields."), "error")
    fmt = "%Y-%m-%dT%H:%M"
    form = request.form if request.method == "POST" else {
        "title": meetup.title, "description": meetup.description, "timezone": meetup.timezone,
        "starts_at": local(meetup.starts_at, meetup.timezone).strftime(fmt),
        "ends_at": local(meetup.ends_at, meetup.timezone).strftime(fmt),
        "location": meetup.location, "online_url": meetup.online_url or "",
        "capacity": meetup.capacity or "", "max_guests": meetup.max_guests,
        "attendee_visibility": meetup.attendee_visibility, **door_views.question_fields(meetup),
    }
    return render_template("meetups/form.html", tribe=meetup.tribe, meetup=meetup, errors=errors, form=form,
                           zones=sorted(timezone_names())), (422 if errors else 200)


@bp.post("/meetups/<int:meetup_id>/cancel")
@login_required
def cancel_meetup(meetup_id: int) -> Any:
    """Cancel a meetup from its page."""
    meetup, _member = service.get_meetup_as(db.session, current_user.id, meetup_id, "organiser")
    reason = (request.form.get("reason") or "")[:2000]
    if meetup.series is not None and request.form.get("scope") == "following":
        series.cancel_following(db.session, meetup.series, meetup, current_user.id, reason)
    else:
        service.cancel_meetup(db.session, meetup, current_user.id, reason)
    flash(_("Meetup cancelled; attendees were told."), "success")
    return redirect(url_for("meetups_pages.meetup_page", meetup_id=meetup_id))


@bp.post("/settings/calendar-feed")
@login_required
def rotate_feed() -> Any:
    """Create or replace the private calendar feed URL and show it once."""
    from tribes.meetups.api import feed_url

    raw = ical.rotate_token(db.session, current_user.id)
    return render_template("meetups/feed_created.html", url=feed_url(raw))


@bp.get("/calendar/<token>.ics")
def calendar_feed(token: str) -> Any:
    """The private feed: no cookie, the token is the key; an unknown or old token is 404. In
    the feed owner's language."""
    user = ical.user_for_token(db.session, token)
    if user is None:
        abort(404)
    from tribes.meetups.api import meetup_url
    from tribes.meetups.series_ical import feed

    with rsvp_links.in_language_of(user):  # a calendar app sends no cookie and seldom a language
        data = feed(db.session, ical.feed_meetups(db.session, user.id), user.id, meetup_url, name=_("Tribes meetups"))
    return Response(data, mimetype="text/calendar", headers={"Cache-Control": "private, max-age=300"})


@bp.route("/rsvp/<token>", methods=["GET", "POST"])
@csrf.exempt
def rsvp_link(token: str) -> Any:
    """An RSVP link from a mail, no login needed: GET shows what it will do (and changes
    nothing), POST gives the answer; in the linked person's language and time zone."""
    user = rsvp_links.person(db.session, token)
    with rsvp_links.in_language_of(user):
        try:
            if request.method == "POST":
                link, answer, position = rsvp_links.answer(db.session, token)
                context: dict[str, Any] = {"done": True, "answer": answer, "position": position}
            else:
                link = rsvp_links.target(db.session, token)
                context = {"done": False, "answer": link.rsvp, "position": None}
            page = render_template("meetups/rsvp_link.html", link=link, token=token, status=200,
                                   when=rsvp_links.when(link), online_url=rsvp_links.online_url(link, context["answer"]),
                                   **context)
            status = 200
        except ApiError as exc:
            db.session.rollback()
            page = render_template("meetups/rsvp_link.html", link=None, status=exc.status, message=exc.message)
            status = exc.status
    response = Response(page, status=status, mimetype="text/html")
    response.headers["Referrer-Policy"] = "no-referrer"  # the token stays out of other sites' logs
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


door_views.register(bp)
