"""Declarative base, the session registry and shared column helpers."""

from __future__ import annotations

import secrets
import time
from collections import namedtuple
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple, TypeAlias, cast

import orjson
from psycopg.pq import TransactionStatus
from sqlalchemy import (
    BigInteger,
    Connection,
    DateTime,
    Integer,
    MetaData,
    TypeDecorator,
    create_engine,
    event,
)
from sqlalchemy.engine import CursorResult, Engine, Result
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.orm import (
    DeclarativeBase,
    InstrumentedAttribute,
    Mapped,
    Session,
    mapped_column,
    scoped_session,
    sessionmaker,
)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def rowcount(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE touched (conditional updates read who won by it)."""
    return cast(CursorResult[Any], result).rowcount or 0


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always returned timezone-aware (SQLite drops offsets)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def result_processor(self, dialect: Any, coltype: Any) -> Callable[[Any], datetime | None]:
        """`process_result_value` as one function (TypeDecorator's own wraps it in two more
        calls per value; a page of 50 meet-ups reads 200 timestamps)."""
        impl_processor = self.impl_instance.result_processor(dialect, coltype)
        utc = UTC

        def process(value: Any) -> Any:
            if impl_processor is not None:
                value = impl_processor(value)
            # PostgreSQL's connections work in UTC (`_utc_session`): its values come as
            # timezone.utc already and go through as they are
            if value is None or value.tzinfo is utc:
                return value
            if value.tzinfo is None:
                return value.replace(tzinfo=utc)
            return value.astimezone(utc)

        # DirectSelect leaves it out where it has nothing to do: psycopg's values when its
        # connection works in UTC (`_utc_session`)
        process.utc_passthrough = impl_processor is None  # type: ignore[attr-defined]
        return process


class Base(DeclarativeBase):
    """Base class of every model; constraint names follow NAMING_CONVENTION."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


# ---------------------------------------------------------------- identifiers
#
# THE RULE: no identifier or count that a person can observe may move because of an event
# hidden from them. It is DESIGN.md's house rule 3 ("hidden means 404") carried from answers
# to identifiers: what a person may not see must not show through the numbers they do see.
# Rule 8's keyset paging then orders such tables by (time, id), as below.
#
# A shared counter is a channel: if notification ids came from one sequence, someone who owns
# a second account could mention it before and after sending a contact request and read in
# the gap whether the recipient was notified (a quiet decline or a silent block shows as "no
# gap"), although every HTTP answer stays identical. So every table whose ids anyone can read
# (API JSON, pages, socket events, exports, and the opaque-but-decodable keyset cursors) takes
# its ids from `random_id()` through `RandomIdPK`. Random ids carry no order: lists of these
# tables are ordered and paged by (time, id), never by id alone (`time_id_keyset`).
#
# Tables with random ids (every table with an id of its own but two), and why:
#   users            registrations of people I share nothing with are hidden from me
#   user_sessions    ids shown in GET /me/sessions; other people's logins must not move them
#   site_audit_log   site admins' actions (suspensions, site reports) are hidden from the people
#   tribes           secret tribes' creation is hidden
#   memberships      joins of secret tribes are hidden; their ids are in keyset cursors
#   invite_edges, invites, bans, mutes, audit_log
#                    tribe-internal actions, hidden from everyone outside that tribe
#   join_requests, join_vouches
#                    a request is declined quietly and is hidden from every other applicant;
#                    who vouched is the members' business
#   contacts, contact_requests, blocks
#                    requests swallowed by a block or a decline, blocks: hidden by design
#   conversations    direct messages and message requests (a stranger's first message; declined
#                    quietly): who writes to whom is hidden from everyone outside the conversation
#   notifications    the attack above; each person's notifications are hidden from everyone else
#   notification_settings, digest_states, digest_marks
#                    one person's preferences and digest bookkeeping, never anyone else's
#   outbox_mails, password_reset_tokens, email_tokens
#                    mails and links sent to other people
#   reports          filed quietly; the reported person must not learn of them
#   meetups, rsvps, calendar_tokens, meetup_questions
#                    other tribes' meetups, other members' answers and check-ins (door codes
#                    are random strings of their own, `meetups.checkin.new_code`), other
#                    people's feeds
#   meetup_series, meetup_series_rsvps
#                    other tribes' series, other members' standing answers
#   announcements, announcement_recipients
#                    an announcement to a meetup's people is hidden from the rest of the tribe
#   message_fingerprints
#                    never shown; random anyway so no future export can leak them
#
# Tables without random ids:
#   messages         the one table that keeps a sequence, see below
#   site_settings    one row with the fixed id 1, never shown, counts nothing
#   conversation_members, hidden_messages
#                    no id column: keyed by (conversation, person) and (message, person). A
#                    direct message swallowed by a block is a `messages` row like any other,
#                    so it takes the same id as if it had been delivered; the blocker's
#                    counts, lists and markers (`last_activity_id`) leave it out.
#   message_blocks   no id column: keyed by (tribe, block of message ids); never shown, it only
#                    makes the unread counts cheap (tribes/chat/blocks.py)
#
# The one table that keeps a sequence is `messages` (see its model): chat needs a total
# per-room order in its ids (keyset paging by id, catch-up by `after_id`, "message events
# arrive in id order") and each message is seen by everyone who can read the room anyway.
# Residual leak, accepted: the gaps between one room's message ids show how many messages
# were posted elsewhere on the site meanwhile (aggregate volume, no single event of a person).
# tests/test_ids.py keeps this list honest: every table uses `RandomIdPK` unless it is
# allow-listed there with its reason, and each is named above.

#: the largest random id: ids stay exact in JSON numbers (JavaScript, the contract's 2^53 cap)
MAX_RANDOM_ID = 2**53 - 1

#: the type of every id column, primary and foreign keys: 64-bit BIGINT on PostgreSQL; on SQLite
#: INTEGER (already 64-bit there), so that a primary key stays the table's rowid
IdType = BigInteger().with_variant(Integer(), "sqlite")


def random_id() -> int:
    """A fresh row id, uniformly random in 1..2^53-1 (from `secrets`, so it predicts nothing).

    A collision (probability rows/2^53 per insert: one in ~10^8 with 100 million rows) fails
    that one insert on the primary key, like any other constraint; nothing is overwritten.
    """
    return secrets.randbelow(MAX_RANDOM_ID) + 1


class RandomIdPK:
    """Mixin: an `id` primary key taken from `random_id()` (no sequence, no identity).

    No identifier or count that a person can observe may move because of an event hidden
    from them; see the list above for which tables use this and why. Order such rows by
    (created_at, id) with `time_id_keyset`, never by id.
    """

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=False, default=random_id)


