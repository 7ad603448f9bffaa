"""Profiles as a viewer sees them, and the viewer's relation to the person (for pages)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from tribes.accounts.blocks import has_blocked
from tribes.accounts.models import User
from tribes.accounts.schemas import UserCard
from tribes.contacts.service import are_contacts, pair_request, visible_to_recipient
from tribes.contacts.visibility import can_see_details


def profile(session: Session, viewer_id: int, user: User) -> UserCard:
    """A user's card for a viewer; bio and avatar only where profile visibility allows."""
    shown = UserCard.of(user)
    shown.avatar_url = None
    if can_see_details(session, viewer_id, user):
        shown.bio = user.bio
        shown.avatar_url = user.avatar_url
    return shown


def relation(session: Session, viewer_id: int, user: User) -> dict[str, Any]:
    """For the profile page: contact?, my open request (as I see it), their request to me, blocked?"""
    req = pair_request(session, viewer_id, user.id)
    outgoing = req if req is not None and req.sender_id == viewer_id and req.withdrawn_at is None else None
    incoming = req if req is not None and visible_to_recipient(req, viewer_id) else None
    blocked = has_blocked(session, viewer_id, user.id)
    return {
        "contact": are_contacts(session, viewer_id, user.id),
        "outgoing": outgoing,
        "incoming": None if blocked else incoming,
        "blocked": blocked,
    }
