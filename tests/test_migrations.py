"""Alembic: an empty database upgraded to heads matches the models; downgrade leaves nothing."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import make_url

import tribes.models  # noqa: F401  (every table registered)
from tribes.cli import alembic_config, upgrade_database
from tribes.db import Base, make_engine


def scratch_postgres() -> Iterator[str]:
    """A fresh PostgreSQL database next to the test one, dropped afterwards."""
    import psycopg

    url = make_url(os.environ["TRIBES_TEST_DATABASE_URL"])
    name = f"tribes_migrations_{secrets.token_hex(4)}"
    server = url.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request: Any, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database: a SQLite file, or a scratch PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    if not os.environ.get("TRIBES_TEST_DATABASE_URL", "").startswith("postgresql"):
        pytest.skip("TRIBES_TEST_DATABASE_URL does not point at PostgreSQL")
    yield from scratch_postgres()


def differences(url: str) -> list[Any]:
    """What autogenerate would change to make the database match the models."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


def table_names(url: str) -> set[str]:
    """Tables in the database, Alembic's own bookkeeping table left out."""
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_upgrade_matches_models_and_downgrade_empties(empty_database: str) -> None:
    upgrade_database(empty_database)
    assert table_names(empty_database) == set(Base.metadata.tables)
    assert differences(empty_database) == []
    command.downgrade(alembic_config(empty_database), "base")
    assert table_names(empty_database) == set()
    upgrade_database(empty_database)  # and up again, from base
    assert differences(empty_database) == []


def test_cli_upgrade_and_downgrade(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    env = {**os.environ, "TRIBES_DATABASE_URL": url, "TRIBES_SECRET_KEY": "cli-test", "TRIBES_INSTANCE_PATH": str(tmp_path)}
    run = [sys.executable, "-c", "from tribes.cli import main; main()", "db"]
    up = subprocess.run([*run, "upgrade"], env=env, capture_output=True, text=True, timeout=120)
    assert up.returncode == 0, up.stderr
    assert "users" in table_names(url) and "tribes" in table_names(url)
    down = subprocess.run([*run, "downgrade"], env=env, capture_output=True, text=True, timeout=120)
    assert down.returncode == 0, down.stderr
    assert table_names(url) == set()


def test_processes_starting_at_once_on_postgresql_migrate_once(tmp_path: Path) -> None:
    """Three processes (two web units and the worker) start together on a fresh database: all
    succeed, and the schema is migrated once (the others wait for the advisory lock)."""
    if not os.environ.get("TRIBES_TEST_DATABASE_URL", "").startswith("postgresql"):
        pytest.skip("TRIBES_TEST_DATABASE_URL does not point at PostgreSQL")
    for url in scratch_postgres():
        env = {**os.environ, "TRIBES_DATABASE_URL": url, "TRIBES_SECRET_KEY": "m", "TRIBES_INSTANCE_PATH": str(tmp_path)}
        run = [sys.executable, "-c", "from tribes.cli import main; main()", "db", "upgrade"]
        processes = [subprocess.Popen(run, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                     for _ in range(3)]
        outcomes = [(p.wait(timeout=180), p.stderr.read() if p.stderr else "") for p in processes]
        assert [code for code, _ in outcomes] == [0, 0, 0], [err[-2000:] for _, err in outcomes]
        assert table_names(url) == set(Base.metadata.tables)
        assert differences(url) == []


def test_the_live_counts_are_filled_from_the_messages_already_stored(empty_database: str) -> None:
    """Upgrading a database with messages (0026 → 0027) counts them per tribe and block, and
    the triggers keep counting what is written after it."""
    from sqlalchemy import insert, text

    from tribes.accounts.models import User
    from tribes.chat.blocks import BLOCK_IDS
    from tribes.chat.models import Message
    from tribes.db import utcnow
    from tribes.groups.models import Tribe

    command.upgrade(alembic_config(empty_database), "0026")
    engine = make_engine(empty_database)
    try:
        with engine.begin() as conn:
            conn.execute(insert(User.__table__).values(id=1, email="a@example.test", password_hash="x", display_name="A"))
            conn.execute(insert(Tribe.__table__), [{"id": t, "slug": f"t{t}", "name": f"t{t}"} for t in (1, 2)])
            rows = [{"id": i, "tribe_id": 1 + i % 2, "author_id": 1, "body": "x", "client_id": f"m{i}",
                     "deleted_at": None if i % 7 else utcnow()} for i in range(1, 3 * BLOCK_IDS, 97)]
            conn.execute(insert(Message.__table__), rows)
    finally:
        engine.dispose()
    upgrade_database(empty_database)
    engine = make_engine(empty_database)
    direct = text(f"SELECT tribe_id, id / {BLOCK_IDS}, count(*) FROM messages WHERE deleted_at IS NULL GROUP BY 1, 2")
    try:
        with engine.begin() as conn:
            kept = set(conn.execute(text("SELECT tribe_id, block, live FROM message_blocks")).tuples())
            assert kept == set(conn.execute(direct).tuples()) and len(kept) == 6
            conn.execute(text("INSERT INTO messages (id, tribe_id, author_id, body, client_id, created_at) "
                              f"VALUES ({5 * BLOCK_IDS}, 2, 1, 'new', 'new', CURRENT_TIMESTAMP)"))
            conn.execute(text("UPDATE messages SET deleted_at = CURRENT_TIMESTAMP WHERE id = 1"))
        with engine.begin() as conn:
            kept = {row for row in conn.execute(text("SELECT tribe_id, block, live FROM message_blocks")).tuples() if row[2]}
            assert kept == set(conn.execute(direct).tuples())
    finally:
        engine.dispose()
