"""Helpers for meetup tests: a tribe with an organiser, and a meetup factory."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.live_server import (  # noqa: F401  (live-server fixtures for test_meetups_live)
    live_database,
    live_server_factory,
    pytest_runtest_makereport,
)
from tests.mail.conftest import smtp_server  # noqa: F401  (a real SMTP server for the meetup mail tests)


def iso(dt: datetime) -> str:
    """ISO 8601 with offset."""
    return dt.isoformat()


def soon(days: float = 3, hours: float = 0) -> datetime:
    """A time in the future, on the minute."""
    return (datetime.now(UTC) + timedelta(days=days, hours=hours)).replace(second=0, microsecond=0)


@pytest.fixture
def new_meetup() -> Any:
    """Create a meetup through the API as `client` and return the JSON."""

    def factory(client: Any, slug: str, **fields: Any) -> dict[str, Any]:
        start = fields.pop("start", None) or soon()
        body = {
            "title": "Theme evening",
            "starts_at": iso(start),
            "ends_at": iso(start + timedelta(hours=2)),
            "timezone": "Europe/Berlin",
            **fields,
        }
        response = client.post(f"tribes/{slug}/meetups", body)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    return factory


@pytest.fixture
def crowd(make_user: Any, make_tribe: Any) -> Any:
    """A tribe owned by an organiser-level owner with `n` plain members: (tribe, owner, members)."""

    def factory(n: int, discreet_email: bool | None = None, **tribe_fields: Any) -> tuple[dict[str, Any], Any, list[Any]]:
        members = [make_user() for _ in range(n)]
        tribe = make_tribe(members=members, **tribe_fields)
        if discreet_email is not None:  # a secret tribe mails discreetly unless told otherwise
            changed = tribe["owner"].patch(f"tribes/{tribe['slug']}", {"discreet_email": discreet_email})
            assert changed.status_code == 200, changed.get_json()
        return tribe, tribe["owner"], members

    return factory