def time_id_keyset(time_column: InstrumentedAttribute[Any], id_column: InstrumentedAttribute[Any]) -> dict[str, Any]:
    """Keyword arguments for `http.keyset_page`: order by (time, id), cursor holds both."""
    name = time_column.key

    def key_of(row: Any) -> Sequence[Any]:
        return [getattr(row, name).isoformat(), row.id]

    def parse_key(values: list[Any]) -> list[Any]:
        when, ident = values
        if not isinstance(when, str) or not isinstance(ident, int) or isinstance(ident, bool):
            raise ValueError("bad cursor")
        moment = datetime.fromisoformat(when)
        return [moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC), ident]

    parse: Callable[[list[Any]], list[Any]] = parse_key
    return {"keys": [time_column, id_column], "key_of": key_of, "parse_key": parse}


def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """Foreign keys on, WAL, and a busy timeout; transactions are begun by us (below)."""
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(conn: Any) -> None:
    """BEGIN IMMEDIATE: a transaction takes the write lock up front, so a read followed by
    a conditional update never fails with SQLITE_BUSY_SNAPSHOT under concurrency.

    Sent on the driver's connection, like the BEGIN other drivers send by themselves, so it
    is transaction control and not a statement that query counters see."""
    conn.connection.driver_connection.execute("BEGIN IMMEDIATE")


#: a pooled connection idle for longer than this is pinged before it is handed out again
PING_AFTER_IDLE_SECONDS = 1.0


