"""HTML pages: contacts (incoming, outgoing, contacts, blocked) and profiles `/u/<id>`."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request, url_for
from flask_login import current_user, login_required

from tribes.accounts.models import Block
from tribes.contacts import blocks, profiles, service
from tribes.contacts.api import limit_contact_requests
from tribes.contacts.models import Contact, ContactRequest
from tribes.contacts.visibility import get_visible_user
from tribes.db import time_id_keyset
from tribes.extensions import db
from tribes.i18n import _
from tribes.pages import form_action, local_path
from tribes.paging import keyset_page

bp = Blueprint("contacts_pages", __name__)

PAGE_SIZE = 200


#: the query argument that carries each list's cursor on the contacts page
SECTIONS = ("incoming", "outgoing", "contacts", "blocks")


def _section_page(name: str, stmt: Any, time_key: Any, id_key: Any) -> tuple[list[Any], str | None]:
    """One keyset page of a section, newest first, and the link to its next page (None at the end)."""
    rows, cursor = keyset_page(
        db.session, stmt, descending=True, limit=PAGE_SIZE,
        cursor=request.args.get(f"{name}_cursor") or None, **time_id_keyset(time_key, id_key),
    )
    more = url_for("contacts_pages.index", **{f"{name}_cursor": str(cursor)}) if cursor else None  # type: ignore[arg-type]
    return rows, more


def _dumped(items: list[Any]) -> list[dict[str, Any]]:
    return [item.model_dump(mode="json") for item in items]


@bp.get("/contacts")
@login_required
def index() -> Any:
    """Incoming requests (accept / decline), my requests, my contacts, people I blocked; each
    list pages on with a "more" link."""
    uid = current_user.id
    incoming, more_incoming = _section_page("incoming", service.incoming_query(db.session, uid),
                                            ContactRequest.created_at, ContactRequest.id)
    outgoing, more_outgoing = _section_page("outgoing", service.outgoing_query(uid),
                                            ContactRequest.created_at, ContactRequest.id)
    contacts, more_contacts = _section_page("contacts", service.contacts_query(uid), Contact.created_at, Contact.id)
    blocked, more_blocks = _section_page("blocks", blocks.blocks_query(uid), Block.created_at, Block.id)
    return render_template(
        "contacts/index.html",
        incoming=_dumped([service.request_for_recipient(r) for r in incoming]),
        outgoing=_dumped([service.request_for_sender(r) for r in outgoing]),
        contacts=_dumped(service.contacts_of(db.session, uid, contacts)),
        blocks=_dumped(blocks.blocks_of(db.session, blocked)),
        more={"incoming": more_incoming, "outgoing": more_outgoing,
              "contacts": more_contacts, "blocks": more_blocks},
    )


def _back_to_contacts() -> str:
    """The `next` form field if it is a path on this site, else the contacts page."""
    return local_path(request.form.get("next")) or url_for("contacts_pages.index")


def _accept(request_id: int) -> str:
    """Accept a request to me; returns the sender's name."""
    req = service.get_incoming(db.session, current_user, request_id)
    name = req.sender.display_name
    service.accept_request(db.session, current_user, req)
    return name


@bp.post("/contacts/requests/<int:request_id>/accept")
@login_required
def accept(request_id: int) -> Any:
    """Accept a request from the contacts page."""
    return form_action(_back_to_contacts(), lambda name: _("You and %(name)s are now contacts.", name=name),
                       lambda: _accept(request_id))


@bp.post("/contacts/requests/<int:request_id>/decline")
@login_required
def decline(request_id: int) -> Any:
    """Decline quietly from the contacts page."""
    return form_action(
        _back_to_contacts(), _("Declined. They will not be told."),
        lambda: service.decline_request(db.session, service.get_incoming(db.session, current_user, request_id)),
    )


@bp.post("/contacts/requests/<int:request_id>/withdraw")
@login_required
def withdraw(request_id: int) -> Any:
    """Withdraw my request."""
    return form_action(_back_to_contacts(), _("Request withdrawn."),
                       lambda: service.withdraw_request(db.session, current_user, request_id))


@bp.post("/contacts/<int:user_id>/remove")
@login_required
def remove(user_id: int) -> Any:
    """Remove a contact quietly."""
    return form_action(_back_to_contacts(), _("Contact removed. They will not be told."),
                       lambda: service.remove_contact(db.session, current_user, user_id))


@bp.get("/u/<int:user_id>")
@login_required
def profile(user_id: int) -> Any:
    """A person's profile with "send contact request" and "block"."""
    user = get_visible_user(db.session, current_user.id, user_id)
    return render_template(
        "contacts/profile.html",
        person=profiles.profile(db.session, current_user.id, user).model_dump(mode="json"),
        relation=profiles.relation(db.session, current_user.id, user),
        is_me=user.id == current_user.id,
    )


@bp.post("/u/<int:user_id>/request")
@login_required
@limit_contact_requests
def send_request(user_id: int) -> Any:
    """Send a contact request from a profile (same rules and limit as the API)."""
    return form_action(
        url_for("contacts_pages.profile", user_id=user_id),
        lambda status: _("You are now contacts.") if status == "accepted" else _("Contact request sent."),
        lambda: service.send_request(
            db.session, current_user, user_id, (request.form.get("message") or "").strip()[:500]
        )[0],
    )


@bp.post("/u/<int:user_id>/block")
@login_required
def block(user_id: int) -> Any:
    """Block someone from their profile."""
    return form_action(_back_to_contacts(), _("Blocked. They will not be told."),
                       lambda: blocks.block(db.session, current_user, user_id))


@bp.post("/blocks/<int:user_id>/remove")
@login_required
def unblock(user_id: int) -> Any:
    """Lift a block."""
    return form_action(_back_to_contacts(), _("Unblocked."),
                       lambda: blocks.unblock(db.session, current_user, user_id))
