"""How requests use their database connection: a GET reads without BEGIN/COMMIT until it writes
(PostgreSQL), a failed request writes nothing, a connection that died while idle is replaced
before a request sees it."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import psycopg
import pytest
from sqlalchemy import event, select, update

from tribes import db as dbmodule
from tribes.accounts.models import UserSession
from tribes.db import utcnow
from tribes.extensions import db


def _postgres(app: Any) -> bool:
    with app.app_context():
        assert db.engine is not None
        return db.engine.dialect.name == "postgresql"


def _age_last_seen(app: Any) -> Any:
    old = utcnow() - timedelta(hours=3)
    with app.app_context():
        db.session.execute(update(UserSession).values(last_seen_at=old))
        db.session.commit()
        db.remove()
    return old


def _last_seen(app: Any) -> Any:
    with app.app_context():
        seen = db.session.scalar(select(UserSession.last_seen_at))
        db.remove()
    return seen


def test_a_failed_request_writes_no_last_seen_stamp_and_a_good_one_does(app: Any, make_user: Any) -> None:
    user = make_user()
    old = _age_last_seen(app)
    assert user.get("tribes/no-such-tribe/messages").status_code == 404
    assert abs(_last_seen(app) - old) < timedelta(seconds=1)   # rolled back with the request
    assert user.get("tribes").status_code == 200
    assert _last_seen(app) - old > timedelta(hours=2)


def test_a_get_reads_outside_a_transaction_until_its_first_write(app: Any, make_user: Any, make_tribe: Any) -> None:
    if not _postgres(app):
        pytest.skip("transactions of reads are PostgreSQL's (SQLite begins as before)")
    user = make_user()
    slug = make_tribe(user)["slug"]
    assert user.post(f"tribes/{slug}/messages", {"body": "hi", "client_id": "a"}).status_code == 201
    states: list[tuple[str, str]] = []

    def after(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        states.append((statement.split()[0], cursor.connection.info.transaction_status.name))

    with app.app_context():
        event.listen(db.engine, "after_cursor_execute", after)
    try:
        assert user.get(f"tribes/{slug}/messages").status_code == 200
        reads = list(states)
        assert len(reads) >= 3 and all(state == "IDLE" for _kind, state in reads), reads
        states.clear()
        _age_last_seen(app)
        states.clear()
        assert user.get(f"tribes/{slug}/messages").status_code == 200
        kinds = [kind for kind, _state in states]
        first_write = kinds.index("UPDATE")
        assert all(state == "IDLE" for _kind, state in states[:first_write]), states
        assert all(state == "INTRANS" for _kind, state in states[first_write:]), states
        assert _last_seen(app) > utcnow() - timedelta(minutes=1)   # and committed
        states.clear()
        assert user.post(f"tribes/{slug}/messages", {"body": "again", "client_id": "b"}).status_code == 201
        assert states and all(state == "INTRANS" for _kind, state in states), states
    finally:
        with app.app_context():
            event.remove(db.engine, "after_cursor_execute", after)


def test_connections_that_died_while_idle_are_replaced_before_a_request_uses_them(app: Any, make_user: Any) -> None:
    if not _postgres(app):
        pytest.skip("a PostgreSQL restart or idle timeout")
    user = make_user()
    assert user.get("me").status_code == 200
    with app.app_context():
        assert db.engine is not None
        url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as admin:   # what a restart does to the pool's connections
        ended = admin.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                              "WHERE datname = current_database() AND pid <> pg_backend_pid()").fetchone()
    assert ended is not None and ended[0] >= 1
    time.sleep(dbmodule.PING_AFTER_IDLE_SECONDS + 0.3)
    for _ in range(3):
        answer = user.get("me")
        assert answer.status_code == 200, answer.get_json()


def test_connections_read_timestamps_in_utc_whatever_the_server_zone(app: Any, make_user: Any) -> None:
    """PostgreSQL: a connection whose server default is another zone still works in `UTC`, so
    timestamps come back as `timezone.utc` values (no second conversion) and mean the same
    instant as what was stored; the API's times are unchanged."""
    if not _postgres(app):
        pytest.skip("the session time zone is PostgreSQL's")
    from datetime import UTC

    from sqlalchemy import text

    with app.app_context():
        assert db.engine is not None
        url = db.engine.url
    berlin = dbmodule.make_engine(url.render_as_string(hide_password=False),
                                  connect_args={"options": "-c TimeZone=Europe/Berlin"})
    try:
        stored = utcnow().replace(microsecond=0)
        with berlin.connect() as conn:
            assert conn.execute(text("SHOW TimeZone")).scalar() == "UTC"
            back = conn.execute(text("SELECT CAST(:t AS timestamptz)"), {"t": stored}).scalar()
            assert back == stored and back.tzinfo is UTC
            raw = conn.connection.dbapi_connection
            assert raw is not None
            with raw.cursor(binary=True) as cursor:  # DirectSelect's way: psycopg's own loader
                cursor.execute("SELECT now()")
                assert cursor.fetchone()[0].tzinfo is UTC
    finally:
        berlin.dispose()
    user = make_user()
    assert user.get("auth/session").get_json()["user"]["created_at"].endswith("+00:00")
