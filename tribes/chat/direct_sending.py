"""Posting a direct message: the conversation's checks, then the shared send path
(`chat.sending.store_in_order`: the room's lock, the one insert, commit, broadcast in id order).

Delivery: the `message` event goes to the personal rooms of the author and of every
member for whom the conversation is open (active; a member who had left gets it back),
never to a member it is swallowed for (they blocked the author: a `HiddenMessage` row,
their last activity and unread count do not move) nor to a pending or declined
message request. The author's own view is the same whatever happened on the other side.
"""

from __future__ import annotations

import logging
from types import SimpleNamespace
from typing import Any

from sqlalchemy import and_, bindparam, exists, insert, select, update
from sqlalchemy.orm import Session

from tribes import events
from tribes.accounts.blocks import who_blocked
from tribes.accounts.models import User, UserSession
from tribes.accounts.service import card
from tribes.chat import direct_mail, fanout
from tribes.chat.direct import membership
from tribes.chat.direct_schemas import DirectMessageOut
from tribes.chat.models import ConversationMember, HiddenMessage, Message
from tribes.chat.ordering import Room
from tribes.chat.sending import SessionEnded, store_in_order
from tribes.chat.service import hit_limit
from tribes.db import utcnow
from tribes.errors import Forbidden, NotFound
from tribes.extensions import db, socketio

log = logging.getLogger(__name__)

_CHECK = (
    select(
        ConversationMember.status, ConversationMember.left_at,
        User.display_name, User.avatar_url, User.profile_visibility,
        Message.id.label("earlier_id"),
    )
    .select_from(ConversationMember)
    .join(User, User.id == ConversationMember.user_id)
    .outerjoin(Message, and_(
        Message.conversation_id == ConversationMember.conversation_id,
        Message.author_id == ConversationMember.user_id, Message.client_id == bindparam("cid"),
    ))
    .where(ConversationMember.conversation_id == bindparam("conv"), ConversationMember.user_id == bindparam("uid"))
)


def send_direct(
    user_id: int, conversation_id: int, body: str, client_id: str, *, session_id: int | None = None
) -> tuple[DirectMessageOut, bool]:
    """Post as `user_id` in a conversation; (stored message, created). Same rules as a
    tribe's send: a live login session for sockets, membership (404), an earlier message
    with this client_id answered as is, the per-sender rate limit (TRIBES_LIMIT_DM)."""
    session = db.session
    if session_id is not None and session.scalar(
        select(UserSession.id).where(UserSession.id == session_id, UserSession.user_id == user_id)
    ) is None:
        raise SessionEnded()
    row = session.execute(_CHECK, {"conv": conversation_id, "uid": user_id, "cid": client_id}).first()
    if row is None or row.status not in ("active", "request") or row.left_at is not None:
        raise NotFound()
    if row.earlier_id is not None:
        return DirectMessageOut.of(session.get_one(Message, row.earlier_id)), False
    hit_limit("LIMIT_DM", "dm", user_id)
    members = session.execute(
        select(ConversationMember.user_id, ConversationMember.status)
        .where(ConversationMember.conversation_id == conversation_id, ConversationMember.user_id != user_id)
    ).all()
    blockers = who_blocked(session, user_id, [m.user_id for m in members])
    receivers = [m.user_id for m in members if m.user_id not in blockers and m.status != "declined"]
    live = [m.user_id for m in members if m.user_id not in blockers and m.status == "active"]
    author = card(SimpleNamespace(  # type: ignore[arg-type]
        id=user_id, display_name=row.display_name, avatar_url=row.avatar_url,
        profile_visibility=row.profile_visibility,
    ))

    away: list[int] = []   # members who had read everything so far: told if no socket is open

    def before_commit(message_id: int) -> None:
        """Swallowed copies, my own request accepted by answering, the others' last activity."""
        conn = session.connection()
        away.extend(direct_mail.caught_up(conn, conversation_id, live))
        if blockers:
            conn.execute(insert(HiddenMessage), [{"message_id": message_id, "user_id": b} for b in sorted(blockers)])
        conn.execute(
            update(ConversationMember)
            .where(ConversationMember.conversation_id == conversation_id, ConversationMember.user_id == user_id)
            .values(status="active", last_activity_id=message_id, last_read_id=message_id)
        )
        if receivers:
            conn.execute(
                update(ConversationMember)
                .where(ConversationMember.conversation_id == conversation_id,
                       ConversationMember.user_id.in_(receivers))
                .values(last_activity_id=message_id, left_at=None)
            )

    def deliver(payload: dict[str, Any]) -> None:
        """The `message` event to the author's and the open members' personal rooms."""
        rooms = [fanout.user_room(u) for u in [user_id, *live]]
        socketio.emit("message", payload, to=rooms, namespace=fanout.NAMESPACE)

    message = store_in_order(
        Room("conversation", conversation_id), user_id, body, client_id,
        lambda message_id, at: DirectMessageOut.new(message_id, conversation_id, author, body, client_id, at),
        deliver, before_commit,
    )
    if message is None:  # the same client_id, committed concurrently
        earlier = session.scalar(select(Message).where(
            Message.conversation_id == conversation_id, Message.author_id == user_id, Message.client_id == client_id,
        ))
        if earlier is None:
            raise NotFound()
        return DirectMessageOut.of(earlier), False
    _after_posted(session, message, user_id, receivers, author, away)
    return message, True


