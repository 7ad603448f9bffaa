"""Pages at the door: the organisers' door view (code, counts, one-tap check-in) and the
"I'm here" page where a going member types the code. Registered on the meetups pages
blueprint by `register`; the RSVP form's answers are read by `form_answers`."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func

from tribes.accounts.models import User
from tribes.errors import ApiError
from tribes.extensions import db
from tribes.i18n import _
from tribes.meetups import checkin, questions, service
from tribes.meetups.models import Meetup, Rsvp
from tribes.pages import fragment

#: people listed at once in the door view (a name search finds the others)
DOOR_PAGE = 200


def form_answers(meetup: Meetup) -> dict[str, str] | None:
    """The answers typed into the RSVP form (`answer-<question id>`), or None without questions."""
    asked = questions.questions_of(db.session, [meetup.id])[meetup.id]
    if not asked:
        return None
    return {str(q.id): request.form.get(f"answer-{q.id}", "")[: questions.ANSWER_MAX + 1] for q in asked}


def form_questions() -> list[dict[str, Any]]:
    """The questions of the meetup form (`q<i>-text`, `q<i>-id`, `q<i>-required`); empty ones dropped."""
    found: list[dict[str, Any]] = []
    for i in range(questions.MAX_QUESTIONS):
        text = request.form.get(f"q{i}-text", "").strip()
        raw_id = request.form.get(f"q{i}-id", "").strip()
        if text:
            ident = int(raw_id) if raw_id.isascii() and raw_id.isdigit() and len(raw_id) <= 18 else None
            found.append({"id": ident, "text": text[:400], "required": request.form.get(f"q{i}-required") == "on"})
    return found


def question_fields(meetup: Meetup) -> dict[str, Any]:
    """The meetup's questions as values of the meetup form."""
    fields: dict[str, Any] = {}
    for i, q in enumerate(questions.questions_of(db.session, [meetup.id])[meetup.id]):
        fields |= {f"q{i}-id": q.id, f"q{i}-text": q.text, f"q{i}-required": "on" if q.required else ""}
    return fields


def error_text(meetup: Meetup, exc: ApiError) -> str:
    """An RSVP error for a flash message, naming the question an `answers.<id>` error is about."""
    asked = {f"answers.{q.id}": q.text for q in questions.questions_of(db.session, [meetup.id])[meetup.id]}
    parts = [f"{asked[k]}: {v}" if k in asked else v for k, v in (exc.fields or {}).items()]
    return "; ".join(parts) or exc.message


def _user_id() -> int:
    raw = (request.form.get("user_id") or "").strip()
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 18 else 0


def _door_people(meetup: Meetup) -> dict[str, Any]:
    """What the door view lists: counts and the going people (not yet checked in first, by
    name; DOOR_PAGE people, `?q=` finds a name)."""
    here, going = checkin.counts(db.session, meetup.id)
    query = (request.args.get("q") or "").strip()[:100]
    stmt = (service.attendees_query(meetup.id, "going").join(User, User.id == Rsvp.user_id)
            .order_by(Rsvp.checked_in_at.is_not(None), func.lower(User.display_name), Rsvp.id))
    if query:
        escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(func.lower(User.display_name).like(f"%{escaped.lower()}%", escape="\\"))
    people = list(db.session.scalars(stmt.limit(DOOR_PAGE + 1)))
    return {"meetup": meetup, "here": here, "going": going, "people": people[:DOOR_PAGE],
            "more": len(people) > DOOR_PAGE, "query": query}


def door(meetup_id: int) -> Any:
    """The organisers' door view: the big code, "12 of 20 checked in", the going list; it
    follows check-ins made elsewhere live (static/door.js reloads `door_people`)."""
    meetup, _member = service.get_meetup_as(db.session, current_user.id, meetup_id, "organiser")
    code = checkin.ensure_code(db.session, meetup)
    return render_template("meetups/door.html", code=code, **_door_people(meetup))


@fragment
def door_people(meetup_id: int) -> Any:
    """The door view's live part (count and list) alone, for static/door.js (organisers and above)."""
    meetup, _member = service.get_meetup_as(db.session, current_user.id, meetup_id, "organiser")
    response = make_response(render_template("meetups/_door_people.html", **_door_people(meetup)))
    response.headers["Cache-Control"] = "private, no-store"
    return response


def door_action(meetup_id: int) -> Any:
    """Check someone in, or undo it, from the door view (organisers and above)."""
    meetup, _member = service.get_meetup_as(db.session, current_user.id, meetup_id, "organiser")
    user_id = _user_id()
    try:
        if request.form.get("action") == "undo":
            rsvp = checkin.undo(db.session, meetup, user_id)
            flash(_("%(name)s is no longer checked in.", name=rsvp.user.display_name), "success")
        else:
            rsvp = checkin.check_in(db.session, meetup, user_id)
            flash(_("%(name)s is checked in.", name=rsvp.user.display_name), "success")
    except ApiError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    query = (request.form.get("q") or "").strip()[:100]
    return redirect(url_for("meetups_pages.door", meetup_id=meetup_id, q=query or None))


def here(meetup_id: int) -> Any:
    """A going member checks in with the code shown at the door."""
    meetup = service.get_meetup_for(db.session, current_user.id, meetup_id)
    rsvp = service.my_rsvp(db.session, meetup.id, current_user.id)
    error, status = None, 200
    if request.method == "POST":
        try:
            code = request.form.get("code", "")
            if not code.strip():
                error = _("Enter the code shown at the door.")
            else:
                rsvp = checkin.check_in_with_code(db.session, meetup, current_user.id, code[:40])
        except ApiError as exc:
            db.session.rollback()
            error, status = "; ".join((exc.fields or {}).values()) or exc.message, exc.status
            rsvp = service.my_rsvp(db.session, meetup.id, current_user.id)
        if error and status == 200:
            status = 422
    return render_template("meetups/here.html", meetup=meetup, rsvp=rsvp, error=error), status


def register(bp: Blueprint) -> None:
    """Add the door pages to the meetups pages blueprint."""
    bp.add_url_rule("/meetups/<int:meetup_id>/door", view_func=login_required(door), methods=["GET"])
    bp.add_url_rule("/meetups/<int:meetup_id>/door/people", view_func=login_required(door_people), methods=["GET"])
    bp.add_url_rule("/meetups/<int:meetup_id>/door", endpoint="door_action",
                    view_func=login_required(door_action), methods=["POST"])
    bp.add_url_rule("/meetups/<int:meetup_id>/here", view_func=login_required(here), methods=["GET", "POST"])
