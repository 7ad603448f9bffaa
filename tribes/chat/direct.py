"""Direct messages: starting a conversation, message requests, leaving, reading, listing.

Who may talk: everyone else in a conversation must be my contact (asked of contacts
through `events.are_contacts`: contacts is a sibling of chat); a 1:1 with someone I share
a tribe with is a **message request** to them. What only one member knows lives on their
own `ConversationMember` row (status, read marker, left, last activity), so that a
decline, a leave, a read or a swallowed message moves nothing the others can read.
Posting is `chat.direct_sending.send_direct` (the shared send path).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Select, and_, exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tribes import events
from tribes.accounts.blocks import has_blocked
from tribes.accounts.models import User
from tribes.accounts.service import card
from tribes.chat.direct_schemas import ConversationOut, DirectMessageOut
from tribes.chat.models import Conversation, ConversationMember, HiddenMessage, Message
from tribes.chat.service import hit_limit
from tribes.db import utcnow
from tribes.errors import NotFound
from tribes.groups.policy import share_a_tribe

#: an account younger than this gets the stricter message-request limit
YOUNG_ACCOUNT = timedelta(days=7)
#: the statuses in which a member can open the conversation
OPEN = ("active", "request")


def members_key(user_ids: list[int]) -> str:
    """The key of an exact set of people ("1,5,9")."""
    return ",".join(str(i) for i in sorted(set(user_ids)))


def _ask_contacts(session: Session, me: int, other: int) -> bool:
    """Whether two people are contacts (contacts answers)."""
    return events.ask(events.are_contacts, me, session=session, other_id=other)


def start(session: Session, me: User, user_ids: list[int]) -> tuple[Conversation, bool]:
    """The conversation of me and these people, created when new; (conversation, created).

    All contacts: an ordinary conversation. One person who is not a contact but shares a
    tribe with me: a message request to them (quietly declined from the start when they
    blocked me). Anyone else: NotFound, as for a missing user.
    """
    others = [i for i in user_ids if i != me.id]
    if len(others) != len(user_ids) or session.scalar(
        select(func.count()).select_from(User).where(User.id.in_(others))
    ) != len(others):
        raise NotFound()
    contacts = all(_ask_contacts(session, me.id, other) for other in others)
    if not contacts and (len(others) != 1 or not share_a_tribe(session, me.id, others[0])):
        raise NotFound()
    key = members_key([me.id, *others])
    existing = session.scalar(select(Conversation).where(Conversation.members_key == key))
    if existing is not None:
        _rejoin(session, existing.id, me.id, others if contacts else [])
        return existing, False
    if not contacts:
        _check_request_limit(me)
    conversation = Conversation(members_key=key, created_by_id=me.id, created_at=utcnow())
    try:
        with session.begin_nested():
            session.add(conversation)
            session.flush()
    except IntegrityError:
        found = session.scalar(select(Conversation).where(Conversation.members_key == key))
        if found is None:
            raise
        _rejoin(session, found.id, me.id, others if contacts else [])
        return found, False
    session.add(ConversationMember(conversation_id=conversation.id, user_id=me.id, status="active"))
    for other in others:
        status = "active" if contacts else ("declined" if has_blocked(session, other, me.id) else "request")
        session.add(ConversationMember(conversation_id=conversation.id, user_id=other, status=status))
    session.flush()
    return conversation, True


def _rejoin(session: Session, conversation_id: int, me: int, contacts: list[int]) -> None:
    """Starting an existing conversation again: it is open for me again (what I left stays
    hidden); contacts who had it as a request now have it as an ordinary conversation."""
    session.execute(
        update(ConversationMember)
        .where(ConversationMember.conversation_id == conversation_id, ConversationMember.user_id == me)
        .values(status="active", left_at=None)
    )
    if contacts:
        session.execute(
            update(ConversationMember)
            .where(ConversationMember.conversation_id == conversation_id,
                   ConversationMember.user_id.in_(contacts), ConversationMember.status == "request")
            .values(status="active")
        )


def _check_request_limit(me: User) -> None:
    """Message requests per day, stricter for accounts younger than YOUNG_ACCOUNT."""
    young = me.created_at > utcnow() - YOUNG_ACCOUNT
    hit_limit("LIMIT_MESSAGE_REQUESTS_NEW" if young else "LIMIT_MESSAGE_REQUESTS", "message-requests", me.id)


def membership(session: Session, conversation_id: int, user_id: int) -> ConversationMember:
    """My row of a conversation I can open (active or a request to me, not left); NotFound otherwise."""
    row = session.get(ConversationMember, (conversation_id, user_id))
    if row is None or row.status not in OPEN or row.left_at is not None:
        raise NotFound()
    return row


def visible(conversation_id: int, member: ConversationMember) -> Select[Any]:
    """The messages of a conversation this member may read: not before they left, not swallowed for them."""
    return select(Message).where(
        Message.conversation_id == conversation_id,
        Message.id > member.hidden_until_id,
        ~exists().where(HiddenMessage.message_id == Message.id, HiddenMessage.user_id == member.user_id),
    )


def unread(session: Session, member: ConversationMember) -> int:
    """How many messages of others this member has not read (0 for a request: never unread)."""
    if member.status != "active":
        return 0
    return session.scalar(
        visible(member.conversation_id, member)
        .where(Message.id > member.last_read_id)
        .where((Message.author_id != member.user_id) | Message.author_id.is_(None))
        .with_only_columns(func.count())
    ) or 0


def unread_total(session: Session, user_id: int) -> int:
    """My unread direct messages in all my open conversations (the header badge)."""
    mine = ConversationMember
    return session.scalar(
        select(func.count(Message.id))
        .join(mine, and_(mine.conversation_id == Message.conversation_id, mine.user_id == user_id))
        .where(mine.status == "active", mine.left_at.is_(None), Message.id > mine.last_read_id,
               Message.id > mine.hidden_until_id,
               (Message.author_id != user_id) | Message.author_id.is_(None),
               ~exists().where(HiddenMessage.message_id == Message.id, HiddenMessage.user_id == user_id))
    ) or 0


def mark_read(session: Session, member: ConversationMember, message_id: int) -> int:
    """Move my read marker forward to `message_id` (never back, never past the last message); my unread count."""
    newest = session.scalar(
        select(func.max(Message.id)).where(Message.conversation_id == member.conversation_id)
    ) or 0
    member.last_read_id = max(member.last_read_id, min(message_id, newest))
    session.flush()
    return unread(session, member)


def accept(session: Session, member: ConversationMember) -> None:
    """The recipient of a message request accepts it: an ordinary conversation for them now."""
    if member.status == "request":
        member.status = "active"
        session.flush()


def decline(session: Session, conversation_id: int, user_id: int) -> None:
    """The recipient declines a message request, quietly: the sender's view never changes."""
    row = session.get(ConversationMember, (conversation_id, user_id))
    if row is None or row.status not in ("request", "declined") or row.left_at is not None:
        raise NotFound()
    row.status = "declined"
    session.flush()


