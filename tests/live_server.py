"""Run `tribes serve` as a real subprocess for live-server and browser tests.

Use it as a context manager::

    from tests.live_server import LiveServer

    with LiveServer() as server:
        requests.get(server.url + "/api/v1/auth/session")

or through the pytest fixtures defined here; import them into a `conftest.py` of your test
directory (`from tests.live_server import live_server, live_server_factory  # noqa: F401`, and
`pytest_runtest_makereport` too if you want the server's output printed after a failure):

- `live_server`: one server for the test, with its own fresh database;
- `live_server_factory(**kwargs)`: start several servers (e.g. two processes sharing one
  database and a Redis queue: `db = live_database(); a = factory(database_url=db)`).

Each server gets a database it owns: a SQLite file in a temporary directory, or, when
TRIBES_TEST_DATABASE_URL points at PostgreSQL, a freshly created database on the same
server that is dropped afterwards (the in-process test app truncates the shared one, so
live servers must never use it).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

#: rate limits high enough that a test never meets them by accident
RAISED_LIMITS = {
    f"TRIBES_LIMIT_{name}": "100000 per minute"
    for name in (
        "REGISTER", "LOGIN", "LOGIN_IP", "CHAT", "CHAT_NEW_MEMBER", "CONTACT_REQUESTS",
        "CONTACT_REQUESTS_NEW", "INVITES", "REPORTS", "TRIBES", "TRIBES_NEW", "WRITES",
        "DM", "MESSAGE_REQUESTS", "MESSAGE_REQUESTS_NEW",
    )
}


def free_port() -> int:
    """A TCP port that was free a moment ago on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _admin_conninfo(url: str) -> tuple[str, str]:
    """(libpq URI of the server's `postgres` database, name of the database in `url`)."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    admin = parsed.set(drivername="postgresql", database="postgres")
    return admin.render_as_string(hide_password=False), parsed.database or "tribes"


class LiveDatabase:
    """A database owned by one live-server run: a SQLite file or a fresh PostgreSQL database."""

    def __init__(self, base_url: str | None = None, directory: str | None = None) -> None:
        self.base_url = base_url if base_url is not None else os.environ.get("TRIBES_TEST_DATABASE_URL")
        self._tmp = directory is None
        self.directory = directory or tempfile.mkdtemp(prefix="tribes-live-db-")
        self.url = ""
        self._pg_name: str | None = None

    def create(self) -> str:
        """Create the database and return its SQLAlchemy URL."""
        if self.base_url and self.base_url.startswith("postgresql"):
            import psycopg
            from sqlalchemy.engine import make_url

            admin, base_name = _admin_conninfo(self.base_url)
            self._pg_name = f"{base_name}_live_{secrets.token_hex(4)}"
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{self._pg_name}"')
            self.url = make_url(self.base_url).set(database=self._pg_name).render_as_string(hide_password=False)
        else:
            self.url = f"sqlite:///{Path(self.directory) / 'live.db'}"
        return self.url

    def drop(self) -> None:
        """Drop the database (PostgreSQL) or delete its directory (SQLite)."""
        if self._pg_name and self.base_url:
            import psycopg

            admin, _ = _admin_conninfo(self.base_url)
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self._pg_name}" WITH (FORCE)')
            self._pg_name = None
        if self._tmp:
            shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self) -> str:
        return self.create()

    def __exit__(self, *exc: object) -> None:
        self.drop()


class LiveServer:
    """`tribes serve --port <free port>` in a subprocess; `.url` is its base URL."""

    def __init__(
        self,
        database_url: str | None = None,
        redis_url: str | None = None,
        env: dict[str, str] | None = None,
        startup_timeout: float = 60.0,
        args: tuple[str, ...] = (),
    ) -> None:
        self.workdir = tempfile.mkdtemp(prefix="tribes-live-")
        self._own_db = LiveDatabase(directory=self.workdir) if database_url is None else None
        self.database_url = database_url or ""
        self.redis_url = redis_url
        self.extra_env = env or {}
        self.startup_timeout = startup_timeout
        self.args = args
        self.port = 0
        self.url = ""
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = Path(self.workdir) / "server.log"

    def environment(self) -> dict[str, str]:
        """The server's environment: no inherited TRIBES_* settings, then ours."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("TRIBES_")}
        env.update(RAISED_LIMITS)
        env.update(
            TRIBES_DATABASE_URL=self.database_url,
            TRIBES_SECRET_KEY="live-test-" + secrets.token_hex(16),
            TRIBES_INSTANCE_PATH=str(Path(self.workdir) / "instance"),
            TRIBES_ARGON2_TIME_COST="1",
            TRIBES_ARGON2_MEMORY_COST="8192",
            PYTHONUNBUFFERED="1",
        )
        if self.redis_url:
            env["TRIBES_REDIS_URL"] = self.redis_url
        env.update(self.extra_env)
        return env

    def command(self) -> list[str]:
        """`tribes serve` from the running interpreter's environment."""
        script = Path(sys.executable).parent / "tribes"
        base = [str(script)] if script.exists() else [sys.executable, "-m", "tribes.cli"]
        return [*base, "serve", "--host", "127.0.0.1", "--port", str(self.port), *self.args]

    def start(self) -> LiveServer:
        """Start the server and wait until /api/v1/auth/session answers."""
        if self._own_db is not None:
            self.database_url = self._own_db.create()
        for _attempt in range(3):
            self.port = free_port()
            self.url = f"http://127.0.0.1:{self.port}"
            with open(self.log_path, "ab") as log:
                self.process = subprocess.Popen(
                    self.command(), env=self.environment(), cwd=self.workdir,
                    stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                )
            if self._wait_ready():
                return self
            if "Address already in use" not in self.log():
                break
        output = self.log()
        self.stop()
        raise RuntimeError(f"tribes serve did not start; its output:\n{output[-4000:]}")

    def _wait_ready(self) -> bool:
        """Poll the session endpoint until it answers 200; False if the process died or timed out."""
        assert self.process is not None
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                with urllib.request.urlopen(self.url + "/api/v1/auth/session", timeout=2) as response:
                    if response.status == 200:
                        return True
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.1)
        self._terminate()
        return False

    def log(self) -> str:
        """Everything the server printed so far."""
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def _terminate(self) -> None:
        """SIGTERM, then SIGKILL after a grace period."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def stop(self) -> None:
        """Stop the server, drop its own database and remove its working directory."""
        self._terminate()
        self.process = None
        if self._own_db is not None:
            self._own_db.drop()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@pytest.fixture
def live_server_factory(request: pytest.FixtureRequest) -> Iterator[Callable[..., LiveServer]]:
    """Start LiveServers with any LiveServer arguments; all are stopped after the test.

    When the test failed, each server's output is printed (pytest shows it in the report).
    """
    servers: list[LiveServer] = []

    def start(**kwargs: Any) -> LiveServer:
        server = LiveServer(**kwargs).start()
        servers.append(server)
        return server

    yield start
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        for server in servers:
            print(f"--- output of tribes serve at {server.url} ---\n{server.log()[-8000:]}")
    for server in reversed(servers):
        with contextlib.suppress(Exception):
            server.stop()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Keep each phase's report on the test item (to print server output after a failure)."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture
def live_database() -> Iterator[Callable[[], str]]:
    """Create databases owned by the test (to share between several servers); dropped after."""
    databases: list[LiveDatabase] = []

    def create() -> str:
        database = LiveDatabase()
        databases.append(database)
        return database.create()

    yield create
    for database in databases:
        database.drop()


@pytest.fixture
def live_server(live_server_factory: Callable[..., LiveServer]) -> LiveServer:
    """One `tribes serve` with its own fresh database, for this test."""
    return live_server_factory()
