"""The hot reads on the DBAPI cursor (tribes.db.DirectSelect) give what SQLAlchemy gives.

Runs on SQLite, and on PostgreSQL with TRIBES_TEST_DATABASE_URL (CI runs both)."""

from __future__ import annotations

from datetime import UTC, timedelta
from typing import Any

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.exc import DBAPIError

from tribes.accounts import service
from tribes.accounts.models import User
from tribes.chat import history
from tribes.db import DirectSelect, utcnow
from tribes.extensions import db
from tribes.groups import listing as tribe_listing
from tribes.groups import policy
from tribes.meetups import listing as meetup_listing


@pytest.fixture
def world(make_user: Any, make_tribe: Any) -> dict[str, Any]:
    """Two people in a tribe with messages (one deleted, one by a deleted account) and meetups."""
    owner, member = make_user("Öwner"), make_user("Member")
    tribe = make_tribe(owner, [member], name="Direct")
    slug = tribe["slug"]
    for n in range(7):
        assert member.post(f"tribes/{slug}/messages", {"body": f"hello {n} ✓", "client_id": f"c{n}"}).status_code == 201
    gone = owner.post(f"tribes/{slug}/messages", {"body": "oops", "client_id": "gone"}).get_json()["id"]
    assert owner.delete(f"messages/{gone}").status_code == 204
    starts = (utcnow() + timedelta(days=3)).replace(microsecond=0)
    for n in range(3):
        made = owner.post(f"tribes/{slug}/meetups", {
            "title": f"Meet {n}", "starts_at": (starts + timedelta(hours=n)).isoformat(),
            "ends_at": (starts + timedelta(hours=n + 2)).isoformat(), "timezone": "Europe/Berlin",
            "capacity": 1})
        assert made.status_code == 201, made.get_json()
    return {"owner": owner, "member": member, "slug": slug}


def _both(session: Any, direct: DirectSelect, params: dict[str, Any]) -> tuple[list[Any], list[Any]]:
    """The statement's rows through SQLAlchemy and on the cursor."""
    through = [tuple(row) for row in session.connection().execute(direct.statement, params)]
    return through, direct.rows(session, params)


def test_every_direct_statement_gives_the_rows_sqlalchemy_gives(app: Any, world: dict[str, Any]) -> None:
    with app.app_context():
        session = db.session
        member_id = world["member"].user["id"]
        tribe_id = policy.member_tribe(session, member_id, world["slug"])[0]
        newest = history._page_statement(False, False)
        floor = utcnow() - timedelta(days=31)
        cases = [
            (policy._MEMBER_TRIBE, {"user_id": member_id, "slug": world["slug"]}),
            (newest, {"tribe_id": tribe_id, "limit": 5}),
            (history._page_statement(False, True), {"tribe_id": tribe_id, "limit": 50, "bound": 10**15}),
            (history._page_statement(True, False), {"tribe_id": tribe_id, "limit": 3}),
            (tribe_listing._page_statement(False), {"user_id": member_id, "limit": 10}),
            (meetup_listing._page_statement("tribe", False, False),
             {"user_id": member_id, "slug": world["slug"], "start": utcnow(), "floor": floor, "limit": 10}),
            (meetup_listing._page_statement("mine", False, False),
             {"user_id": member_id, "start": utcnow(), "floor": floor, "limit": 10}),
        ]
        for direct, params in cases:
            through, direct_rows = _both(session, direct, params)
            assert direct_rows, direct.statement  # something to compare
            assert direct_rows == through
            # the same types too: aware UTC datetimes (UTCDateTime), booleans, ints
            assert [[type(v) for v in row] for row in direct_rows] == [[type(v) for v in row] for row in through]
        rows = newest.rows(session, {"tribe_id": tribe_id, "limit": 5})
        assert len(rows) == 5 and rows[0][3].tzinfo is not None and rows[0][3].utcoffset() == timedelta(0)
        assert [history.message_json(r, world["slug"]) for r in rows][1]["body"] == "hello 6 ✓"
        assert rows[0][5] is not None  # the deleted one is the newest


def test_the_engine_listeners_see_direct_statements(app: Any, world: dict[str, Any]) -> None:
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", record)
        try:
            policy.member_tribe(db.session, world["member"].user["id"], world["slug"])
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
    assert len(seen) == 1 and "memberships" in seen[0]


def test_a_failing_direct_statement_raises_as_sqlalchemy_does(app: Any) -> None:
    broken = DirectSelect(select(text("no_such_column")).select_from(User.__table__))
    with app.app_context():
        with pytest.raises(DBAPIError) as raised:
            broken.rows(db.session, {})
        assert "no_such_column" in str(raised.value)
        db.session.rollback()
        assert db.session.scalar(select(text("1"))) == 1  # the session goes on


def test_statements_whose_sql_depends_on_the_values_are_refused(app: Any) -> None:
    with app.app_context(), pytest.raises(ValueError):
        DirectSelect(select(User.id).where(User.id.in_([1, 2]))).rows(db.session, {})


