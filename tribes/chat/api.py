"""JSON API: tribe chat history, posting, editing and deleting messages."""

from __future__ import annotations

from flask import request
from flask_login import current_user

from tribes.chat import schemas, service
from tribes.chat.models import Message
from tribes.chat.schemas import MessageOut
from tribes.chat.sending import send_message
from tribes.endpoint import Page, endpoint
from tribes.errors import ValidationFailed
from tribes.extensions import db
from tribes.groups import policy
from tribes.http import api_blueprint
from tribes.i18n import _
from tribes.paging import decode_cursor, int_arg, keyset_page

bp = api_blueprint("chat_api", __name__)


@bp.get("/tribes/<slug>/messages")
@endpoint(Page[MessageOut], paged=True)
def list_messages(slug: str) -> Page[MessageOut]:
    """History: newest first (`?before=`, or nothing), oldest first with `?after=`."""
    tribe, _member = policy.get_tribe_for(db.session, current_user.id, slug)
    before, after = int_arg("before"), int_arg("after")
    if before is not None and after is not None:
        raise ValidationFailed({"before": _("Use either before or after, not both.")})
    cursor = request.args.get("cursor") or None
    if cursor:
        values = decode_cursor(cursor, 2)
        if values[0] not in ("b", "a") or not isinstance(values[1], int):
            raise ValidationFailed({"cursor": _("Invalid cursor.")})
        ascending = values[0] == "a"
        stmt = service.history_query(tribe.id)
        stmt = stmt.where(Message.id > values[1] if ascending else Message.id < values[1])
    else:
        ascending = after is not None
        stmt = service.history_query(tribe.id)
        if before is not None:
            stmt = stmt.where(Message.id < before)
        if after is not None:
            stmt = stmt.where(Message.id > after)
    rows, next_cursor = keyset_page(
        db.session, stmt, [Message.id], descending=not ascending, cursor="",
        key_of=lambda m: ["a" if ascending else "b", m.id],
    )
    return Page(items=[MessageOut.of(m, tribe.slug) for m in rows], next_cursor=next_cursor)


@bp.post("/tribes/<slug>/messages")
@endpoint(MessageOut, status=201, also=(200,), body=schemas.MessageIn)
def post_message(slug: str, data: schemas.MessageIn) -> tuple[MessageOut, int]:
    """Post a message; the same client_id again answers 200 with the same message."""
    message, created = send_message(current_user.id, slug, data.body, data.client_id)
    return message, 201 if created else 200


@bp.patch("/messages/<int:message_id>")
@endpoint(MessageOut, body=schemas.MessagePatch)
def edit_message(message_id: int, data: schemas.MessagePatch) -> MessageOut:
    """The author edits a message."""
    message = service.get_message_for(db.session, current_user.id, message_id)
    service.edit_message(db.session, message, current_user.id, data.body)
    return MessageOut.of(message, service.tribe_slug(db.session, message.tribe_id))


@bp.delete("/messages/<int:message_id>")
@endpoint(status=204)
def delete_message(message_id: int) -> None:
    """The author, or an admin or owner of the tribe, deletes a message (tombstone)."""
    message = service.get_message_for(db.session, current_user.id, message_id)
    moderator = message.author_id != current_user.id and service.may_moderate(
        db.session, message.tribe_id, current_user.id
    )
    service.delete_message(db.session, message, current_user.id, moderator=moderator)
