"""The chat part of a user's data export: tribe messages, conversations, direct messages."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tribes.accounts.models import User
from tribes.chat.models import Conversation, ConversationMember, Message
from tribes.groups.models import Tribe

TABLES = {"messages", "conversations", "conversation_members", "hidden_messages"}


def _message(m: Message) -> dict[str, Any]:
    """A message as the export writes it."""
    return {
        "id": m.id,
        "body": "" if m.deleted_at else m.body,
        "client_id": m.client_id,
        "created_at": m.created_at.isoformat(),
        "edited_at": m.edited_at.isoformat() if m.edited_at else None,
        "deleted": m.deleted_at is not None,
    }


def export_user(session: Session, user: User) -> dict[str, Any]:
    """Every message the user wrote (deleted ones as tombstones), oldest first; their
    conversations (members, their own status, read marker, left) and direct messages."""
    rows = session.execute(
        select(Message, Tribe.slug)
        .join(Tribe, Tribe.id == Message.tribe_id)
        .where(Message.author_id == user.id)
        .order_by(Message.id)
    ).all()
    mine = list(session.execute(
        select(ConversationMember, Conversation)
        .join(Conversation, Conversation.id == ConversationMember.conversation_id)
        .where(ConversationMember.user_id == user.id)
        .order_by(Conversation.created_at, Conversation.id)
    ).tuples())
    ids = [c.id for _m, c in mine]
    people: dict[int, list[int]] = {}
    for cid, uid in session.execute(
        select(ConversationMember.conversation_id, ConversationMember.user_id)
        .where(ConversationMember.conversation_id.in_(ids)).order_by(ConversationMember.user_id)
    ):
        people.setdefault(cid, []).append(uid)
    direct = session.scalars(
        select(Message).where(Message.author_id == user.id, Message.conversation_id.is_not(None)).order_by(Message.id)
    )
    return {
        "messages": [{**_message(m), "tribe": slug} for m, slug in rows],
        "conversations": [
            {
                "id": c.id,
                "member_ids": people.get(c.id, []),
                "created_at": c.created_at.isoformat(),
                "status": m.status,
                "last_read_id": m.last_read_id,
                "left_at": m.left_at.isoformat() if m.left_at else None,
            }
            for m, c in mine
        ],
        "direct_messages": [{**_message(m), "conversation": m.conversation_id} for m in direct],
    }