def _ping_when_idle(engine: Engine, after: float) -> None:
    """Pessimistic disconnect handling, only where a connection can have gone stale.

    `pool_pre_ping` costs every checkout a round trip (`;`), about 5 % of a short read's CPU
    under load. A connection that went back to the pool less than `after` seconds ago is
    handed out as it is; one idle for longer (and only such a one can have outlived a
    database restart unnoticed) is pinged first, and a dead one is replaced before the
    request sees it (SQLAlchemy's documented recipe: `DisconnectionError` in `checkout`
    makes the pool discard the connection and try again). A connection that dies within the
    second fails its request's first statement: SQLAlchemy then invalidates the whole pool,
    the request answers 503 (errors.py), and the next one connects afresh.
    """
    clock = time.monotonic

    @event.listens_for(engine, "connect")
    def _connected(dbapi_connection: Any, record: Any) -> None:
        record.info["tribes_idle_since"] = clock()

    @event.listens_for(engine, "checkin")
    def _checked_in(dbapi_connection: Any, record: Any) -> None:
        record.info["tribes_idle_since"] = clock()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        if clock() - record.info.get("tribes_idle_since", 0.0) < after:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            if engine.dialect.is_disconnect(error, dbapi_connection, None):
                raise DisconnectionError() from error
            raise


def _utc_session(dbapi_connection: Any, record: Any) -> None:
    """A new PostgreSQL connection works in the time zone `UTC`, whatever the server's default.

    psycopg hands back each timestamptz in the session's time zone, as `timezone.utc` only
    when it is named `UTC`; a server set to `Etc/UTC` (Debian's default) gave
    `ZoneInfo('Etc/UTC')` values that `UTCDateTime` converted once more, 200 times on a page of
    50 meet-ups (12 % of its CPU, bench/README.md "Sixth round"). Every column is timestamptz and
    every zone is applied in Python, so no statement's meaning depends on the session's zone.
    A `SET` (not a startup option): PgBouncer keeps TimeZone per client in transaction mode."""
    if dbapi_connection.info.parameter_status("TimeZone") == "UTC":
        return
    autocommit = dbapi_connection.autocommit
    dbapi_connection.autocommit = True  # a session setting, in no transaction
    try:
        dbapi_connection.execute("SET TIME ZONE 'UTC'")
    finally:
        dbapi_connection.autocommit = autocommit


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine with the settings each backend needs.

    JSON columns are read with orjson (the same values as the standard library's parser, at a
    tenth of the CPU: the tribe list reads each tribe's join questions)."""
    kwargs.setdefault("json_deserializer", orjson.loads)
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 10})
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    engine = create_engine(url, **kwargs)
    if engine.dialect.driver == "psycopg":
        event.listen(engine, "connect", _utc_session)
    if not kwargs.get("pool_pre_ping"):
        _ping_when_idle(engine, PING_AFTER_IDLE_SECONDS)
    return engine


_IDLE = TransactionStatus.IDLE
_READ_METHODS = frozenset({"GET", "HEAD"})
_LAZY_BEGIN = {"isolation_level": "AUTOCOMMIT", "tribes_lazy_begin": True}
#: statement text → whether it must run inside a transaction (statements are built once, so few)
_NEEDS_TRANSACTION: dict[str, bool] = {}
_LOCKING = (" FOR UPDATE", " FOR NO KEY UPDATE", " FOR SHARE", " FOR KEY SHARE", "ADVISORY", "SET_CONFIG")


def _needs_transaction(statement: str) -> bool:
    known = _NEEDS_TRANSACTION.get(statement)
    if known is None:
        text = statement.lstrip().upper()
        known = not text.startswith("SELECT") or any(word in text for word in _LOCKING)
        if len(_NEEDS_TRANSACTION) < 10_000:
            _NEEDS_TRANSACTION[statement] = known
    return known


def _begin_before_writes(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
                         executemany: bool) -> None:
    """On a connection of `Database._reads_outside_a_transaction`: BEGIN before the first
    statement that needs a transaction (psycopg's commit and rollback then end it)."""
    if not conn.get_execution_options().get("tribes_lazy_begin") or not _needs_transaction(statement):
        return
    dbapi_connection = cursor.connection
    if dbapi_connection.info.transaction_status == _IDLE:
        dbapi_connection.execute("BEGIN")


