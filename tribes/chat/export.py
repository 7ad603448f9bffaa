"""The chat part of a user's data export."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tribes.accounts.models import User
from tribes.chat.models import Message
from tribes.groups.models import Tribe

TABLES = {"messages"}


def export_user(session: Session, user: User) -> dict[str, Any]:
    """Every message the user wrote (deleted ones as tombstones), oldest first."""
    rows = session.execute(
        select(Message, Tribe.slug)
        .join(Tribe, Tribe.id == Message.tribe_id)
        .where(Message.author_id == user.id)
        .order_by(Message.id)
    ).all()
    return {
        "messages": [
            {
                "id": m.id,
                "tribe": slug,
                "body": "" if m.deleted_at else m.body,
                "client_id": m.client_id,
                "created_at": m.created_at.isoformat(),
                "edited_at": m.edited_at.isoformat() if m.edited_at else None,
                "deleted": m.deleted_at is not None,
            }
            for m, slug in rows
        ]
    }
