"""Helpers for announcement tests: a tribe with members, meetups, the real SMTP server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.live_server import (  # noqa: F401  (live-server fixtures for test_announcements_live_server)
    live_database,
    live_server,
    live_server_factory,
    pytest_runtest_makereport,
)
from tests.mail.conftest import smtp_server  # noqa: F401  (re-exported fixture)
from tests.notifications.conftest import mailbox  # noqa: F401  (re-exported fixture)


@pytest.fixture
def new_meetup() -> Any:
    """Create a meetup through the API as `client` and return the JSON."""

    def factory(client: Any, slug: str, **fields: Any) -> dict[str, Any]:
        start = (datetime.now(UTC) + timedelta(days=3)).replace(second=0, microsecond=0)
        body = {"title": "Theme evening", "starts_at": start.isoformat(),
                "ends_at": (start + timedelta(hours=2)).isoformat(), "timezone": "Europe/Berlin", **fields}
        response = client.post(f"tribes/{slug}/meetups", body)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    return factory


def announce(client: Any, slug: str, **fields: Any) -> Any:
    """POST an announcement (title and body filled in unless given)."""
    body = {"title": "Room change", "body": "We meet in room 7 tonight.", **fields}
    return client.post(f"tribes/{slug}/announcements", body)


def announced(client: Any, slug: str, **fields: Any) -> dict[str, Any]:
    """POST an announcement that must succeed; its JSON."""
    response = announce(client, slug, **fields)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def announcement_notes(client: Any) -> list[dict[str, Any]]:
    """The client's announcement notifications, newest first."""
    items = client.get("notifications?limit=200").get_json()["items"]
    return [n for n in items if n["kind"] == "announcement"]
