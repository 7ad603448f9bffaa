"""Fixtures: one app per session, a clean database per test, factories and an API client."""

from __future__ import annotations

import functools
import itertools
import os
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event, text

from tests.openapi_check import check_response
from tribes import create_app
from tribes.db import Base
from tribes.extensions import db as database
from tribes.extensions import limiter, socketio

PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)

#: limits high enough that ordinary tests never meet them; limit tests lower them
TEST_LIMITS = {
    "LIMIT_REGISTER": "10000 per hour",
    "LIMIT_LOGIN": "10000 per hour",
    "LIMIT_LOGIN_IP": "10000 per hour",
    "LIMIT_CHAT": "10000 per minute",
    "LIMIT_CHAT_NEW_MEMBER": "10000 per minute",
    "LIMIT_CONTACT_REQUESTS": "10000 per day",
    "LIMIT_CONTACT_REQUESTS_NEW": "10000 per day",
    "LIMIT_JOIN_REQUESTS": "10000 per day",
    "LIMIT_JOIN_REQUESTS_NEW": "10000 per day",
    "LIMIT_INVITES": "10000 per day",
    "LIMIT_DM": "10000 per minute",
    "LIMIT_MESSAGE_REQUESTS": "10000 per day",
    "LIMIT_MESSAGE_REQUESTS_NEW": "10000 per day",
    "LIMIT_REPORTS": "10000 per day",
    "LIMIT_CHECKIN": "10000 per minute",
    "LIMIT_TRIBES": "10000 per day",
    "LIMIT_TRIBES_NEW": "10000 per day",
    "LIMIT_ANNOUNCEMENTS": "10000 per day",
}


def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """PostgreSQL when TRIBES_TEST_DATABASE_URL is set, else a SQLite file."""
    url = os.environ.get("TRIBES_TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The app, bound to a fresh schema."""
    url = database_url(tmp_path_factory)
    application = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "DATABASE_URL": url,
            "INSTANCE_PATH": str(tmp_path_factory.mktemp("instance")),
            "ARGON2_TIME_COST": 1,
            "ARGON2_MEMORY_COST": 8192,
            "REDIS_URL": None,
            "RUN_BACKGROUND_JOBS": False,
            "SERVER_NAME": "localhost",
            **TEST_LIMITS,
        }
    )
    import tribes.models  # noqa: F401

    with application.app_context():
        Base.metadata.drop_all(database.engine)
        Base.metadata.create_all(database.engine)
    yield application
    database.engine.dispose()


def _clean(engine: Any) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(text(f'DELETE FROM "{table}"'))


@pytest.fixture(autouse=True)
def _clean_database(app: Any) -> Iterator[None]:
    """Each test starts with empty tables, fresh limits and config."""
    saved = dict(app.config)
    with app.app_context():
        limiter.reset()
    yield
    app.config.clear()
    app.config.update(saved)
    database.remove()
    _clean(database.engine)


@pytest.fixture
def session(app: Any) -> Iterator[Any]:
    """The scoped database session inside an app context."""
    with app.app_context():
        yield database.session