def leave(session: Session, member: ConversationMember) -> None:
    """I leave: the conversation and everything in it so far is hidden for me only; a new
    message from someone else brings the conversation back (with only what follows)."""
    newest = session.scalar(
        select(func.max(Message.id)).where(Message.conversation_id == member.conversation_id)
    ) or 0
    if member.status == "request":
        member.status = "declined"
    member.left_at = utcnow()
    member.hidden_until_id = member.last_read_id = newest
    session.flush()


def mine_query(user_id: int, status: str) -> Select[Any]:
    """My open conversations with this status (page by (last_activity_id, conversation_id), newest first)."""
    return select(ConversationMember).where(
        ConversationMember.user_id == user_id, ConversationMember.status == status,
        ConversationMember.left_at.is_(None),
    )


def out(session: Session, rows: list[ConversationMember]) -> list[ConversationOut]:
    """Conversations as their member sees them (members, last readable message, unread count)."""
    if not rows:
        return []
    ids = [r.conversation_id for r in rows]
    conversations = {c.id: c for c in session.scalars(select(Conversation).where(Conversation.id.in_(ids)))}
    people: dict[int, list[int]] = {}
    for cid, uid in session.execute(
        select(ConversationMember.conversation_id, ConversationMember.user_id)
        .where(ConversationMember.conversation_id.in_(ids))
        .order_by(ConversationMember.joined_at, ConversationMember.user_id)
    ):
        people.setdefault(cid, []).append(uid)
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_({u for v in people.values() for u in v})))}
    last_ids = [r.last_activity_id for r in rows if r.last_activity_id]
    last = {m.id: m for m in session.scalars(select(Message).where(Message.id.in_(last_ids)))} if last_ids else {}
    result = []
    for row in rows:
        message = last.get(row.last_activity_id)
        result.append(ConversationOut(
            id=row.conversation_id,
            members=[card(users[u]) for u in people.get(row.conversation_id, []) if u in users],
            created_at=conversations[row.conversation_id].created_at,
            last_message=DirectMessageOut.of(message) if message is not None else None,
            unread=unread(session, row),
            status="request" if row.status == "request" else "active",
        ))
    return result

