"""HTML pages: a listed tribe's public page with "Ask to join", the members' request list
(vouching), the admins' queue and the joining settings."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from tribes.db import time_id_keyset, utcnow
from tribes.errors import NotFound
from tribes.extensions import db
from tribes.groups import policy
from tribes.groups.models import Tribe
from tribes.groups.schemas import TribePatch
from tribes.groups.service import update_tribe
from tribes.i18n import _
from tribes.joining import limits, schemas, service
from tribes.joining.models import JoinRequest, JoinVouch
from tribes.pages import form_action, form_page, page_blueprint
from tribes.paging import keyset_page

bp = page_blueprint("joining_pages", __name__)

#: requests per page on the queue and the members' list
PAGE_SIZE = 50
#: how many question fields the settings page offers
MAX_QUESTIONS = 5


def _listed(slug: str) -> Tribe:
    """A listed tribe (404 for secret and missing ones, like the API's card)."""
    tribe = db.session.scalar(select(Tribe).where(Tribe.slug == slug))
    if tribe is None or tribe.visibility != "listed":
        raise NotFound()
    return tribe


@bp.route("/t/<slug>/about", methods=["GET", "POST"])
@login_required
@limits.join_requests
def about(slug: str) -> Any:
    """A listed tribe as outsiders see it: name, description, size, and "Ask to join"."""
    tribe = _listed(slug)
    if policy.is_member(db.session, tribe.id, current_user.id):
        return redirect(url_for("groups_pages.tribe_home", slug=tribe.slug))
    questions = list(tribe.join_questions or []) if tribe.join_requests else []

    def values() -> dict[str, Any]:
        return {"answers": [request.form.get(f"answer-{i}", "") for i in range(len(questions))],
                "message": request.form.get("message", "")}

    def asked(_req: Any) -> Any:
        flash(_("Your request is with the admins."), "success")
        return redirect(url_for("joining_pages.about", slug=tribe.slug), code=303)

    def send(data: schemas.JoinRequestIn) -> Any:
        requestable = service.requestable_tribe(db.session, current_user.id, slug)
        return service.ask(db.session, requestable, current_user, data.answers, data.message.strip())

    return form_page(
        "joining/about.html", schemas.JoinRequestIn, send, asked, values=values, error_field="answers",
        context=lambda: {"tribe": tribe, "questions": questions,
                         "asked": service.my_open_request_id(db.session, tribe, current_user.id) is not None},
    )


def _pending_page(tribe: Tribe) -> tuple[list[JoinRequest], str | None]:
    """One page of the tribe's pending requests, oldest first."""
    return keyset_page(db.session, service.queue_query(tribe.id), **time_id_keyset(JoinRequest.queued_at, JoinRequest.id),
                       limit=PAGE_SIZE, cursor=request.args.get("cursor") or None)


def _space(template: str, tribe: Tribe, me: Any, tab: str, **context: Any) -> Any:
    """Render a page inside the tribe's space (its tab bar on `tab`)."""
    return render_template(template, tribe=tribe, me=me, may=policy.can(tribe, me), tab=tab, **context)


@bp.get("/t/<slug>/join-requests")
@login_required
def members_list(slug: str) -> Any:
    """Who asks to join (members): name and note only, with "I know this person"."""
    tribe, me = policy.get_tribe_for(db.session, current_user.id, slug)
    rows, cursor = _pending_page(tribe) if tribe.join_requests else ([], None)
    mine = set(db.session.scalars(select(JoinVouch.request_id).where(
        JoinVouch.user_id == me.user_id, JoinVouch.request_id.in_([r.id for r in rows])))) if rows else set()
    return _space("joining/members.html", tribe, me, "members", requests=rows, next_cursor=cursor, vouched=mine)


@bp.post("/join-requests/<int:request_id>/vouch")
@login_required
def vouch(request_id: int) -> Any:
    """"I know this person" from the members' list."""
    req, tribe, _me = service.visible_pending(db.session, request_id, current_user.id)
    name = req.user.display_name
    return form_action(url_for("joining_pages.members_list", slug=tribe.slug),
                       _("You vouched for %(name)s.", name=name),
                       lambda: service.vouch(db.session, request_id, current_user))


@bp.get("/t/<slug>/admin/join-requests")
@login_required
def queue(slug: str) -> Any:
    """The admins' queue: answers, account age, vouches, "in another of your tribes"."""
    tribe, me = policy.get_tribe_with_role(db.session, current_user.id, slug, "admin")
    rows, cursor = _pending_page(tribe)
    vouches = service.vouches_for(db.session, [r.id for r in rows])
    shares = service.sharing_other_tribes(db.session, tribe.id, me.user_id, [r.user_id for r in rows])
    return _space("joining/queue.html", tribe, me, "admin", requests=rows, next_cursor=cursor,
                  vouches=vouches, shares=shares, questions=list(tribe.join_questions or []), now=utcnow())


@bp.post("/join-requests/<int:request_id>/accept")
@login_required
def accept(request_id: int) -> Any:
    """Accept from the queue."""
    req, tribe, _me = service.get_for_admin(db.session, request_id, current_user.id)
    name = req.user.display_name
    return form_action(url_for("joining_pages.queue", slug=tribe.slug),
                       _("%(name)s is now a member.", name=name),
                       lambda: service.accept(db.session, request_id, current_user))


@bp.post("/join-requests/<int:request_id>/decline")
@login_required
def decline(request_id: int) -> Any:
    """Decline quietly from the queue."""
    _req, tribe, _me = service.get_for_admin(db.session, request_id, current_user.id)
    return form_action(url_for("joining_pages.queue", slug=tribe.slug),
                       _("Request declined. Nobody is told."),
                       lambda: service.decline(db.session, request_id, current_user))


@bp.route("/t/<slug>/admin/joining", methods=["GET", "POST"])
@login_required
def settings(slug: str) -> Any:
    """Whether outsiders may ask to join, and the questions they answer (admins)."""
    tribe, me = policy.get_tribe_with_role(db.session, current_user.id, slug, "admin")

    def values() -> dict[str, Any]:
        questions = [request.form.get(f"question-{i}", "").strip() for i in range(MAX_QUESTIONS)]
        return {"join_requests": request.form.get("join_requests") == "1",
                "join_questions": [q for q in questions if q]}

    def saved(_result: Any) -> Any:
        flash(_("The joining settings are saved."), "success")
        return redirect(url_for("joining_pages.settings", slug=tribe.slug), code=303)

    return form_page(
        "joining/settings.html", TribePatch,
        lambda data: update_tribe(db.session, tribe, data.model_dump(exclude_unset=True), actor_id=me.user_id),
        saved, values=values, error_field="join_requests",
        context=lambda: {"tribe": tribe, "me": me, "may": policy.can(tribe, me), "tab": "admin",
                         "max_questions": MAX_QUESTIONS},
    )
