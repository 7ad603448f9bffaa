"""Data export: contacts, blocks, requests received and sent (sent ones as the sender sees them)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tribes.accounts.models import Block, User
from tribes.contacts import blocks, service
from tribes.contacts.models import Contact, ContactRequest

TABLES = {"contact_requests", "contacts", "blocks"}


def export_user(session: Session, user: User) -> dict[str, Any]:
    """`contacts`, `blocks`, `contact_requests_sent` (declined reads pending), `contact_requests_received`."""
    contacts = list(session.scalars(service.contacts_query(user.id).order_by(Contact.created_at, Contact.id)))
    blocked = list(session.scalars(select(Block).where(Block.blocker_id == user.id).order_by(Block.created_at, Block.id)))
    sent = list(session.scalars(service.outgoing_query(user.id).order_by(ContactRequest.created_at, ContactRequest.id)))
    received = list(
        session.scalars(
            select(ContactRequest)
            .where(ContactRequest.recipient_id == user.id, ContactRequest.withdrawn_at.is_(None))
            .order_by(ContactRequest.created_at, ContactRequest.id)
        )
    )
    return {
        "contacts": _json(service.contacts_of(session, user.id, contacts)),
        "blocks": _json(blocks.blocks_of(session, blocked)),
        "contact_requests_sent": _json([service.request_for_sender(r) for r in sent]),
        "contact_requests_received": _json([service.request_for_recipient(r) for r in received]),
    }


def _json(items: list[Any]) -> list[dict[str, Any]]:
    """Response objects as JSON-ready dicts."""
    return [item.model_dump(mode="json") for item in items]
