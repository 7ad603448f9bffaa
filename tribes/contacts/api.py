"""JSON API: contact requests (quiet decline), contacts, blocks and user profiles."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask_login import current_user

from tribes.accounts.models import Block
from tribes.accounts.schemas import UserCard
from tribes.contacts import blocks, profiles, schemas, service
from tribes.contacts.models import Contact, ContactRequest
from tribes.contacts.schemas import (
    AcceptedOut,
    BlockOut,
    ContactOut,
    ContactRequestOut,
    SentRequestOut,
)
from tribes.contacts.visibility import get_visible_user
from tribes.db import time_id_keyset, utcnow
from tribes.endpoint import Page, endpoint
from tribes.extensions import db, limiter, user_or_address
from tribes.http import api_blueprint
from tribes.paging import keyset_page

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
@limit_contact_requests
@endpoint(SentRequestOut, status=202, also=(200,), body=schemas.ContactRequestIn)
def send_request(data: schemas.ContactRequestIn) -> tuple[SentRequestOut, int]:
    """Ask someone I share a tribe with to be a contact; declines and blocks look pending."""
    status, req = service.send_request(db.session, current_user, data.user_id, data.message.strip())
    if status == "accepted":
        return SentRequestOut(status="accepted"), 200
    assert req is not None
    return SentRequestOut(id=req.id, status="pending"), 202


@bp.get("/contacts/requests/incoming")
@endpoint(Page[ContactRequestOut], paged=True)
def incoming() -> Page[ContactRequestOut]:
    """Pending requests to me, newest first (declined ones are gone)."""
    stmt = service.incoming_query(db.session, current_user.id)
    rows, cursor = keyset_page(db.session, stmt, descending=True,
                               **time_id_keyset(ContactRequest.created_at, ContactRequest.id))
    return Page(items=[service.request_for_recipient(r) for r in rows], next_cursor=cursor)


@bp.get("/contacts/requests/outgoing")
@endpoint(Page[ContactRequestOut], paged=True)
def outgoing() -> Page[ContactRequestOut]:
    """My requests, newest first; every one reads pending until accepted."""
    stmt = service.outgoing_query(current_user.id)
    rows, cursor = keyset_page(db.session, stmt, descending=True,
                               **time_id_keyset(ContactRequest.created_at, ContactRequest.id))
    return Page(items=[service.request_for_sender(r) for r in rows], next_cursor=cursor)


@bp.post("/contacts/requests/<int:request_id>/accept")
@endpoint(AcceptedOut)
def accept(request_id: int) -> AcceptedOut:
    """Accept a request to me; the sender is notified."""
    req = service.get_incoming(db.session, current_user, request_id)
    sender = req.sender
    contact = service.accept_request(db.session, current_user, req)
    return AcceptedOut(status="accepted", user=UserCard.of(sender), since=contact.created_at)


@bp.post("/contacts/requests/<int:request_id>/decline")
@endpoint(status=204)
def decline(request_id: int) -> None:
    """Decline quietly: nobody is told, nothing the sender can read changes."""
    req = service.get_incoming(db.session, current_user, request_id)
    service.decline_request(db.session, req)


@bp.delete("/contacts/requests/<int:request_id>")
@endpoint(status=204)
def withdraw(request_id: int) -> None:
    """Withdraw my request."""
    service.withdraw_request(db.session, current_user, request_id)


@bp.get("/contacts")
@endpoint(Page[ContactOut], paged=True)
def list_contacts() -> Page[ContactOut]:
    """My contacts, newest first."""
    rows, cursor = keyset_page(
        db.session, service.contacts_query(current_user.id), descending=True,
        **time_id_keyset(Contact.created_at, Contact.id),
    )
    return Page(items=service.contacts_of(db.session, current_user.id, rows), next_cursor=cursor)


@bp.delete("/contacts/<int:user_id>")
@endpoint(status=204)
def remove_contact(user_id: int) -> None:
    """Remove a contact quietly."""
    service.remove_contact(db.session, current_user, user_id)


@bp.get("/blocks")
@endpoint(Page[BlockOut], paged=True)
def list_blocks() -> Page[BlockOut]:
    """People I blocked, newest first."""
    rows, cursor = keyset_page(
        db.session, blocks.blocks_query(current_user.id), descending=True,
        **time_id_keyset(Block.created_at, Block.id),
    )
    return Page(items=blocks.blocks_of(db.session, rows), next_cursor=cursor)


@bp.post("/blocks")
@endpoint(BlockOut, status=201, also=(200,), body=schemas.BlockIn)
def create_block(data: schemas.BlockIn) -> tuple[BlockOut, int]:
    """Block someone: silent for them; ends a contact and swallows their requests."""
    row, created = blocks.block(db.session, current_user, data.user_id)
    return blocks.blocks_of(db.session, [row])[0], (201 if created else 200)


@bp.delete("/blocks/<int:user_id>")
@endpoint(status=204)
def delete_block(user_id: int) -> None:
    """Lift a block."""
    blocks.unblock(db.session, current_user, user_id)


@bp.get("/users/<int:user_id>")
@endpoint(UserCard)
def get_user(user_id: int) -> UserCard:
    """A person's card: 404 unless we share a tribe or are contacts; bio per their visibility."""
    user = get_visible_user(db.session, current_user.id, user_id)
    return profiles.profile(db.session, current_user.id, user)
