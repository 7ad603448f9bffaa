"""Per-room ordering of message broadcasts (a room is a tribe's chat or a conversation).

Ids are taken when a message is inserted and the broadcast follows the commit. Two
senders in one room could commit ids 5 and 6 and emit 6 first; to prevent that, the
insert, the commit and the emit of a room's messages run under one lock:

* in-process: one of a fixed stripe of LOCK_STRIPES locks, chosen by tribe id (a gevent
  lock once `tribes serve` has monkey-patched). The table never grows: it is taken only
  for a room the sender was found to belong to, and two rooms may share a lock (they
  then wait for each other's short insert → commit → emit, nothing more);
* across processes (PostgreSQL with the Redis message queue): additionally a PostgreSQL
  session-level advisory lock per room, held on a dedicated connection from before the
  insert until the emit has been published to Redis. Redis delivers one channel's
  messages in publish order to every subscriber, and every process, the sender's own
  included, delivers a tribe room's events when it hears them (`fanout.emit_to_tribes`),
  so every socket sees id order.

SQLite deployments are single-process, where the in-process lock is enough.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Literal, NamedTuple

from flask import current_app
from sqlalchemy import Boolean, Connection, func, select, text

from tribes.db import DirectSelect
from tribes.extensions import db

#: how many in-process send locks there are (a fixed table, whatever the traffic)
LOCK_STRIPES = 64
_locks: tuple[threading.Lock, ...] = tuple(threading.Lock() for _ in range(LOCK_STRIPES))


class Room(NamedTuple):
    """Where a message is posted: a tribe's chat or a conversation (by id)."""

    kind: Literal["tribe", "conversation"]
    id: int

    @property
    def tribe_id(self) -> int | None:
        """The tribe's id for a tribe room, else None."""
        return self.id if self.kind == "tribe" else None

    @property
    def conversation_id(self) -> int | None:
        """The conversation's id for a conversation room, else None."""
        return self.id if self.kind == "conversation" else None


def _local_lock(room: Room) -> threading.Lock:
    return _locks[room.id % LOCK_STRIPES]


def advisory_key(room: Room) -> int:
    """A signed 64-bit advisory-lock key for a room (a tribe's key is what it always was)."""
    name = f"tribes-chat:{room.id}" if room.kind == "tribe" else f"tribes-chat:{room.kind}:{room.id}"
    digest = hashlib.sha256(name.encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def cross_process_lock() -> bool:
    """Whether sends take the PostgreSQL advisory lock too (PostgreSQL with the Redis queue)."""
    return _needs_cross_process_lock()


def _needs_cross_process_lock() -> bool:
    engine = db.engine
    return bool(current_app.config.get("REDIS_URL")) and engine is not None and (
        engine.dialect.name == "postgresql"
    )


@contextmanager
def send_lock(room: Room, autocommit_conn: Connection | None = None) -> Iterator[None]:
    """Serialise insert → commit → emit of one room's messages (see the module doc).

    Take it only for a room whose membership was checked. The read-only transaction left
    open by the checks is ended first on SQLite (it holds the write lock, and under
    `tribes serve` the only pooled connection, which the lock holder needs) and when the
    advisory lock is used (its holder needs a second connection: waiters must not sit on
    pooled ones). Otherwise it is kept (one round trip less).

    With `autocommit_conn` (the send's own connection, in autocommit: it holds no
    transaction) the advisory lock would be taken on that connection; the send path uses
    it only in a single process (no advisory lock), because a waiter would then keep its
    pooled connection while it waits. The advisory lock's own connection is in autocommit:
    lock and unlock are one round trip each (they were BEGIN, statement, COMMIT).
    """
    cross_process = _needs_cross_process_lock()
    if autocommit_conn is None and (cross_process or db.session.get_bind().dialect.name == "sqlite"):
        db.session.commit()
    with _local_lock(room):
        if not cross_process:
            yield
            return
        assert db.engine is not None
        key = advisory_key(room)
        if autocommit_conn is not None:
            autocommit_conn.execute(select(func.pg_advisory_lock(key)))
            try:
                yield
            finally:
                autocommit_conn.execute(select(func.pg_advisory_unlock(key)))
            return
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(select(func.pg_advisory_lock(key)))
            try:
                yield
            finally:
                conn.execute(select(func.pg_advisory_unlock(key)))


#: the advisory locks of several rooms, taken in the order of the (sorted) array, as the first
#: part of the caller's own statement (`rooms_lock`): a CTE whose one row the statement joins,
#: so every row it makes waits for the locks
LOCKING_CTE = "locked AS MATERIALIZED (SELECT count(pg_advisory_lock(k)) AS n FROM unnest(CAST(:keys AS bigint[])) AS k)"
#: their release, on the cursor (tribes.db.DirectSelect: no SQLAlchemy execution context per round)
_UNLOCK_MANY = DirectSelect(
    text("SELECT pg_advisory_unlock(k) AS released FROM unnest(CAST(:keys AS bigint[])) AS k").columns(released=Boolean))


@contextmanager
def rooms_lock(rooms: Iterable[Room], conn: Connection | None = None) -> Iterator[list[int] | None]:
    """`send_lock` for all the rooms of a batch of sends at once (`chat.batching`).

    The in-process stripes are taken here, in stripe order. The advisory locks (across
    processes) are yielded as their sorted keys (None when they are not used), and the
    caller's first statement on `conn` (an autocommit connection it keeps) takes them itself,
    in key order, as the CTE `LOCKING_CTE` with `keys` bound to the yielded keys: one round
    trip for the locks and the insert. They are released here at the end, even when that
    statement failed. Two batches, or a batch and a single send (which holds one lock of each
    kind), can never wait for each other in a circle. The caller holds no transaction of the
    pool's only connection while it waits here (SQLite: see `send_lock`).
    """
    rooms = list(rooms)
    with ExitStack() as stack:
        for stripe in sorted({room.id % LOCK_STRIPES for room in rooms}):
            stack.enter_context(_locks[stripe])
        if not _needs_cross_process_lock():
            yield None
            return
        assert conn is not None, "the advisory locks need the batch's autocommit connection"
        keys = sorted({advisory_key(room) for room in rooms})
        try:
            yield keys
        finally:
            _UNLOCK_MANY.rows_on(conn, {"keys": keys})
