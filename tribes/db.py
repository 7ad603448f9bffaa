"""Declarative base, the session registry and shared column helpers."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeAlias, cast

from sqlalchemy import BigInteger, DateTime, Integer, MetaData, TypeDecorator, create_engine, event
from sqlalchemy.engine import CursorResult, Engine, Result
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


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine with the settings each backend needs."""
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 10})
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    return create_engine(url, **kwargs)


#: what services take as `session`: a SQLAlchemy Session (the scoped `db.session` is one)
DbSession: TypeAlias = Session


class Database:
    """The engine and a scoped session bound to an app; created unbound in extensions."""

    def __init__(self) -> None:
        self.engine: Engine | None = None
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

    def _remove(self, exc: BaseException | None = None) -> None:
        self.remove()

    def remove(self) -> None:
        """Close the current thread's or greenlet's Session and forget it."""
        self.registry.remove()
