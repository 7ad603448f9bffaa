"""A tribe's history page without the ORM: Core rows straight to the contract's JSON.

The history page is the most frequent read. Loading 50 `Message` objects (with their
authors joined) and validating 50 `MessageOut` models costs several times the query itself;
here one Core statement reads exactly the columns the message object needs, and each row
becomes the same dict `MessageOut.of(message, slug).model_dump(mode="json")` makes (same keys,
same order, same values: tests/chat/test_history_rows.py compares the two byte for byte).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from tribes.accounts.models import User
from tribes.accounts.schemas import card_of
from tribes.chat.models import Message

#: the columns of a message object and of its author's card (outer join: "deleted member")
_COLUMNS = (
    Message.id, Message.body, Message.client_id, Message.created_at, Message.edited_at, Message.deleted_at,
    Message.author_id, User.display_name, User.avatar_url, User.profile_visibility,
)


def history_rows_query(tribe_id: Any) -> Select[Any]:
    """Messages of a tribe as rows with their author's card columns (page it by id)."""
    return (
        select(*_COLUMNS)
        .outerjoin(User, User.id == Message.author_id)
        .where(Message.tribe_id == tribe_id)
    )


#: the page statements, built once per process: (oldest first?, bounded?, limit) → statement
_PAGES: dict[tuple[bool, bool, int], Select[Any]] = {}


def _page_statement(ascending: bool, bounded: bool, limit: int) -> Select[Any]:
    key = (ascending, bounded, limit)
    stmt = _PAGES.get(key)
    if stmt is None:
        stmt = history_rows_query(bindparam("tribe_id"))
        if bounded:
            stmt = stmt.where(Message.id > bindparam("bound") if ascending else Message.id < bindparam("bound"))
        stmt = stmt.order_by(Message.id.asc() if ascending else Message.id.desc()).limit(limit)
        _PAGES[key] = stmt
    return stmt


def history_page(session: Session, tribe_id: int, *, ascending: bool, bound: int | None, limit: int) -> list[Any]:
    """Up to `limit` rows of the tribe's messages after (`ascending`) or before `bound` (None:
    from the start or the newest), in page order; a Core statement on the session's connection."""
    stmt = _page_statement(ascending, bound is not None, limit)
    params: dict[str, Any] = {"tribe_id": tribe_id}
    if bound is not None:
        params["bound"] = bound
    return list(session.connection().execute(stmt, params))


def message_json(row: Any, slug: str) -> dict[str, Any]:
    """The contract's message object of one row of `history_rows_query`."""
    (message_id, body, client_id, created_at, edited_at, deleted_at,
     author_id, display_name, avatar_url, visibility) = row
    deleted = deleted_at is not None
    return {
        "id": message_id,
        "tribe": slug,
        "author": None if author_id is None else card_of(author_id, display_name, avatar_url, visibility),
        "body": "" if deleted else body,
        "created_at": created_at.isoformat(),
        "edited_at": None if edited_at is None else edited_at.isoformat(),
        "deleted": deleted,
        "client_id": client_id,
    }
