"""Per-tribe ordering of message broadcasts.

Ids are taken when a message is inserted and the broadcast follows the commit. Two
senders in one tribe could commit ids 5 and 6 and emit 6 first; to prevent that, the
insert, the commit and the emit of a tribe's messages run under one lock:

* in-process: one of a fixed stripe of LOCK_STRIPES locks, chosen by tribe id (a gevent
  lock once `tribes serve` has monkey-patched). The table never grows: it is taken only
  for a tribe the sender was found to belong to, and two tribes may share a lock (they
  then wait for each other's short insert → commit → emit, nothing more);
* across processes (PostgreSQL with the Redis message queue): additionally a PostgreSQL
  session-level advisory lock per tribe, held on a dedicated connection from before the
  insert until the emit has been published to Redis. Redis delivers one channel's
  messages in publish order to every subscriber, so every process sees id order.

SQLite deployments are single-process, where the in-process lock is enough.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app
from sqlalchemy import func, select

from tribes.extensions import db

#: how many in-process send locks there are (a fixed table, whatever the traffic)
LOCK_STRIPES = 64
_locks: tuple[threading.Lock, ...] = tuple(threading.Lock() for _ in range(LOCK_STRIPES))


def _local_lock(tribe_id: int) -> threading.Lock:
    return _locks[tribe_id % LOCK_STRIPES]


def advisory_key(tribe_id: int) -> int:
    """A signed 64-bit advisory-lock key for a tribe's chat."""
    digest = hashlib.sha256(f"tribes-chat:{tribe_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _needs_cross_process_lock() -> bool:
    engine = db.engine
    return bool(current_app.config.get("REDIS_URL")) and engine is not None and (
        engine.dialect.name == "postgresql"
    )


@contextmanager
def send_lock(tribe_id: int) -> Iterator[None]:
    """Serialise insert → commit → emit of one tribe's messages (see the module doc).

    Take it only for a tribe whose membership was checked. The read-only transaction left
    open by the checks is ended first on SQLite (it holds the write lock, and under
    `tribes serve` the only pooled connection, which the lock holder needs) and when the
    advisory lock is used (its holder needs a second connection: waiters must not sit on
    pooled ones). Otherwise it is kept (one round trip less).
    """
    cross_process = _needs_cross_process_lock()
    if cross_process or db.session.get_bind().dialect.name == "sqlite":
        db.session.commit()
    with _local_lock(tribe_id):
        if not cross_process:
            yield
            return
        assert db.engine is not None
        key = advisory_key(tribe_id)
        with db.engine.connect() as conn:
            conn.execute(select(func.pg_advisory_lock(key)))
            conn.commit()
            try:
                yield
            finally:
                conn.execute(select(func.pg_advisory_unlock(key)))
                conn.commit()
