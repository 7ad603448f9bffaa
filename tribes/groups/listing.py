"""My tribe list without the ORM: Core rows straight to the contract's JSON.

`GET /tribes` used to load a page of `Membership` objects, then their `Tribe` objects, then
the unread counts (three statements) and validate one `TribeOut` per tribe. Here the page is
one Core statement, built once per process per shape: the membership's and the tribe's
columns and the unread count as the same correlated subquery `reads.unread_counts` runs (one
index range scan per tribe). Each row becomes the dict `TribeOut.of(tribe, member,
unread).model_dump(mode="json")` made (tests/groups/test_tribe_rows.py compares the bytes).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, literal, select, tuple_
from sqlalchemy.orm import Session

from tribes.db import DirectSelect
from tribes.groups import policy, reads
from tribes.groups.models import Membership, Tribe

#: the page statements, built once per process and run on the DBAPI cursor (tribes.db.DirectSelect):
#: (after a cursor?, the chat's message model) → statement
_PAGES: dict[tuple[bool, Any], DirectSelect] = {}


def _page_statement(after: bool) -> DirectSelect:
    key = (after, reads.message_model())
    page = _PAGES.get(key)
    if page is None:
        unread = literal(0) if key[1] is None else reads.unread_of_membership(bindparam("user_id"))
        stmt = (
            select(
                Membership.id, Membership.joined_at, Membership.role, Membership.last_read_message_id,
                Tribe.slug, Tribe.name, Tribe.description, Tribe.visibility, Tribe.invite_policy, Tribe.max_guests,
                Tribe.new_member_hours, Tribe.member_count, Tribe.created_at, Tribe.join_requests,
                Tribe.join_questions, Tribe.discreet_email, unread.label("unread"),
            )
            .select_from(Tribe)
            .join(Membership, policy.member_of(Tribe.id, bindparam("user_id")))
        )
        if after:
            stmt = stmt.where(tuple_(Membership.joined_at, Membership.id) > tuple_(
                bindparam("k_joined", type_=Membership.joined_at.type), bindparam("k_id", type_=Membership.id.type)))
        stmt = (stmt.order_by(Membership.joined_at.asc(), Membership.id.asc())
                .limit(bindparam("limit", type_=Membership.tribe_id.type)))
        page = _PAGES[key] = DirectSelect(stmt)
    return page


def my_tribe_rows(session: Session, user_id: int, *, after: list[Any] | None, limit: int) -> list[Any]:
    """Up to `limit` rows of the user's memberships with their tribes and unread counts, in the
    order they joined (joined_at, membership id), after the keyset `after`."""
    params: dict[str, Any] = {"user_id": user_id, "limit": limit}
    if after is not None:
        params["k_joined"], params["k_id"] = after
    return _page_statement(after is not None).rows(session, params)


def key_of(row: Any) -> list[Any]:
    """The keyset cursor values of a row (as `db.time_id_keyset` writes them): joined_at, id."""
    return [row[1].isoformat(), row[0]]


def tribe_json(row: Any) -> dict[str, Any]:
    """The contract's tribe object of one row, with my role and read state."""
    (_membership_id, _joined_at, role, last_read, slug, name, description, visibility, invite_policy, max_guests,
     new_member_hours, member_count, created_at, join_requests, join_questions, discreet_email, unread) = row
    return {
        "slug": slug,
        "name": name,
        "description": description,
        "visibility": visibility,
        "invite_policy": invite_policy,
        "max_guests": max_guests,
        "new_member_hours": new_member_hours,
        "member_count": member_count,
        "my_role": role,
        "created_at": created_at.isoformat(),
        "unread_messages": int(unread or 0),
        "last_read_message_id": last_read,
        "join_requests": bool(join_requests),
        "join_questions": list(join_questions or []),
        # Tribe.mails_discreetly
        "discreet_email": visibility == "secret" if discreet_email is None else bool(discreet_email),
    }
