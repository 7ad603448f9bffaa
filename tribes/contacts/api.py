"""JSON API: contact requests (quiet decline), contacts, blocks and user profiles."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app, jsonify
from flask_login import current_user

from tribes.accounts.policy import get_visible_user
from tribes.contacts import blocks, profiles, schemas, service
from tribes.contacts.models import Block, Contact, ContactRequest
from tribes.db import time_id_keyset, utcnow
from tribes.extensions import db, limiter, user_or_address
from tribes.http import api_blueprint, body, keyset_page, page, parse

bp = api_blueprint("contacts_api", __name__)

#: accounts younger than this get the stricter contact-request limit
NEW_ACCOUNT_AGE = timedelta(days=7)


def contact_request_limit() -> str:
    """The per-day limit on contact requests, stricter for accounts younger than a week."""
    created = getattr(current_user, "created_at", None)
    if created is not None and utcnow() - created < NEW_ACCOUNT_AGE:
        return str(current_app.config["LIMIT_CONTACT_REQUESTS_NEW"])
    return str(current_app.config["LIMIT_CONTACT_REQUESTS"])


#: one counter shared by the API and the profile page; only sends taken for processing count
limit_contact_requests = limiter.shared_limit(
    contact_request_limit,
    scope="contact_requests",
    key_func=user_or_address,
    deduct_when=lambda response: response.status_code in (200, 202, 302),
)


@bp.post("/contacts/requests")
@body(schemas.ContactRequestIn)
@limit_contact_requests
def send_request() -> Any:
    """Ask someone I share a tribe with to be a contact; declines and blocks look pending."""
    data = parse(schemas.ContactRequestIn)
    status, req = service.send_request(db.session, current_user, data.user_id, data.message.strip())
    db.session.commit()
    if status == "accepted":
        return jsonify({"status": "accepted"}), 200
    assert req is not None
    return jsonify({"id": req.id, "status": "pending"}), 202


@bp.get("/contacts/requests/incoming")
def incoming() -> Any:
    """Pending requests to me, newest first (declined ones are gone)."""
    stmt = service.incoming_query(db.session, current_user.id)
    rows, cursor = keyset_page(db.session, stmt, descending=True,
                               **time_id_keyset(ContactRequest.created_at, ContactRequest.id))
    return jsonify(page([service.request_for_recipient(r) for r in rows], cursor))


@bp.get("/contacts/requests/outgoing")
def outgoing() -> Any:
    """My requests, newest first; every one reads pending until accepted."""
    stmt = service.outgoing_query(current_user.id)
    rows, cursor = keyset_page(db.session, stmt, descending=True,
                               **time_id_keyset(ContactRequest.created_at, ContactRequest.id))
    return jsonify(page([service.request_for_sender(r) for r in rows], cursor))


@bp.post("/contacts/requests/<int:request_id>/accept")
def accept(request_id: int) -> Any:
    """Accept a request to me; the sender is notified."""
    req = service.get_incoming(db.session, current_user, request_id)
    sender = req.sender
    contact = service.accept_request(db.session, current_user, req)
    db.session.commit()
    return jsonify({"status": "accepted", "user": service.card(sender), "since": contact.created_at.isoformat()})


@bp.post("/contacts/requests/<int:request_id>/decline")
def decline(request_id: int) -> Any:
    """Decline quietly: nobody is told, nothing the sender can read changes."""
    req = service.get_incoming(db.session, current_user, request_id)
    service.decline_request(db.session, req)
    db.session.commit()
    return "", 204


@bp.delete("/contacts/requests/<int:request_id>")
def withdraw(request_id: int) -> Any:
    """Withdraw my request."""
    service.withdraw_request(db.session, current_user, request_id)
    db.session.commit()
    return "", 204


@bp.get("/contacts")
def list_contacts() -> Any:
    """My contacts, newest first."""
    rows, cursor = keyset_page(
        db.session, service.contacts_query(current_user.id), descending=True,
        **time_id_keyset(Contact.created_at, Contact.id),
    )
    return jsonify(page(service.contact_dicts(db.session, current_user.id, rows), cursor))


@bp.delete("/contacts/<int:user_id>")
def remove_contact(user_id: int) -> Any:
    """Remove a contact quietly."""
    service.remove_contact(db.session, current_user, user_id)
    db.session.commit()
    return "", 204


@bp.get("/blocks")
def list_blocks() -> Any:
    """People I blocked, newest first."""
    rows, cursor = keyset_page(
        db.session, blocks.blocks_query(current_user.id), descending=True,
        **time_id_keyset(Block.created_at, Block.id),
    )
    return jsonify(page(blocks.block_dicts(db.session, rows), cursor))


@bp.post("/blocks")
@body(schemas.BlockIn)
def create_block() -> Any:
    """Block someone: silent for them; ends a contact and swallows their requests."""
    data = parse(schemas.BlockIn)
    row, created = blocks.block(db.session, current_user, data.user_id)
    db.session.commit()
    return jsonify(blocks.block_dicts(db.session, [row])[0]), (201 if created else 200)


@bp.delete("/blocks/<int:user_id>")
def delete_block(user_id: int) -> Any:
    """Lift a block."""
    blocks.unblock(db.session, current_user, user_id)
    db.session.commit()
    return "", 204


@bp.get("/users/<int:user_id>")
def get_user(user_id: int) -> Any:
    """A person's card: 404 unless we share a tribe or are contacts; bio per their visibility."""
    user = get_visible_user(db.session, current_user.id, user_id)
    return jsonify(profiles.profile(db.session, current_user.id, user))
