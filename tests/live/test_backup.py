"""`tribes backup PATH`: a consistent copy of the embedded default while the server keeps serving."""

from __future__ import annotations

import sqlite3
import subprocess
import threading
from pathlib import Path

import pytest

from tests.chat.live_helpers import LiveUser
from tests.live_server import LiveServer

pytestmark = pytest.mark.slow


def test_backup_while_serving_holds_every_committed_account(live_server: LiveServer, tmp_path: Path) -> None:
    if not live_server.database_url.startswith("sqlite"):
        pytest.skip("the backup command is for the embedded SQLite default")
    before = [LiveUser(live_server.url) for _ in range(3)]
    stop = threading.Event()
    writers: list[LiveUser] = []

    def keep_registering() -> None:   # the server keeps writing while the backup runs
        while not stop.is_set():
            writers.append(LiveUser(live_server.url))

    thread = threading.Thread(target=keep_registering)
    thread.start()
    try:
        result = subprocess.run(
            [*live_server.command()[:-5], "backup", str(tmp_path / "backup")],
            env=live_server.environment(), cwd=live_server.workdir, capture_output=True, text=True, timeout=120,
        )
    finally:
        stop.set()
        thread.join()
    assert result.returncode == 0, result.stderr
    copy = sqlite3.connect(tmp_path / "backup" / "tribes.db")
    try:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        emails = {row[0] for row in copy.execute("SELECT email FROM users")}
    finally:
        copy.close()
    assert {u.user["email"] for u in before} <= emails          # everything committed before it began
    assert len(emails) <= len(before) + len(writers)
    assert (tmp_path / "backup").stat().st_mode & 0o077 == 0   # only the owner may read it

    again = subprocess.run(
        [*live_server.command()[:-5], "backup", str(tmp_path / "backup")],
        env=live_server.environment(), cwd=live_server.workdir, capture_output=True, text=True, timeout=120,
    )
    assert again.returncode != 0 and "exists already" in again.stderr


def test_backup_refuses_postgresql_and_points_to_pg_dump(tmp_path: Path) -> None:
    server = LiveServer(database_url="postgresql+psycopg://nobody@127.0.0.1:1/none")
    result = subprocess.run(
        [*server.command()[:-5], "backup", str(tmp_path / "b")],
        env=server.environment(), cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode != 0 and "pg_dump" in result.stderr
    assert not (tmp_path / "b").exists()