class ApiClient:
    """A Flask test client that speaks the JSON API and carries the CSRF token."""

    def __init__(self, flask_client: Any) -> None:
        self.http = flask_client
        self.csrf: str | None = None
        self.user: dict[str, Any] | None = None

    def _call(self, method: str, path: str, json: Any = None, **kwargs: Any) -> Any:
        headers = kwargs.pop("headers", {})
        if method in ("POST", "PUT", "PATCH", "DELETE") and self.csrf and "X-CSRF-Token" not in headers:
            headers["X-CSRF-Token"] = self.csrf
        if not path.startswith("/"):
            path = "/api/v1/" + path
        # A fresh app context per request: a test holding the `session` fixture's context
        # must not share `g` (Flask-Login's cached user, the CSRF token) between clients.
        with self.http.application.app_context():
            response = self.http.open(path, method=method, json=json, headers=headers, **kwargs)
        body = response.get_json(silent=True)
        check_response(self.http.application, method, path, response.status_code, body)
        if isinstance(body, dict) and "csrf_token" in body:
            self.csrf = body["csrf_token"]
            if "user" in body:
                self.user = body["user"]
        return response

    def get(self, path: str, **kw: Any) -> Any:
        return self._call("GET", path, **kw)

    def post(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self._call("POST", path, json, **kw)

    def put(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self._call("PUT", path, json, **kw)

    def patch(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self._call("PATCH", path, json, **kw)

    def delete(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self._call("DELETE", path, json, **kw)

    def login(self, email: str, password: str = PASSWORD) -> Any:
        return self.post("auth/login", {"email": email, "password": password})


@pytest.fixture
def make_client(app: Any) -> Any:
    """Factory of fresh API clients (each with its own cookie jar)."""

    def factory() -> ApiClient:
        return ApiClient(app.test_client())

    return factory


@pytest.fixture
def client(make_client: Any) -> ApiClient:
    """An anonymous API client."""
    return make_client()


@pytest.fixture
def make_user(app: Any, make_client: Any) -> Any:
    """Register a user over the API; returns a logged-in ApiClient with `.user` set."""

    def factory(
        display_name: str | None = None, email: str | None = None, password: str = PASSWORD, verified: bool = True,
    ) -> ApiClient:
        n = next(_counter)
        api = make_client()
        response = api.post(
            "auth/register",
            {
                "email": email or f"user{n}@example.test",
                "password": password,
                "display_name": display_name or f"User {n}",
            },
        )
        assert response.status_code == 201, response.get_json()
        if verified:  # as if the person followed the link mailed at registration
            from sqlalchemy import delete, update

            from tribes.accounts.models import User
            from tribes.extensions import db
            from tribes.mail.models import EmailToken, OutboxMail

            assert db.engine is not None
            with db.engine.begin() as connection:
                connection.execute(update(User).where(User.id == api.user["id"]).values(email_verified=True))
                # the link was followed: neither it nor its mail is left over
                connection.execute(delete(EmailToken).where(EmailToken.user_id == api.user["id"]))
                connection.execute(delete(OutboxMail).where(OutboxMail.user_id == api.user["id"],
                                                            OutboxMail.kind == "verify_email"))
            api.user["email_verified"] = True
        return api

    return factory


def join(inviter: ApiClient, member: ApiClient, slug: str) -> None:
    """Bring `member` into the tribe through a fresh invite made by `inviter`."""
    invite = inviter.post(f"tribes/{slug}/invites", {})
    assert invite.status_code == 201, invite.get_json()
    accepted = member.post(f"invites/{invite.get_json()['token']}/accept")
    assert accepted.status_code == 200, accepted.get_json()


@pytest.fixture
def make_tribe(make_user: Any) -> Any:
    """Create a tribe owned by `owner` (a client), with `members` (clients) joined by invite."""

    def factory(owner: ApiClient | None = None, members: list[ApiClient] = (), **fields: Any) -> dict[str, Any]:
        owner = owner or make_user()
        fields.setdefault("name", f"Tribe {next(_counter)}")
        response = owner.post("tribes", fields)
        assert response.status_code == 201, response.get_json()
        tribe = response.get_json()
        for member in members:
            join(owner, member, tribe["slug"])
        tribe["owner"] = owner
        return tribe

    return factory


class QueryCounter:
    """Records the SQL statements sent through the engine while active.

    `.statements` holds their text, `.count` how many there are, `.selects` the ones
    that start with SELECT; `.reset()` forgets them and `measure(fn)` runs `fn` alone.
    """

    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)

    @count.setter
    def count(self, value: int) -> None:
        """`counter.count = 0` is the older spelling of `counter.reset()`."""
        if value != 0:
            raise ValueError("a QueryCounter can only be reset to 0")
        self.reset()

    @property
    def selects(self) -> list[str]:
        return [s for s in self.statements if s.lstrip().upper().startswith("SELECT")]

    def reset(self) -> None:
        self.statements.clear()

    def measure(self, fn: Any) -> tuple[Any, int]:
        """Run `fn` on a fresh count: (its result, how many statements it sent).

        `.statements` and `.selects` then hold what `fn` sent.
        """
        self.reset()
        result = fn()
        return result, self.count


@pytest.fixture
def count_queries(app: Any) -> Iterator[QueryCounter]:
    """A statement recorder on the app's engine for the whole test (`.reset()` before the part to measure)."""
    counter = QueryCounter()
    event.listen(database.engine, "before_cursor_execute", counter)
    yield counter
    event.remove(database.engine, "before_cursor_execute", counter)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """How many documented success responses the run checked against the OpenAPI document."""
    from tests.openapi_check import documented_successes, validated

    total = documented_successes()
    if total and validated:
        terminalreporter.write_line(
            f"OpenAPI: {len(total & validated)} of {len(total)} documented success responses were "
            "checked against the document"
        )


#: fixtures that start a real `tribes serve` or a browser: tests using them are `slow`
SLOW_FIXTURES = {"live_server", "live_server_factory", "browser", "new_page"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark browser and live-server tests `slow` (`pytest -m "not slow"` is the fast loop)."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        in_slow_dir = any(part in ("e2e", "live") for part in item.path.parts)
        if fixtures & SLOW_FIXTURES or in_slow_dir or "LiveServer" in _source_of(item):
            item.add_marker(pytest.mark.slow)


def _source_of(item: pytest.Item) -> str:
    """The text of the test's module (tests that start servers by hand name LiveServer)."""
    return _read(item.path)


@functools.cache
def _read(path: Any) -> str:
    try:
        return str(path.read_text())
    except OSError:
        return ""


@pytest.fixture
def make_socket(app: Any) -> Iterator[Any]:
    """Open Socket.IO test clients with the cookies of an ApiClient (closed after the test)."""
    opened: list[Any] = []

    def factory(api: Any, **kwargs: Any) -> Any:
        sock = socketio.test_client(app, flask_test_client=api.http, **kwargs)
        opened.append(sock)
        return sock

    yield factory
    for sock in opened:
        if sock.is_connected():
            sock.disconnect()
