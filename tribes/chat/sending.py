"""The one send path: REST, Socket.IO and the demo post a message here. Checks, insert, commit, emit.

Under `tribes serve` a socket send of a tribe message takes the batched form of this path
instead (`chat.batching`: the same checks, answers and guarantees, for all the sends that
arrived together at once); REST, direct messages, the demo and the in-process test client
come here.

Tribe chat (`send_message`) and direct messages (`chat.direct.send_direct`) share it:
each does its own checks in one query, then both store through `store_in_order` (the
room's send lock, the one cached insert, commit, then the broadcast in id order).

The send path is the hot path of the chat, so it runs Core statements built once at
import (SQLAlchemy caches their compiled form): one query answers membership, mute,
an earlier message with this client_id and (for sockets) whether the login session is
still alive; one cached `INSERT ... ON CONFLICT DO NOTHING RETURNING` stores the message (a
concurrent duplicate is settled by the unique constraint, no savepoint needed).

Its transaction shape (the one place in the chat where it is not "the edge commits once"):

1. the checks read in the caller's transaction; a refusal (404, muted, 429) or an
   earlier message with this client_id returns without a commit (the edge commits or
   rolls back as for any request);
2. a new message is inserted and committed inside `ordering.send_lock`, and its
   broadcast (queued with `events.on_commit`) runs after that commit, still under the
   lock: this is what keeps a tribe's broadcasts in id order. `store_in_order` is the
   only code that commits there (tribe and direct messages alike); the lock itself may end
   the checks' read transaction first (see `ordering.send_lock`);
3. moderation's hooks and mentions run after the lock is released, in a transaction of
   their own (`_after_posted`): a failure there is logged, never the sender's error. For a
   socket send under `tribes serve` this is queued to `chat.after_send` (one worker per
   process, one transaction per batch) instead of holding up the event.

The edge (`@endpoint` for REST, `sockets.scoped_db` for sockets, the demo's own commit)
then commits what is left, which after step 3 is nothing.

Autocommit (a socket's tribe send on PostgreSQL in a single process, `own_transaction=True`;
with the Redis queue the send keeps the transactional path, see `ordering.send_lock`): the event's session
has done nothing yet, so its connection is taken in autocommit. The checks query and the
insert are then one round trip each: no BEGIN (psycopg sends it as a round trip of its
own), no COMMIT (the INSERT commits when it returns); 2 round trips instead of 4. The
guarantees are those above: the checks read committed data exactly as in READ COMMITTED
(every statement sees what was committed before it began), the insert, its commit and
the broadcast still happen under the send lock, in id order, and the unique constraint
still settles a concurrent duplicate. The connection is given back before step 3, which
runs in ordinary transactions.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import BindParameter, Integer, and_, bindparam, exists, literal, select, text
from sqlalchemy.engine import Connection

from tribes import events
from tribes.accounts.models import User, UserSession
from tribes.accounts.schemas import card_of
from tribes.chat import after_send, fanout, service, trace
from tribes.chat.models import Message
from tribes.chat.ordering import Room, cross_process_lock, send_lock
from tribes.chat.schemas import MessageOut
from tribes.db import utcnow
from tribes.errors import ApiError, NotFound
from tribes.extensions import db
from tribes.groups.models import Membership, Mute, Tribe
from tribes.groups.policy import member_of
from tribes.i18n import _

log = logging.getLogger(__name__)
OutT = TypeVar("OutT", bound=BaseModel)


class SessionEnded(ApiError):
    """The socket's login session has ended: the event is refused, the socket dropped."""

    status, code = 401, "unauthenticated"


_UID: BindParameter[int] = bindparam("uid")
_SLUG: BindParameter[str] = bindparam("slug")
_CID: BindParameter[str] = bindparam("cid")
_SID: BindParameter[int] = bindparam("sid")
_AUTOCOMMIT = {"isolation_level": "AUTOCOMMIT"}