def _after_posted(
    session: Any, message: DirectMessageOut, user_id: int, receivers: list[int],
    author: dict[str, Any] | None = None, away: list[int] | None = None,
) -> None:
    """`events.message_posted` for a committed direct message (moderation's astroturf
    signal: the same text to many people) and a word to members who are away, in their own
    transaction; failures are logged."""
    try:
        if author is not None and away:
            direct_mail.tell_the_absent(session, message.conversation, author, away)
        events.message_posted.send(None, session=session, message=SimpleNamespace(
            id=message.id, tribe_id=None, conversation_id=message.conversation, author_id=user_id,
            body=message.body, created_at=message.created_at,
        ), recipient_ids=receivers)
        session.commit()
    except Exception:
        session.rollback()
        log.exception("after-posting work for direct message %s failed", message.id)


def get_direct_message(session: Session, user_id: int, message_id: int) -> Message:
    """A direct message I can read (in a conversation open to me, not swallowed for me); NotFound otherwise."""
    message = session.get(Message, message_id)
    if message is None or message.conversation_id is None:
        raise NotFound()
    member = membership(session, message.conversation_id, user_id)
    if message.id <= member.hidden_until_id or session.scalar(select(exists().where(
        HiddenMessage.message_id == message.id, HiddenMessage.user_id == user_id,
    ))):
        raise NotFound()
    return message


def _readers(session: Session, message: Message) -> list[str]:
    """The personal rooms of the members who can read this message now (and its author)."""
    rows = session.scalars(
        select(ConversationMember.user_id).where(
            ConversationMember.conversation_id == message.conversation_id,
            ConversationMember.status == "active", ConversationMember.left_at.is_(None),
            ConversationMember.hidden_until_id < message.id,
            ~exists().where(HiddenMessage.message_id == message.id,
                            HiddenMessage.user_id == ConversationMember.user_id),
        )
    )
    return [fanout.user_room(u) for u in sorted({*rows, *([message.author_id] if message.author_id else [])})]


def edit_direct(session: Session, message: Message, user_id: int, body: str) -> DirectMessageOut:
    """The author changes a direct message (rate-limited like sends); `message_edited` to its readers."""
    if message.author_id != user_id:
        raise Forbidden()
    if message.deleted_at is not None:
        raise NotFound()
    hit_limit("LIMIT_DM", "dm", user_id)
    message.body = body
    message.edited_at = utcnow()
    session.flush()
    out = DirectMessageOut.of(message)
    payload, rooms = out.model_dump(mode="json"), _readers(session, message)
    events.on_commit(session, lambda: socketio.emit("message_edited", payload, to=rooms, namespace=fanout.NAMESPACE))
    return out


def delete_direct(session: Session, message: Message, user_id: int) -> None:
    """The author deletes a direct message (tombstone); `message_deleted` to its readers."""
    if message.author_id != user_id:
        raise Forbidden()
    if message.deleted_at is not None:
        return
    message.body = ""
    message.deleted_at = utcnow()
    message.deleted_by_id = user_id
    session.flush()
    data = {"tribe": None, "conversation": message.conversation_id, "id": message.id}
    rooms = _readers(session, message)
    events.on_commit(session, lambda: socketio.emit("message_deleted", data, to=rooms, namespace=fanout.NAMESPACE))
