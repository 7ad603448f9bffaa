"""Telling people who are away about a direct message: a `direct_message` notification (and so,
per their mail settings, an instant mail or a line in the digest) for a member of the
conversation who has no socket open, at most once per conversation until they come back.

"Until they come back" is read off their own row: they had read everything before this
message (`last_read_id >= last_activity_id`), so this is the first unread one; later messages
find them behind and tell nobody, until reading the conversation (`POST .../read`, or opening
it) catches them up again. The notification names who wrote, never what (the mail too): the
message stays in the app.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from tribes.chat.models import ConversationMember
from tribes.chat.socket_cap import has_open_socket
from tribes.notifications.kinds import DIRECT_MESSAGE
from tribes.notifications.service import notify


def caught_up(conn: Connection, conversation_id: int, user_ids: Sequence[int]) -> list[int]:
    """Of these members, those who had read everything so far (read before this message's row updates)."""
    if not user_ids:
        return []
    return list(conn.execute(
        select(ConversationMember.user_id).where(
            ConversationMember.conversation_id == conversation_id,
            ConversationMember.user_id.in_(user_ids),
            ConversationMember.last_read_id >= ConversationMember.last_activity_id,
        )
    ).scalars())


def tell_the_absent(
    session: Session, conversation_id: int, author: dict[str, object], user_ids: Sequence[int]
) -> int:
    """Notify those of `user_ids` who have no socket open now; returns how many were told."""
    told = 0
    for user_id in user_ids:
        if has_open_socket(user_id):
            continue
        notify(session, user_id, DIRECT_MESSAGE,
               {"from": {"id": author["id"], "display_name": author["display_name"]},
                "conversation_id": conversation_id},
               about_user_id=int(str(author["id"])))
        told += 1
    return told