class _Plan(NamedTuple):
    compiled: Any
    sql: str
    binary: bool
    positions: tuple[str, ...] | None
    bind_processors: dict[str, Callable[[Any], Any]]
    result_processors: tuple[tuple[int, Callable[[Any], Any]], ...]
    #: `result_processors` without UTCDateTime's, for psycopg on a connection in UTC
    in_utc: tuple[tuple[int, Callable[[Any], Any]], ...]


class DirectSelect:
    """A SELECT built once with Core, compiled once per dialect, run on the DBAPI cursor.

    For a small indexed SELECT, SQLAlchemy's execution (compiled-cache lookup, execution
    context, result object, and the ORM's on top) costs as much CPU as the database round
    trip itself: measured on PostgreSQL, a history page of 50 rows 198 µs through
    `Connection.execute`, 95 µs on the cursor; a session's user 180 µs through the ORM, 55 µs
    on the cursor (bench/reads.py, issue 16 item 6). The few statements every request runs
    (the session's user, the membership check, the history page, the lists) use this.

    The statement is compiled by SQLAlchemy for the connection's dialect (the same SQL
    `Connection.execute` sends), its parameters are built by the compiled statement
    (`construct_params`) and bound with each type's bind processor, and each result column
    goes through its type's result processor (`UTCDateTime` stays aware and in UTC), so the
    rows are the tuples `Connection.execute` would give (tests/test_direct_select.py compares
    them, values and types). The engine's `before_cursor_execute` and `after_cursor_execute`
    listeners see the statement as any other (the statement counters of the tests, the
    EXPLAIN capture of bench/reads_explain.py; their execution context is None). A driver
    error is wrapped as SQLAlchemy wraps it (`DBAPIError`), and a lost connection is
    invalidated, so errors.py answers 503 and the pool reconnects. Statements whose SQL
    depends on the values (expanding IN lists) are refused when compiled. Why not through
    SQLAlchemy: its execution context, not the statement cache, is the cost (the page through
    `exec_driver_sql`: 158 µs); SQLAlchemy still builds and compiles every statement.

    `named`: the rows are named tuples with the selected columns' keys (`row.slug`), as
    SQLAlchemy's rows read by name. `rows_on` runs it on a Connection the caller holds (the
    send batch's own autocommit connection).
    """

    def __init__(self, statement: Any, *, named: bool = False) -> None:
        self.statement = statement
        self._plans: dict[Any, _Plan] = {}
        self._row: Callable[[Any], Any] | None = None
        if named:
            keys = [column.key for column in statement.selected_columns]
            row_type: Any = namedtuple("Row", keys, rename=True)  # type: ignore[misc]
            self._row = row_type._make

    def _plan(self, dialect: Any) -> _Plan:
        plan = self._plans.get(dialect)
        if plan is not None:
            return plan
        compiled = self.statement.compile(dialect=dialect)
        sql = str(compiled)
        if "POSTCOMPILE" in sql:
            raise ValueError("DirectSelect takes statements whose SQL does not depend on the values")
        binds = {}
        for key, bind in compiled.binds.items():
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                binds[key] = processor
        results = []
        for index, column in enumerate(self.statement.selected_columns):
            processor = column.type.dialect_impl(dialect).result_processor(dialect, None)
            if processor is not None:
                results.append((index, processor))
        positions = tuple(compiled.positiontup) if compiled.positional else None
        psycopg = dialect.driver == "psycopg"
        in_utc = tuple(entry for entry in results if not (psycopg and getattr(entry[1], "utc_passthrough", False)))
        plan = _Plan(compiled, sql, psycopg, positions, binds, tuple(results), in_utc)
        self._plans[dialect] = plan
        return plan

    def rows(self, session: Session, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        """Every row of the statement with these parameters, on the session's connection."""
        return self.rows_on(session.connection(), params)

    def rows_on(self, connection: Connection, params: dict[str, Any]) -> list[Any]:
        """Every row of the statement with these parameters, on `connection`."""
        dialect = connection.dialect
        plan = self._plan(dialect)
        values = plan.compiled.construct_params(params)
        for key, processor in plan.bind_processors.items():
            values[key] = processor(values[key])
        bound: Any = values if plan.positions is None else [values[key] for key in plan.positions]
        dbapi_connection = connection.connection.dbapi_connection
        assert dbapi_connection is not None
        cursor = None
        sql = plan.sql
        try:
            # psycopg: results in PostgreSQL's binary format (the same values, parsed with less CPU)
            cursor = dbapi_connection.cursor(binary=True) if plan.binary else dbapi_connection.cursor()
            for listener in connection.dispatch.before_cursor_execute:  # as for any other statement
                sql, bound = listener(connection, cursor, sql, bound, None, False)
            cursor.execute(sql, bound)
            for after in connection.dispatch.after_cursor_execute:
                after(connection, cursor, sql, bound, None, False)
            rows = cursor.fetchall()
        except dialect.loaded_dbapi.Error as error:
            lost = dialect.is_disconnect(error, dbapi_connection, cursor)
            if lost:
                connection.invalidate(error)
            raise DBAPIError.instance(sql, bound, error, dialect.loaded_dbapi.Error,
                                      connection_invalidated=lost, dialect=dialect) from error
        finally:
            if cursor is not None:
                cursor.close()
        processors = plan.result_processors
        if plan.binary and processors and dbapi_connection.info.timezone is UTC:
            processors = plan.in_utc  # its timestamps are timezone.utc already (UTCDateTime)
        if processors and rows:
            # column by column: the rows are transposed and rebuilt by zip, and map calls each
            # processor, so only the processors themselves run as Python per value
            columns = list(zip(*rows, strict=True))
            for index, processor in processors:
                columns[index] = tuple(map(processor, columns[index]))
            rows = list(zip(*columns, strict=True))
        if self._row is not None:
            return list(map(self._row, rows))
        return cast(list[tuple[Any, ...]], rows)

    def first(self, session: Session, params: dict[str, Any]) -> tuple[Any, ...] | None:
        """The first row, or None."""
        rows = self.rows(session, params)
        return rows[0] if rows else None


#: what services take as `session`: a SQLAlchemy Session (the scoped `db.session` is one)
DbSession: TypeAlias = Session


class Database:
    """The engine and a scoped session bound to an app; created unbound in extensions."""

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self._reads_engine: Engine | None = None
        self.session_factory = sessionmaker(expire_on_commit=False)
        self.registry: scoped_session[Session] = scoped_session(self.session_factory)
        #: the Session of the current thread or greenlet (one per request, socket handler or
        #: job); a scoped proxy that forwards every Session method, so it is typed as one
        self.session: DbSession = cast(DbSession, self.registry)

    def init_app(self, app: Any) -> None:
        """Bind to the app's database URL and remove the session after each request."""
        if self.engine is not None:
            self.engine.dispose()
        self.engine = make_engine(app.config["DATABASE_URL"], **app.config.get("ENGINE_OPTIONS", {}))
        self.session_factory.configure(bind=self.engine)
        app.teardown_appcontext(self._remove)
        app.extensions["tribes_db"] = self
        if self.engine.dialect.name == "postgresql":
            event.listen(self.engine, "before_cursor_execute", _begin_before_writes)
            self._reads_engine = self.engine.execution_options(**_LAZY_BEGIN)
            app.before_request(self._reads_outside_a_transaction)

    def _reads_outside_a_transaction(self) -> None:
        """A GET's reads run without BEGIN and COMMIT; its first write begins the transaction.

        On PostgreSQL a request's reads cost two more round trips (BEGIN before the first,
        COMMIT after the last). Under READ COMMITTED every statement reads its own snapshot
        inside a transaction as well, so reads outside one see exactly what they would have
        seen. A GET that writes (a session's "last seen" stamp, a page marking something seen)
        gets a real transaction from its first write on: `_begin_before_writes` sends BEGIN
        before any statement that is not a plain SELECT (a write, SAVEPOINT, SELECT … FOR
        UPDATE, an advisory lock), and the request's one commit (or the error handler's
        rollback) ends it as before. The request's session is bound to an engine that says so;
        nothing is checked out until the request reads.
        """
        from flask import request

        if request.method in _READ_METHODS:
            self.registry().bind = self._reads_engine

    def _remove(self, exc: BaseException | None = None) -> None:
        self.remove()

    def remove(self) -> None:
        """Close the current thread's or greenlet's Session and forget it."""
        self.registry.remove()
