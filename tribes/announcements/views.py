"""HTML pages: a tribe's announcements, and the organisers' composer (check the audience, then send)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from pydantic import ValidationError

from tribes.announcements import schemas, service
from tribes.announcements.models import Announcement
from tribes.db import time_id_keyset
from tribes.errors import ApiError, pydantic_fields
from tribes.extensions import db
from tribes.groups import policy
from tribes.i18n import _
from tribes.meetups.audience import meetup_in_tribe
from tribes.meetups.models import Meetup
from tribes.meetups.service import tribe_meetups_query
from tribes.meetups.views import render_description
from tribes.pages import form_id, page_blueprint
from tribes.paging import keyset_page

bp = page_blueprint("announcements_pages", __name__)
#: announcements on one page of the list (a "more" link follows)
LIST_PAGE = 50
#: upcoming meetups offered in the composer
MEETUP_CHOICES = 100


@bp.get("/t/<slug>/announcements")
@login_required
def tribe_announcements(slug: str) -> Any:
    """The announcements I may read in a tribe, newest first."""
    tribe, me = policy.get_tribe_for(db.session, current_user.id, slug)
    rows, cursor = keyset_page(db.session, service.visible_query(tribe.id, me), descending=True, limit=LIST_PAGE,
                               **time_id_keyset(Announcement.created_at, Announcement.id))
    return render_template(
        "announcements/list.html", tribe=tribe, may=policy.can(tribe, me),
        items=[(a, render_description(a.body)) for a in rows],
        may_announce=policy.at_least(me.role, "organiser"),
        next_url=cursor and url_for("announcements_pages.tribe_announcements", slug=slug, cursor=cursor),
    )


def _form_values() -> dict[str, Any]:
    """The composer's fields as the schema takes them ("" meetup: the whole tribe)."""
    raw_meetup = request.form.get("meetup_id", "").strip()
    meetup_id: Any = None
    if raw_meetup:
        meetup_id = int(raw_meetup) if raw_meetup.isascii() and raw_meetup.isdigit() and len(raw_meetup) <= 18 \
            else raw_meetup
    answers = request.form.getlist("rsvp") if meetup_id is not None else []
    return {
        "title": request.form.get("title", ""), "body": request.form.get("body", ""), "meetup_id": meetup_id,
        "rsvp": answers or None, "essential": request.form.get("essential") == "1",
    }


@bp.route("/t/<slug>/announcements/new", methods=["GET", "POST"])
@login_required
def compose(slug: str) -> Any:
    """The organisers' composer: "Check audience" shows how many people it reaches, then "Send" sends it."""
    tribe, _member = policy.get_tribe_with_role(db.session, current_user.id, slug, "organiser")
    errors: dict[str, str] = {}
    count: int | None = None
    if request.method == "POST":
        sending = request.form.get("step") == "send"
        try:
            data = schemas.AnnouncementIn.model_validate(_form_values())
            if sending and request.form.get("confirm") != "1":
                raise_confirm()
            if sending:
                announcement = service.send(db.session, tribe, current_user.id, data)
            else:
                _m, _p, people = service.resolve_audience(
                    db.session, tribe, current_user.id, data.meetup_id, data.rsvp, data.essential)
                count = service.audience_count(db.session, people)
        except ValidationError as exc:
            errors = pydantic_fields(exc)
        except ApiError as exc:
            db.session.rollback()
            if exc.status == 404:
                raise
            errors = exc.fields or {"form": exc.message}
        else:
            if sending:
                flash(_("Announcement sent to %(count)s people.", count=announcement.recipient_count), "success")
                return redirect(url_for("announcements_pages.tribe_announcements", slug=slug)
                                + f"#announcement-{announcement.id}")
        if errors:
            flash(_("Please correct the marked fields."), "error")
        form: Any = request.form
    else:
        preset = request.args.get("meetup_id", "")
        form = {"meetup_id": preset, "rsvp": ["going"] if preset else []}
    meetups = list(db.session.scalars(
        tribe_meetups_query(tribe.id).order_by(Meetup.starts_at, Meetup.created_at, Meetup.id).limit(MEETUP_CHOICES)))
    wanted = form_id(form.get("meetup_id"))  # opened from a meetup further ahead than the choices reach
    if wanted is not None and all(m.id != wanted for m in meetups):
        further = meetup_in_tribe(db.session, tribe.id, wanted)
        if further is not None:
            meetups.append(further)
    chosen = form.getlist("rsvp") if hasattr(form, "getlist") else form.get("rsvp", [])
    return render_template(
        "announcements/compose.html", tribe=tribe, meetups=meetups, errors=errors, form=form, chosen=chosen,
        count=count, answers=schemas.ANSWERS,
    ), (422 if errors else 200)


def raise_confirm() -> None:
    """Sending needs the confirmation box ticked (after the audience was checked)."""
    from tribes.errors import ValidationFailed

    raise ValidationFailed({"confirm": _("Check the audience and confirm before sending.")})
