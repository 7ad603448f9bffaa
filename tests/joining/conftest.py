"""Joining tests: a listed tribe that takes join requests, and the real SMTP server."""

from __future__ import annotations

from typing import Any

import pytest

from tests.mail.conftest import smtp_server  # noqa: F401

QUESTIONS = ["What do you work on?", "Who do you know here?"]
ANSWERS = ["Type design for newspapers", "Nobody yet, I read about you"]


@pytest.fixture
def open_tribe(make_user: Any, make_tribe: Any) -> Any:
    """A listed tribe taking join requests with two questions (owner is `tribe["owner"]`)."""

    def factory(**fields: Any) -> dict[str, Any]:
        tribe = make_tribe(visibility="listed", **fields)
        answer = tribe["owner"].patch(f"tribes/{tribe['slug']}", {"join_requests": True, "join_questions": QUESTIONS})
        assert answer.status_code == 200, answer.get_json()
        return tribe

    return factory


def ask(client: Any, slug: str, answers: list[str] | None = None, message: str = "Hello!") -> Any:
    """POST a join request."""
    return client.post(f"tribes/{slug}/join-requests", {"answers": answers or ANSWERS, "message": message})


def queue(admin: Any, slug: str) -> list[dict[str, Any]]:
    """The admins' queue."""
    answer = admin.get(f"tribes/{slug}/join-requests")
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()["items"]
