"""JSON API: tribe chat history, posting, editing and deleting messages; direct messages."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_login import current_user

from tribes.chat import direct, schemas, service
from tribes.chat.direct_schemas import (
    AnyMessageOut,
    ConversationIn,
    ConversationOut,
    DirectMessageOut,
    ReadIn,
    UnreadOut,
)
from tribes.chat.direct_sending import delete_direct, edit_direct, get_direct_message, send_direct
from tribes.chat.history import history_page, message_json
from tribes.chat.models import ConversationMember, Message
from tribes.chat.schemas import MessageOut
from tribes.chat.sending import send_message
from tribes.endpoint import Page, endpoint
from tribes.errors import NotFound, ValidationFailed
from tribes.extensions import db
from tribes.groups import policy
from tribes.http import api_blueprint
from tribes.i18n import _
from tribes.paging import decode_cursor, encode_cursor, int_arg, keyset_page, page_limit

bp = api_blueprint("chat_api", __name__)


@bp.get("/tribes/<slug>/messages")
@endpoint(Page[MessageOut], paged=True)
def list_messages(slug: str) -> dict[str, Any]:
    """History: newest first (`?before=`, or nothing), oldest first with `?after=`."""
    # Core rows → the contract's dicts (tribes/chat/history.py): the same JSON as
    # Page(items=[MessageOut.of(m, slug) ...]) at a fraction of the CPU (no ORM objects, no models)
    tribe_id, tribe_slug = policy.member_tribe(db.session, current_user.id, slug)
    ascending, bound = _history_bounds()
    limit = page_limit()
    rows = history_page(db.session, tribe_id, ascending=ascending, bound=bound, limit=limit + 1)
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor(["a" if ascending else "b", rows[-1][0]])
    return {"items": [message_json(row, tribe_slug) for row in rows], "next_cursor": next_cursor}


@bp.post("/tribes/<slug>/messages")
@endpoint(MessageOut, status=201, also=(200,), body=schemas.MessageIn)
def post_message(slug: str, data: schemas.MessageIn) -> tuple[MessageOut, int]:
    """Post a message; the same client_id again answers 200 with the same message."""
    message, created = send_message(current_user.id, slug, data.body, data.client_id)
    return message, 201 if created else 200


@bp.patch("/messages/<int:message_id>")
@endpoint(AnyMessageOut, body=schemas.MessagePatch)
def edit_message(message_id: int, data: schemas.MessagePatch) -> AnyMessageOut:
    """The author edits a message (of a tribe, or a direct message)."""
    try:
        message = service.get_message_for(db.session, current_user.id, message_id)
    except NotFound:
        direct_message = get_direct_message(db.session, current_user.id, message_id)
        return AnyMessageOut(edit_direct(db.session, direct_message, current_user.id, data.body))
    service.edit_message(db.session, message, current_user.id, data.body)
    return AnyMessageOut(MessageOut.of(message, service.tribe_slug(db.session, message.tribe_id or 0)))


@bp.delete("/messages/<int:message_id>")
@endpoint(status=204)
def delete_message(message_id: int) -> None:
    """The author, or an admin or owner of the tribe, deletes a message (tombstone); a direct message: its author."""
    try:
        message = service.get_message_for(db.session, current_user.id, message_id)
    except NotFound:
        delete_direct(db.session, get_direct_message(db.session, current_user.id, message_id), current_user.id)
        return
    moderator = message.author_id != current_user.id and service.may_moderate(
        db.session, message.tribe_id or 0, current_user.id
    )
    service.delete_message(db.session, message, current_user.id, moderator=moderator)


# ---------------------------------------------------------------- direct messages


def _history_bounds() -> tuple[bool, int | None]:
    """The page asked for: (oldest first?, the id it starts after/before or None) from
    `?cursor=`, `?before=` or `?after=` (a cursor wins); 422 for a bad combination or cursor."""
    before, after = int_arg("before"), int_arg("after")
    if before is not None and after is not None:
        raise ValidationFailed({"before": _("Use either before or after, not both.")})
    cursor = request.args.get("cursor") or None
    if cursor:
        values = decode_cursor(cursor, 2)
        if values[0] not in ("b", "a") or not isinstance(values[1], int):
            raise ValidationFailed({"cursor": _("Invalid cursor.")})
        return values[0] == "a", values[1]
    if after is not None:
        return True, after
    return False, before


def _history(stmt: Any) -> tuple[list[Any], str | None]:
    """One page of messages by id: newest first (`?before=`, or nothing), oldest first with `?after=`."""
    ascending, bound = _history_bounds()
    if bound is not None:
        stmt = stmt.where(Message.id > bound if ascending else Message.id < bound)
    return keyset_page(
        db.session, stmt, [Message.id], descending=not ascending, cursor="",
        key_of=lambda m: ["a" if ascending else "b", m.id],
    )


def _conversations(status: str) -> Page[ConversationOut]:
    """My open conversations with this status, latest activity first."""
    rows, next_cursor = keyset_page(
        db.session, direct.mine_query(current_user.id, status),
        [ConversationMember.last_activity_id, ConversationMember.conversation_id], descending=True,
    )
    return Page(items=direct.out(db.session, rows), next_cursor=next_cursor)


@bp.post("/conversations")
@endpoint(ConversationOut, status=201, also=(200,), body=ConversationIn)
def start_conversation(data: ConversationIn) -> tuple[ConversationOut, int]:
    """Start a conversation with contacts (or a message request); the existing one answers 200."""
    conversation, created = direct.start(db.session, current_user, data.user_ids)
    if data.message is not None:
        send_direct(current_user.id, conversation.id, data.message.body, data.message.client_id)
    member = direct.membership(db.session, conversation.id, current_user.id)
    return direct.out(db.session, [member])[0], 201 if created else 200


@bp.get("/conversations")
@endpoint(Page[ConversationOut], paged=True)
def list_conversations() -> Page[ConversationOut]:
    """My conversations, latest activity first."""
    return _conversations("active")


@bp.get("/conversations/unread")
@endpoint(UnreadOut)
def unread_direct_messages() -> UnreadOut:
    """My unread direct messages in all my conversations (the header badge; requests never count)."""
    return UnreadOut(unread=direct.unread_total(db.session, current_user.id))


@bp.get("/conversations/requests")
@endpoint(Page[ConversationOut], paged=True)
def list_requests() -> Page[ConversationOut]:
    """Message requests to me."""
    return _conversations("request")


@bp.post("/conversations/<int:conversation_id>/accept")
@endpoint(ConversationOut)
def accept_request(conversation_id: int) -> ConversationOut:
    """Accept a message request."""
    member = direct.membership(db.session, conversation_id, current_user.id)
    direct.accept(db.session, member)
    return direct.out(db.session, [member])[0]


@bp.post("/conversations/<int:conversation_id>/decline")
@endpoint(status=204)
def decline_request(conversation_id: int) -> None:
    """Decline a message request, quietly."""
    direct.decline(db.session, conversation_id, current_user.id)


@bp.get("/conversations/<int:conversation_id>/messages")
@endpoint(Page[DirectMessageOut], paged=True)
def list_direct_messages(conversation_id: int) -> Page[DirectMessageOut]:
    """A conversation's messages as I may read them."""
    member = direct.membership(db.session, conversation_id, current_user.id)
    rows, next_cursor = _history(direct.visible(conversation_id, member))
    return Page(items=[DirectMessageOut.of(m) for m in rows], next_cursor=next_cursor)


@bp.post("/conversations/<int:conversation_id>/messages")
@endpoint(DirectMessageOut, status=201, also=(200,), body=schemas.MessageIn)
def post_direct_message(conversation_id: int, data: schemas.MessageIn) -> tuple[DirectMessageOut, int]:
    """Post a direct message; the same client_id again answers 200 with the same message."""
    message, created = send_direct(current_user.id, conversation_id, data.body, data.client_id)
    return message, 201 if created else 200


@bp.post("/conversations/<int:conversation_id>/read")
@endpoint(UnreadOut, body=ReadIn)
def mark_read(conversation_id: int, data: ReadIn) -> UnreadOut:
    """Move my read marker (nobody else can see it)."""
    member = direct.membership(db.session, conversation_id, current_user.id)
    return UnreadOut(unread=direct.mark_read(db.session, member, data.message_id))


@bp.delete("/conversations/<int:conversation_id>")
@endpoint(status=204)
def leave_conversation(conversation_id: int) -> None:
    """Leave a conversation: hidden for me only."""
    direct.leave(db.session, direct.membership(db.session, conversation_id, current_user.id))
