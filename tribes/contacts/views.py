"""HTML pages: contacts (incoming, outgoing, contacts, blocked) and profiles `/u/<id>`."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, render_template, request, url_for
from flask_login import current_user, login_required

from tribes.accounts.policy import get_visible_user
from tribes.contacts import blocks, profiles, service
from tribes.contacts.api import limit_contact_requests
from tribes.contacts.models import Block, Contact, ContactRequest
from tribes.extensions import db
from tribes.pages import form_action, redirect_local

bp = Blueprint("contacts_pages", __name__)

PAGE_SIZE = 200


def _back(default: str) -> Any:
    """Redirect to the `next` form field if it is a path on this site, else the default."""
    return redirect_local(request.form.get("next"), default)


@bp.get("/contacts")
@login_required
def index() -> Any:
    """Incoming requests (accept / decline), my requests, my contacts, people I blocked."""
    uid = current_user.id
    incoming = db.session.scalars(
        service.incoming_query(db.session, uid).order_by(ContactRequest.created_at.desc(), ContactRequest.id.desc()).limit(PAGE_SIZE)
    )
    outgoing = db.session.scalars(
        service.outgoing_query(uid).order_by(ContactRequest.created_at.desc(), ContactRequest.id.desc()).limit(PAGE_SIZE)
    )
    contacts = list(db.session.scalars(service.contacts_query(uid).order_by(Contact.created_at.desc(), Contact.id.desc()).limit(PAGE_SIZE)))
    blocked = list(db.session.scalars(blocks.blocks_query(uid).order_by(Block.created_at.desc(), Block.id.desc()).limit(PAGE_SIZE)))
    return render_template(
        "contacts/index.html",
        incoming=[service.request_for_recipient(r) for r in incoming],
        outgoing=[service.request_for_sender(r) for r in outgoing],
        contacts=service.contact_dicts(db.session, uid, contacts),
        blocks=blocks.block_dicts(db.session, blocked),
    )


@bp.post("/contacts/requests/<int:request_id>/accept")
@login_required
def accept(request_id: int) -> Any:
    """Accept a request from the contacts page."""
    req = service.get_incoming(db.session, current_user, request_id)
    name = req.sender.display_name
    service.accept_request(db.session, current_user, req)
    db.session.commit()
    flash(f"You and {name} are now contacts.", "success")
    return _back(url_for("contacts_pages.index"))


@bp.post("/contacts/requests/<int:request_id>/decline")
@login_required
def decline(request_id: int) -> Any:
    """Decline quietly from the contacts page."""
    req = service.get_incoming(db.session, current_user, request_id)
    service.decline_request(db.session, req)
    db.session.commit()
    flash("Declined. They will not be told.", "success")
    return _back(url_for("contacts_pages.index"))


@bp.post("/contacts/requests/<int:request_id>/withdraw")
@login_required
def withdraw(request_id: int) -> Any:
    """Withdraw my request."""
    service.withdraw_request(db.session, current_user, request_id)
    db.session.commit()
    flash("Request withdrawn.", "success")
    return _back(url_for("contacts_pages.index"))


@bp.post("/contacts/<int:user_id>/remove")
@login_required
def remove(user_id: int) -> Any:
    """Remove a contact quietly."""
    service.remove_contact(db.session, current_user, user_id)
    db.session.commit()
    flash("Contact removed. They will not be told.", "success")
    return _back(url_for("contacts_pages.index"))


@bp.get("/u/<int:user_id>")
@login_required
def profile(user_id: int) -> Any:
    """A person's profile with "send contact request" and "block"."""
    user = get_visible_user(db.session, current_user.id, user_id)
    return render_template(
        "users/profile.html",
        person=profiles.profile(db.session, current_user.id, user),
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
        lambda status: "You are now contacts." if status == "accepted" else "Contact request sent.",
        lambda: service.send_request(
            db.session, current_user, user_id, (request.form.get("message") or "").strip()[:500]
        )[0],
    )


@bp.post("/u/<int:user_id>/block")
@login_required
def block(user_id: int) -> Any:
    """Block someone from their profile."""
    blocks.block(db.session, current_user, user_id)
    db.session.commit()
    flash("Blocked. They will not be told.", "success")
    return _back(url_for("contacts_pages.index"))


@bp.post("/blocks/<int:user_id>/remove")
@login_required
def unblock(user_id: int) -> Any:
    """Lift a block."""
    blocks.unblock(db.session, current_user, user_id)
    db.session.commit()
    flash("Unblocked.", "success")
    return _back(url_for("contacts_pages.index"))
