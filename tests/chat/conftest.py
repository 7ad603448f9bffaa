"""Chat fixtures: Socket.IO test clients bound to logged-in API clients."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from tests.live_server import (  # noqa: F401
    live_database,
    live_server,
    live_server_factory,
    pytest_runtest_makereport,
)
from tribes.extensions import db

_ids = itertools.count(1)


@pytest.fixture
def in_db(app: Any) -> Any:
    """Run fn(session) in a short app context (requests must not share one: CSRF lives in g)."""

    def run(fn: Any) -> Any:
        with app.app_context():
            try:
                return fn(db.session)
            finally:
                db.remove()

    return run


def client_id() -> str:
    """A fresh client-side message id."""
    return f"c-{next(_ids)}"


def send(sock: Any, slug: str, body: str, cid: str | None = None) -> Any:
    """Send a chat message over the socket and return the acknowledgement."""
    return sock.emit("send", {"tribe": slug, "body": body, "client_id": cid or client_id()}, callback=True)


def events_named(sock: Any, name: str) -> list[Any]:
    """The payloads of received events with this name (consumes everything received)."""
    return [payload(e) for e in sock.get_received() if e["name"] == name]


def payload(received: dict[str, Any]) -> Any:
    """The first argument of a received event (the test client unwraps `message`)."""
    args = received["args"]
    return args if received["name"] in ("message", "json") else args[0]