def test_the_session_user_is_loaded_as_the_orm_would_and_its_changes_are_kept(app: Any, session: Any) -> None:
    user = service.register(session, "direct@example.test", "correct horse battery staple", "Direkt Ä")
    raw = service.start_session(session, user)
    session.commit()
    user_id = user.id
    db.remove()
    with app.app_context():
        loaded = service.load_session_user(db.session, raw)
        assert loaded is not None and loaded.id == user_id
        orm = db.session.execute(select(User).execution_options(populate_existing=False)
                                 .where(User.id == user_id)).scalar_one()
        assert orm is loaded  # the session's one object for that row
        assert loaded.display_name == "Direkt Ä" and loaded.created_at.tzinfo == UTC
        assert not db.session.dirty and loaded.session_token == raw
        loaded.display_name = "Renamed"
        db.session.commit()
        db.remove()
    with app.app_context():
        assert db.session.get(User, user_id).display_name == "Renamed"
        # a user the session holds already is the one returned
        held = db.session.get(User, user_id)
        assert service.load_session_user(db.session, raw) is held


def test_named_rows_read_by_column_as_sqlalchemy_rows_do(app: Any, world: dict[str, Any]) -> None:
    """`DirectSelect(..., named=True)`: the same values, readable by the columns' keys, on the
    session's connection or on one the caller holds (`rows_on`)."""
    member_id = world["member"].user["id"]
    with app.app_context():
        session = db.session
        plain = meetup_listing._page_statement("tribe", False, False)
        named = DirectSelect(plain.statement, named=True)
        params = {"user_id": member_id, "slug": world["slug"], "start": utcnow(),
                  "floor": utcnow() - timedelta(days=31), "limit": 10}
        through = session.connection().execute(plain.statement, params).all()
        rows = named.rows_on(session.connection(), params)
        assert [tuple(r) for r in rows] == [tuple(r) for r in through] and len(rows) == 3
        assert [r.title for r in rows] == [r.title for r in through] == ["Meet 0", "Meet 1", "Meet 2"]
        assert [r.my_rsvp for r in rows] == [None, None, None]


def test_the_send_batch_checks_with_arrays_give_the_rows_of_the_in_lists(app: Any, world: dict[str, Any]) -> None:
    """PostgreSQL: the batch's checks with array parameters (`= ANY`, one SQL for every batch
    size, on the cursor) give the rows of the expanding IN lists, member or not, earlier
    client_id or not, live session or not."""
    with app.app_context():
        if db.session.get_bind().dialect.name != "postgresql":
            pytest.skip("the array form of the checks is PostgreSQL's")
    from tribes.accounts.models import UserSession
    from tribes.chat import batching

    owner, member = world["owner"].user["id"], world["member"].user["id"]
    with app.app_context():
        session = db.session
        sessions = sorted(session.scalars(select(UserSession.id).where(UserSession.user_id.in_([owner, member]))))
        cases = [
            {"uids": [member], "slugs": [world["slug"]], "cids": ["c3"], "sids": sessions},
            {"uids": sorted([owner, member]), "slugs": [world["slug"], "no-such-tribe"], "cids": ["c1", "new", "gone"],
             "sids": [*sessions, 10**12]},
            {"uids": [10**12], "slugs": [world["slug"]], "cids": ["x"], "sids": [10**12]},
        ]
        conn = session.connection()
        for params in cases:
            through = sorted(tuple(r) for r in conn.execute(batching._CHECKS, params))
            direct = sorted(tuple(r) for r in batching._CHECKS_PG.rows_on(conn, params))
            assert direct == through, params
        found = batching._CHECKS_PG.rows_on(conn, cases[0])
        assert {(r.slug, r.user_id, r.earlier_cid) for r in found if r.alive_sid} == {(world["slug"], member, "c3")}


def test_timestamps_come_back_in_utc_whatever_zone_the_connection_is_in(app: Any, world: dict[str, Any]) -> None:
    """PostgreSQL: on a connection in UTC the cursor's timestamps are timezone.utc already and
    DirectSelect leaves them as they are; on one in another zone it converts them as before."""
    from datetime import datetime

    with app.app_context():
        session = db.session
        if session.get_bind().dialect.name != "postgresql":
            pytest.skip("the session time zone is PostgreSQL's")
        statement = meetup_listing._page_statement("mine", False, False)
        params = {"user_id": world["member"].user["id"], "start": utcnow(), "floor": utcnow() - timedelta(days=31),
                  "limit": 10}
        in_utc = statement.rows(session, params)
        session.connection().exec_driver_sql("SET LOCAL TIME ZONE 'Europe/Berlin'")
        assert session.connection().connection.dbapi_connection.info.timezone is not UTC  # type: ignore[union-attr]
        in_berlin = statement.rows(session, params)
        session.rollback()
        for rows in (in_utc, in_berlin):
            times = [value for row in rows for value in row if isinstance(value, datetime)]
            assert len(times) == 4 * len(rows) == 12 and all(value.tzinfo is UTC for value in times)
        assert in_berlin == in_utc
        assert [[str(v) for v in row] for row in in_berlin] == [[str(v) for v in row] for row in in_utc]
