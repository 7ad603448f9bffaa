"""Group commit of socket sends: the tribe messages a process receives together share one
round of checks, one INSERT, one commit and one fan-out.

Under `tribes serve` (gevent) a socket `send` to a tribe is handed to one sender greenlet per
process (`submit`), which takes everything that queued up while it was busy (at most
BATCH_MAX sends) and, for the whole batch:

1. reads in one query which of the login sessions are still alive, each sender's
   membership, card and mute in each tribe asked for, and the messages already stored under
   the (tribe, author, client_id) of the batch;
2. judges each send in arrival order exactly as `chat.sending.send_message` does (session
   ended, 404, an earlier message with this client_id answered as it is, muted, the rate
   limit); a second send of the same client_id in the same batch gets the first's answer;
3. takes the send locks of every room of the batch (`ordering.rooms_lock`; across processes
   the advisory locks come with the INSERT), stores every accepted message in ONE
   `INSERT ... ON CONFLICT DO NOTHING RETURNING` (committed when it returns: PostgreSQL runs
   the batch in autocommit; SQLite commits it), broadcasts them in id order, then releases
   the locks;
4. answers each waiting handler and queues the after-posting work (`chat.after_send`).

Every guarantee of the one-at-a-time path holds: the checks read committed data, per-room
broadcast order is id order (ids are taken under the rooms' locks and broadcast before they
are released), a concurrent duplicate is settled by the unique constraint (the send then
answers with the stored message), and nothing is broadcast that was not committed. When the
database fails, every send of the batch gets the error (503 while it is away). The batch is
whatever arrived during the previous round; when busy, the sender first waits, while sends
keep coming, up to LINGER for ROUND_TARGET of them. So a quiet server answers a lone send at
once, sends that trickle in are not held back, and a busy server spends its round trips and
commits on many messages at a time (bench/README.md, "Clean capacity, eighth stop").
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app
from sqlalchemy import (
    ARRAY,
    BindParameter,
    Connection,
    Integer,
    Select,
    String,
    TextualSelect,
    and_,
    any_,
    bindparam,
    select,
    text,
)
from sqlalchemy.exc import DBAPIError

from tribes import metrics, ratelimits
from tribes.accounts.models import User, UserSession
from tribes.chat import after_send, fanout, service
from tribes.chat.models import Message
from tribes.chat.ordering import LOCKING_CTE, Room, rooms_lock
from tribes.chat.schemas import MessageOut
from tribes.chat.sending import CHECK_COLUMNS, SessionEnded, author_card, not_muted
from tribes.db import DirectSelect, utcnow
from tribes.errors import NotFound, unavailable
from tribes.extensions import db
from tribes.groups.models import Membership, Mute, Tribe
from tribes.groups.policy import members_among

log = logging.getLogger(__name__)

#: sends handled in one round at most
BATCH_MAX = 200
#: when a round follows the previous one within BUSY_GAP seconds, the sender first waits for
#: more sends while they keep coming (each within ARRIVAL_GAP of the last), until ROUND_TARGET
#: are queued, LINGER seconds at most; a lone send on a quiet server is handled at once, and
#: sends that trickle in are not held back waiting for company that does not come
BUSY_GAP = 0.05
LINGER = 0.02
ARRIVAL_GAP = 0.006
ROUND_TARGET = 4
_AUTOCOMMIT = {"isolation_level": "AUTOCOMMIT"}
_UIDS: BindParameter[int] = bindparam("uids", expanding=True)
_SIDS: BindParameter[int] = bindparam("sids", expanding=True)


def _checks_statement(arrays: bool) -> Select[Any]:
    """Every check of a batch in one query: one row per membership of a sender in a tribe asked
    for (none: not a member), repeated per earlier message under one of the batch's client_ids
    and per live login session among the batch's (the LEFT JOINs are empty as a rule).

    `arrays` (PostgreSQL): each list is ONE array parameter (`= ANY(...)`), so the SQL is the
    same whatever the batch's size: compiled once, prepared once by psycopg, run on the
    cursor (`_CHECKS_PG`); otherwise expanding IN lists (SQLite)."""
    def among(column: Any, name: str, expanding: BindParameter[Any] | None = None) -> Any:
        if arrays:
            return column == any_(bindparam(name, type_=ARRAY(column.type)))
        return column.in_(expanding if expanding is not None else bindparam(name, expanding=True))

    uids = bindparam("uids", type_=ARRAY(Membership.user_id.type)) if arrays else _UIDS
    return (
        select(
            *CHECK_COLUMNS, Membership.user_id,
            Message.id.label("earlier_id"), Message.client_id.label("earlier_cid"), UserSession.id.label("alive_sid"),
        )
        .select_from(Tribe)
        .join(Membership, members_among(Tribe.id, uids))
        .join(User, User.id == Membership.user_id)
        .outerjoin(Mute, and_(Mute.tribe_id == Tribe.id, Mute.user_id == Membership.user_id))
        .outerjoin(Message, and_(
            Message.tribe_id == Tribe.id, Message.author_id == Membership.user_id,
            among(Message.client_id, "cids"),
        ))
        .outerjoin(UserSession, and_(UserSession.user_id == Membership.user_id, among(UserSession.id, "sids", _SIDS)))
        .where(among(Tribe.slug, "slugs"))
    )


_CHECKS = _checks_statement(arrays=False)
_CHECKS_PG = DirectSelect(_checks_statement(arrays=True), named=True)
#: for a send with no membership row: is its login session alive (401) or not a member (404)?
_ALIVE = select(UserSession.id, UserSession.user_id).where(UserSession.id.in_(_SIDS))
#: the INSERT of n rows, made once per n (SQLAlchemy caches each compiled text), and its
#: DirectSelect (PostgreSQL: on the cursor of the sender's connection)
_inserts: dict[tuple[int, bool], TextualSelect] = {}
_direct_inserts: dict[tuple[int, bool], DirectSelect] = {}
#: engine id -> the sender's own connection (PostgreSQL)
_held: dict[int, Connection] = {}


@dataclass(eq=False)
class Send:
    """One socket send waiting for its answer."""

    app: Flask
    user_id: int
    session_id: int
    slug: str
    body: str
    client_id: str
    done: threading.Event = field(default_factory=threading.Event)
    message: MessageOut | None = None
    error: BaseException | None = None
    #: perf_counter() when each stage of its round ended (for `chat.trace`)
    stages: dict[str, float] = field(default_factory=dict)

    def answer(self, message: MessageOut | None = None, error: BaseException | None = None) -> None:
        """Wake the waiting handler with the message or the error."""
        self.message, self.error = message, error
        self.done.set()


_queue: deque[Send] = deque()
_wakeup = threading.Event()
_worker: list[threading.Thread] = []


def enabled() -> bool:
    """Whether socket sends are batched: under `tribes serve` (gevent's monkey-patched threads)."""
    return after_send.deferring()


def submit(user_id: int, session_id: int, slug: str, body: str, client_id: str) -> Send:
    """Queue a socket send of a tribe message and wait for its round; the answered Send.

    Raises what `send_message` raises (SessionEnded, NotFound, Muted, RateLimited) or the
    database's error.
    """
    item = Send(current_app._get_current_object(), user_id, session_id, slug, body, client_id)  # type: ignore[attr-defined]
    _queue.append(item)
    if not _worker or not _worker[0].is_alive():
        worker = threading.Thread(target=_run, name="chat-send-batch", daemon=True)
        _worker[:] = [worker]
        worker.start()
    _wakeup.set()
    item.done.wait()
    if item.error is not None:
        raise item.error
    return item


def _run() -> None:
    last_round = 0.0
    while True:
        _wakeup.wait()
        if time.monotonic() - last_round < BUSY_GAP:
            _linger()
        last_round = time.monotonic()
        _wakeup.clear()
        while _queue:
            batch: list[Send] = []
            while _queue and len(batch) < BATCH_MAX and (not batch or _queue[0].app is batch[0].app):
                batch.append(_queue.popleft())
            try:
                with batch[0].app.app_context():
                    _process(batch)
            except BaseException as exc:  # the worker must survive anything; every send gets an answer
                for item in batch:
                    if not item.done.is_set():
                        item.answer(error=exc)
                if not isinstance(exc, Exception):
                    raise


def _linger() -> None:
    """Busy: let the sends of the next few milliseconds share this round, while they keep
    coming (ARRIVAL_GAP), until ROUND_TARGET are queued or LINGER has passed."""
    deadline = time.monotonic() + LINGER
    while len(_queue) < ROUND_TARGET:
        queued = len(_queue)
        left = min(deadline - time.monotonic(), ARRIVAL_GAP)
        if left <= 0:
            return
        _wakeup.clear()  # `submit` appends, then sets: a send queued before this is counted above
        _wakeup.wait(left)
        if len(_queue) == queued:  # none came within ARRIVAL_GAP: go now
            return


def _insert_for(n: int, locking: bool) -> TextualSelect:
    """The INSERT of n rows; `locking`: it first takes the rooms' advisory locks (the keys
    bound as `keys`, `ordering.LOCKING_CTE`): every row it inserts joins the CTE's one row,
    so no id is taken before the locks are held, and the locks cost no round trip of their own."""
    stmt = _inserts.get((n, locking))
    if stmt is None:
        columns = "INSERT INTO messages (tribe_id, author_id, body, client_id, created_at)"
        if locking:
            rows = ", ".join(f"(:t{i}, :u{i}, :b{i}, :c{i})" for i in range(n))
            sql = (f"WITH {LOCKING_CTE} {columns} SELECT v.t, v.u, v.b, v.c, :at"
                   f" FROM locked, (VALUES {rows}) AS v (t, u, b, c) WHERE locked.n >= 0")
        else:
            rows = ", ".join(f"(:t{i}, :u{i}, :b{i}, :c{i}, :at)" for i in range(n))
            sql = f"{columns} VALUES {rows}"
        stmt = text(f"{sql} ON CONFLICT DO NOTHING RETURNING id, tribe_id, author_id, client_id").bindparams(
            bindparam("at", type_=Message.created_at.type),
        ).columns(id=Integer, tribe_id=Integer, author_id=Integer, client_id=String)
        _inserts[(n, locking)] = stmt
    return stmt


def _direct_insert_for(n: int, locking: bool) -> DirectSelect:
    """`_insert_for` run on the cursor (tribes.db.DirectSelect), rows by name."""
    direct = _direct_inserts.get((n, locking))
    if direct is None:
        direct = _direct_inserts[(n, locking)] = DirectSelect(_insert_for(n, locking), named=True)
    return direct


def _held_connection(fresh: bool = False) -> Connection:
    """The sender's own autocommit connection on PostgreSQL, kept from round to round (no
    pool checkout and no pre-ping per round); a new one when `fresh` or when it was lost."""
    engine = db.engine
    assert engine is not None
    conn = _held.get(id(engine))
    if fresh or conn is None or conn.closed or conn.invalidated:
        _drop_held()
        conn = engine.connect().execution_options(**_AUTOCOMMIT)
        _held[id(engine)] = conn
    return conn


def _drop_held() -> None:
    conn = _held.pop(id(db.engine), None)
    if conn is not None:
        try:
            conn.invalidate()  # its session's advisory locks go with it
            conn.close()
        except Exception:  # the database went away with it
            log.debug("dropping the send batch's connection failed", exc_info=True)


def _process(batch: list[Send]) -> None:
    """One round: checks, judgement, insert and broadcast under the rooms' locks, answers."""
    session = db.session
    started = time.perf_counter()
    postgresql = session.get_bind().dialect.name == "postgresql"
    try:
        params = {"sids": sorted({item.session_id for item in batch}), "uids": sorted({i.user_id for i in batch}),
                  "slugs": sorted({item.slug for item in batch}), "cids": sorted({i.client_id for i in batch})}
        rows: list[Any]
        if postgresql:
            conn = _held_connection()
            try:
                rows = _CHECKS_PG.rows_on(conn, params)
            except DBAPIError as exc:  # a connection kept from before a database restart: once more, anew
                if not unavailable(exc):
                    raise
                conn = _held_connection(fresh=True)
                rows = _CHECKS_PG.rows_on(conn, params)
        else:
            conn = session.connection()
            rows = list(conn.execute(_CHECKS, params).all())
        members = {(r.slug, r.user_id): r for r in rows}
        earlier = {(r.id, r.user_id, r.earlier_cid): r.earlier_id for r in rows if r.earlier_id is not None}
        alive = {(r.alive_sid, r.user_id) for r in rows if r.alive_sid is not None}
        if any((item.slug, item.user_id) not in members for item in batch):
            alive |= set(conn.execute(_ALIVE, {"sids": params["sids"]}).tuples())
        checked = time.perf_counter()
        accepted, repeats = _judge(batch, alive, members, earlier)
        if not postgresql:
            session.commit()  # SQLite: the pool's one connection is not held while waiting for the locks
        stored = _store(accepted, conn if postgresql else None, {"picked": started, "checked": checked})
        for message_id, item, row, message, author in stored:
            item.answer(message)
            after_send.defer(row, {"id": message_id, "tribe_id": row.id, "author_id": item.user_id,
                                   "body": item.body, "client_id": item.client_id, "created_at": message.created_at},
                             author)
        answered = {id(entry[1]) for entry in stored}
        for item, row in accepted:
            if id(item) not in answered:  # the same client_id, committed concurrently
                earlier_message = service.earlier_message(session, row.id, item.user_id, item.client_id)
                item.answer(MessageOut.of(earlier_message, row.slug))  # type: ignore[arg-type]
        for item, first in repeats:
            item.answer(first.message, first.error)
        session.commit()
        metrics.observe_send_batch(len(batch), time.perf_counter() - started)
    except Exception:
        if postgresql:
            _drop_held()
        try:
            session.rollback()
        except Exception:  # the connection went with the database
            log.debug("rollback after a failed send batch failed", exc_info=True)
        raise
    finally:
        db.remove()


def _store(
    accepted: list[tuple[Send, Any]], conn: Connection | None, stages: dict[str, float],
) -> list[tuple[int, Send, Any, MessageOut, dict[str, Any] | None]]:
    """Insert the accepted sends in one statement and broadcast them in id order, under the
    rooms' locks; (id, send, checks row, message, author card) of each stored one, in id
    order (a send missing from it lost its client_id to a concurrent send)."""
    if not accepted:
        return []
    session = db.session
    stored = []
    with rooms_lock([Room("tribe", row.id) for _item, row in accepted], conn) as keys:
        stages["locked"] = time.perf_counter()  # the in-process locks (the advisory ones come with the INSERT)
        now = utcnow()
        params: dict[str, Any] = {"at": now}
        if keys is not None:
            params["keys"] = keys
        for i, (item, row) in enumerate(accepted):
            params.update({f"t{i}": row.id, f"u{i}": item.user_id, f"b{i}": item.body, f"c{i}": item.client_id})
        if conn is not None:  # PostgreSQL: on the cursor of the sender's connection
            inserted: Any = _direct_insert_for(len(accepted), keys is not None).rows_on(conn, params)
        else:
            inserted = session.connection().execute(_insert_for(len(accepted), False), params)
        ids = {(r.tribe_id, r.author_id, r.client_id): r.id for r in inserted}
        if conn is None:
            session.commit()  # SQLite (PostgreSQL: autocommit, committed when the INSERT returned)
        stages["inserted"] = time.perf_counter()
        for item, row in accepted:
            message_id = ids.get((row.id, item.user_id, item.client_id))
            if message_id is not None:
                author = author_card(row, row.user_id)
                message = MessageOut.new(message_id, row.slug, author, item.body, item.client_id, now)
                stored.append((message_id, item, row, message, author))
        stored.sort(key=lambda entry: entry[0])
        try:  # committed already: a push failing must not make it the sender's error
            fanout.emit_to_tribes("message", [(message.model_dump(mode="json"), row.id)
                                              for _id, _item, row, message, _card in stored])
        except Exception:
            log.exception("broadcast of messages %s failed", [entry[0] for entry in stored])
        stages["emitted"] = time.perf_counter()
    for entry in stored:
        entry[1].stages.update(stages)
    return stored


def _judge(
    batch: list[Send], alive: set[tuple[int, int]], members: dict[tuple[str, int], Any],
    earlier: dict[tuple[int, int, str], int],
) -> tuple[list[tuple[Send, Any]], list[tuple[Send, Send]]]:
    """Answer what the checks settle (refusals, earlier messages); the sends to store, in
    arrival order, and the repeats of a client_id within the batch (with their first send).

    The rate limits of the sends that pass every other check are counted last, all at once
    (`ratelimits.hit_many`: one Redis round trip per batch), in arrival order.
    """
    firsts: dict[tuple[int, int, str], Send] = {}
    repeats: list[tuple[Send, Send]] = []
    passed: list[tuple[Send, Any, tuple[Any, ...] | None]] = []
    for item in batch:
        try:
            if (item.session_id, item.user_id) not in alive:
                raise SessionEnded()
            row = members.get((item.slug, item.user_id))
            if row is None:
                raise NotFound()
            key = (row.id, item.user_id, item.client_id)
            if key in earlier:
                message = db.session.get_one(Message, earlier[key])
                item.answer(MessageOut.of(message, row.slug))
                continue
            if key in firsts:
                repeats.append((item, firsts[key]))
                continue
            not_muted(row)
        except Exception as exc:
            item.answer(error=exc)
            continue
        firsts[key] = item
        passed.append((item, row, service.chat_limit(item.user_id, row.joined_at, row.new_member_hours)))
    within = iter(ratelimits.hit_many([limit for _item, _row, limit in passed if limit is not None]))
    accepted: list[tuple[Send, Any]] = []
    for item, row, limit in passed:
        if limit is not None and not next(within):
            try:
                service.refuse(*limit)
            except Exception as exc:
                item.answer(error=exc)
            continue
        accepted.append((item, row))
    return accepted, repeats