#: what the checks read of the tribe, the sender's membership, card and mute (both send paths;
#: `may_post` and `author_card` take a row with these)
CHECK_COLUMNS = (
    Tribe.id, Tribe.slug, Tribe.name, Tribe.new_member_hours, Membership.joined_at,
    User.display_name, User.avatar_url, User.profile_visibility, Mute.until.label("muted_until"),
)
_CHECK = (
    select(*CHECK_COLUMNS, Message.id.label("earlier_id"))
    .select_from(Tribe)
    .join(Membership, member_of(Tribe.id, _UID))
    .join(User, User.id == Membership.user_id)
    .outerjoin(Mute, and_(Mute.tribe_id == Tribe.id, Mute.user_id == Membership.user_id))
    .outerjoin(Message, and_(
        Message.tribe_id == Tribe.id, Message.author_id == Membership.user_id, Message.client_id == _CID,
    ))
    .where(Tribe.slug == _SLUG)
)
_ALIVE = exists().where(UserSession.id == _SID, UserSession.user_id == _UID)
#: the check plus "is the socket's login session alive" in the same round trip
_CHECK_ALIVE = _CHECK.add_columns(_ALIVE.label("alive"))
_ALIVE_ONLY = select(literal(1)).where(_ALIVE)


#: the dialects' `insert().on_conflict_do_nothing()` constructs have no cache key (they
#: would be compiled on every send); this text is cached, and both PostgreSQL and
#: SQLite (>= 3.35) run it as written
_INSERT = text(
    "INSERT INTO messages (tribe_id, conversation_id, author_id, body, client_id, created_at)"
    " VALUES (:tribe_id, :conversation_id, :uid, :body, :cid, :created_at)"
    " ON CONFLICT DO NOTHING RETURNING id"
).bindparams(bindparam("created_at", type_=Message.created_at.type)).columns(id=Integer)


def send_message(
    user_id: int, slug: str, body: str, client_id: str, *, session_id: int | None = None,
    own_transaction: bool = False,
) -> tuple[MessageOut, bool]:
    """Post as `user_id` in the tribe `slug`; (stored message, created).

    First, in one query: the login session when `session_id` is given (SessionEnded),
    membership (404), an earlier message with this client_id (answered as is, nothing
    broadcast), mute; then the rate limit. Only then the insert, committed and broadcast
    in order, and the after-posting work (the transaction shape in the module doc).

    `own_transaction` (a socket event, whose session has done nothing yet): on PostgreSQL
    the checks and the insert run in autocommit (see "Autocommit" in the module doc).
    """
    session = db.session
    autocommit = own_transaction and not db.registry().in_transaction() and (
        session.get_bind().dialect.name == "postgresql"
    ) and not cross_process_lock()
    conn = session.connection(execution_options=_AUTOCOMMIT) if autocommit else session.connection()
    trace.mark("conn")
    params = {"uid": user_id, "slug": slug, "cid": client_id, "sid": session_id}
    row = conn.execute(_CHECK if session_id is None else _CHECK_ALIVE, params).first()
    if session_id is not None:
        alive = row.alive if row is not None else conn.execute(_ALIVE_ONLY, params).first() is not None
        if not alive:
            raise SessionEnded()
    if row is None:
        raise NotFound()
    if row.earlier_id is not None:
        return MessageOut.of(session.get_one(Message, row.earlier_id), row.slug), False
    may_post(row, user_id)
    trace.mark("checked")
    author = author_card(row, user_id)
    message = _insert_in_order(row, user_id, body, client_id, author, conn if autocommit else None)
    if message is None:  # the same client_id, committed concurrently
        earlier = service.earlier_message(session, row.id, user_id, client_id)
        return MessageOut.of(earlier, row.slug), False  # type: ignore[arg-type]
    if autocommit:
        session.commit()  # gives the autocommit connection back: the after-posting work has transactions
    fields = {"id": message.id, "tribe_id": row.id, "author_id": user_id, "body": body, "client_id": client_id,
              "created_at": message.created_at}
    if own_transaction and after_send.deferring():
        after_send.defer(row, fields, author)  # step 3 off the socket's send path (chat.after_send)
    else:
        _after_posted(session, row, Message(**fields), author)
    trace.mark("posted")
    return message, True


def may_post(row: Any, user_id: int) -> None:
    """The member of the checks' row may post now: not muted (Muted), within the rate limit
    (RateLimited, counted here). The last checks of the send path, after the earlier message
    (the batched path counts the limits of a whole batch at once: `not_muted`, then
    `service.chat_limit` and `ratelimits.hit_many`)."""
    not_muted(row)
    service.check_rate_for(user_id, row.joined_at, row.new_member_hours)


