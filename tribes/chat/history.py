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
from tribes.db import DirectSelect

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


#: the page statements, built once per process (run on the DBAPI cursor: tribes.db.DirectSelect):
#: (oldest first?, bounded?) → statement; the page size is a parameter
_PAGES: dict[tuple[bool, bool], DirectSelect] = {}


def _page_statement(ascending: bool, bounded: bool) -> DirectSelect:
    key = (ascending, bounded)
    page = _PAGES.get(key)
    if page is None:
        stmt = history_rows_query(bindparam("tribe_id"))
        if bounded:
            stmt = stmt.where(Message.id > bindparam("bound") if ascending else Message.id < bindparam("bound"))
        stmt = stmt.order_by(Message.id.asc() if ascending else Message.id.desc()).limit(bindparam("limit"))
        page = _PAGES[key] = DirectSelect(stmt)
    return page


def history_page(session: Session, tribe_id: int, *, ascending: bool, bound: int | None, limit: int) -> list[Any]:
    """Up to `limit` rows of the tribe's messages after (`ascending`) or before `bound` (None:
    from the start or the newest), in page order, as tuples of `history_rows_query`'s columns."""
    params: dict[str, Any] = {"tribe_id": tribe_id, "limit": limit}
    if bound is not None:
        params["bound"] = bound
    return _page_statement(ascending, bound is not None).rows(session, params)


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
