"""JSON API: send announcements, list them, count an audience before sending."""

from __future__ import annotations

from flask import request
from flask_login import current_user

from tribes.announcements import schemas, service
from tribes.announcements.models import Announcement
from tribes.announcements.schemas import AnnouncementOut, AudienceOut
from tribes.db import time_id_keyset
from tribes.endpoint import Page, endpoint
from tribes.errors import ValidationFailed
from tribes.extensions import db
from tribes.groups import policy
from tribes.http import api_blueprint
from tribes.i18n import _
from tribes.paging import int_arg, keyset_page

bp = api_blueprint("announcements_api", __name__)


@bp.post("/tribes/<slug>/announcements")
@endpoint(AnnouncementOut, status=201, body=schemas.AnnouncementIn)
def send_announcement(slug: str, data: schemas.AnnouncementIn) -> AnnouncementOut:
    """Tell the tribe, or the people of one meetup by their answer, something (organisers and above)."""
    tribe, member = policy.get_tribe_with_role(db.session, current_user.id, slug, "organiser")
    announcement = service.send(db.session, tribe, current_user.id, data)
    return service.out(announcement, tribe, member)


@bp.get("/tribes/<slug>/announcements")
@endpoint(Page[AnnouncementOut], paged=True)
def list_announcements(slug: str) -> Page[AnnouncementOut]:
    """The announcements I may read, newest first."""
    tribe, member = policy.get_tribe_for(db.session, current_user.id, slug)
    rows, cursor = keyset_page(db.session, service.visible_query(tribe.id, member), descending=True,
                               **time_id_keyset(Announcement.created_at, Announcement.id))
    return Page(items=[service.out(a, tribe, member) for a in rows], next_cursor=cursor)


@bp.get("/tribes/<slug>/announcements/audience")
@endpoint(AudienceOut)
def audience(slug: str) -> AudienceOut:
    """How many people an announcement would reach (?meetup_id=&rsvp=going&rsvp=maybe), organisers and above."""
    tribe, _member = policy.get_tribe_with_role(db.session, current_user.id, slug, "organiser")
    answers = request.args.getlist("rsvp")
    bad = [a for a in answers if a not in schemas.ANSWERS]
    if bad:
        raise ValidationFailed({"rsvp": _("Use going, maybe, waitlisted or none.")})
    meetup_id = int_arg("meetup_id")
    if meetup_id is not None and meetup_id < 1:
        raise ValidationFailed({"meetup_id": _("No such meetup in this tribe.")})
    _meetup, _picked, people = service.resolve_audience(db.session, tribe, current_user.id, meetup_id, answers)
    return AudienceOut(count=service.audience_count(db.session, people))