def not_muted(row: Any) -> None:
    """Muted, when the checks' row says the member is muted now."""
    if row.muted_until is not None and row.muted_until > utcnow():
        raise service.Muted(_("You are muted in this tribe for now."))


def author_card(row: Any, user_id: int) -> dict[str, Any] | None:
    """The sender's card from the checks' row (`card_of`: no ORM object, no model)."""
    return card_of(user_id, row.display_name, row.avatar_url, row.profile_visibility)


def _insert_in_order(
    row: Any, user_id: int, body: str, client_id: str, author: dict[str, Any] | None,
    autocommit_conn: Connection | None = None,
) -> MessageOut | None:
    """A tribe message stored and broadcast to the tribe room by `store_in_order`."""
    return store_in_order(
        Room("tribe", row.id), user_id, body, client_id,
        lambda message_id, at: MessageOut.new(message_id, row.slug, author, body, client_id, at),
        lambda payload: fanout.emit_to_tribe("message", payload, row.id),
        autocommit_conn=autocommit_conn,
    )


def store_in_order(
    room: Room, user_id: int, body: str, client_id: str,
    out: Callable[[int, datetime], OutT], deliver: Callable[[dict[str, Any]], None],
    before_commit: Callable[[int], None] | None = None, autocommit_conn: Connection | None = None,
) -> OutT | None:
    """Insert, commit and broadcast under the room's send lock; None when the client_id
    was taken concurrently (nothing stored, nothing broadcast).

    `out` makes the message object from its new id and time, `deliver` emits its JSON
    after the commit (still under the lock: id order per room), `before_commit` adds rows
    of the same transaction (a conversation's swallowed copies, reactivated members).
    With `autocommit_conn` (no `before_commit`) the insert is its own transaction.
    """
    if autocommit_conn is not None and before_commit is None:
        return _store_autocommit(autocommit_conn, room, user_id, body, client_id, out, deliver)
    session = db.session
    with send_lock(room):
        trace.mark("locked")
        now = utcnow()
        message_id = session.connection().execute(  # a new transaction: send_lock may end the checks'
            _INSERT, {"uid": user_id, "cid": client_id, "tribe_id": room.tribe_id,
                      "conversation_id": room.conversation_id, "body": body, "created_at": now}
        ).scalar()
        trace.mark("inserted")
        if message_id is None:
            return None
        if before_commit is not None:
            before_commit(message_id)
        message = out(message_id, now)
        payload = message.model_dump(mode="json")
        events.on_commit(session, lambda: _deliver_traced(deliver, payload))
        session.commit()  # step 2 of the module doc: commit, then the broadcast, under the lock
    trace.mark("unlocked")
    return message


def _store_autocommit(
    conn: Connection, room: Room, user_id: int, body: str, client_id: str,
    out: Callable[[int, datetime], OutT], deliver: Callable[[dict[str, Any]], None],
) -> OutT | None:
    """`store_in_order` on an autocommit connection: the INSERT is committed when it returns
    (no BEGIN, no COMMIT round trip), then the broadcast, both under the room's lock."""
    with send_lock(room, conn):
        trace.mark("locked")
        now = utcnow()
        message_id = conn.execute(
            _INSERT, {"uid": user_id, "cid": client_id, "tribe_id": room.tribe_id,
                      "conversation_id": room.conversation_id, "body": body, "created_at": now}
        ).scalar()
        trace.mark("inserted")
        if message_id is None:
            return None
        message = out(message_id, now)
        try:  # committed already: a push failing must not make it the sender's error (as events.on_commit)
            _deliver_traced(deliver, message.model_dump(mode="json"))
        except Exception:
            log.exception("broadcast of message %s failed", message_id)
    trace.mark("unlocked")
    return message


def _deliver_traced(deliver: Callable[[dict[str, Any]], None], payload: dict[str, Any]) -> None:
    trace.mark("committed")
    deliver(payload)
    trace.mark("emitted")


def _after_posted(session: Any, tribe: Any, message: Message, author: dict[str, Any] | None) -> None:
    """Moderation's hooks and mentions for a committed message, in their own transaction
    (step 3 of the module doc).

    The message is stored and broadcast already: a failure here is logged, never the
    sender's error.
    """
    try:
        service.after_posted(session, tribe, message, author)
        session.commit()
    except Exception:
        session.rollback()
        log.exception("after-posting work for message %s failed", message.id)
