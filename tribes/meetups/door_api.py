"""JSON API at the door: check-in (by organisers, or by the member with the door code), undo,
and the attendee list as CSV. Registered on the meetups API blueprint by `register`."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response
from flask_login import current_user
from pydantic import Field, model_validator

from tribes.accounts.schemas import Strict
from tribes.endpoint import endpoint
from tribes.errors import ValidationFailed
from tribes.extensions import db
from tribes.i18n import _
from tribes.meetups import attendees_csv, checkin, questions, service
from tribes.meetups.models import Meetup, Rsvp
from tribes.meetups.schemas import AttendeeOut


class CheckinIn(Strict):
    """`{user_id}` (organisers) or `{code}` (the member themselves), exactly one of them."""

    user_id: int | None = None
    code: str | None = Field(default=None, max_length=40)

    @model_validator(mode="after")
    def _one(self) -> CheckinIn:
        if (self.user_id is None) == (self.code is None):
            raise ValueError(_("Send either user_id or code."))
        return self


def attendee(meetup: Meetup, rsvp: Rsvp) -> AttendeeOut:
    """The attendee object as an organiser sees it (answers included)."""
    asked = questions.questions_of(db.session, [meetup.id])[meetup.id]
    return AttendeeOut.of(rsvp, None, questions.answers_for(asked, rsvp.answers))


def post_checkin(meetup_id: int, data: CheckinIn) -> AttendeeOut:
    """Check in: `{user_id}` needs organiser+, `{code}` checks in the caller (going only)."""
    if data.user_id is not None:
        meetup, _member = service.get_meetup_as(db.session, current_user.id, meetup_id, "organiser")
        return attendee(meetup, checkin.check_in(db.session, meetup, data.user_id))
    meetup = service.get_meetup_for(db.session, current_user.id, meetup_id)
    if not (data.code or "").strip():
        raise ValidationFailed({"code": _("Enter the code shown at the door.")})
    rsvp = checkin.check_in_with_code(db.session, meetup, current_user.id, data.code or "")
    return AttendeeOut.of(rsvp)


def delete_checkin(meetup_id: int, user_id: int) -> AttendeeOut:
    """Undo a check-in (organisers and above); idempotent."""
    meetup, _member = service.get_meetup_as(db.session, current_user.id, meetup_id, "organiser")
    return attendee(meetup, checkin.undo(db.session, meetup, user_id))


def get_csv(meetup_id: int) -> Response:
    """The going list and waitlist as CSV (organisers and above)."""
    meetup, _member = service.get_meetup_as(db.session, current_user.id, meetup_id, "organiser")
    return Response(
        attendees_csv.build(db.session, meetup),
        mimetype="text/csv",
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="meetup-{meetup.id}-attendees.csv"',
                 "Cache-Control": "private, no-store"},
    )


def register(bp: Blueprint) -> None:
    """Add the door routes to the meetups API blueprint."""
    routes: list[tuple[str, str, Any]] = [
        ("/meetups/<int:meetup_id>/checkin", "POST", endpoint(AttendeeOut, body=CheckinIn)(post_checkin)),
        ("/meetups/<int:meetup_id>/checkin/<int:user_id>", "DELETE", endpoint(AttendeeOut)(delete_checkin)),
        ("/meetups/<int:meetup_id>/attendees.csv", "GET", endpoint()(get_csv)),
    ]
    for rule, method, view in routes:
        bp.add_url_rule(rule, view_func=view, methods=[method])
