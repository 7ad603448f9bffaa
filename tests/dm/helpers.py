"""Helpers of the direct-message tests: contacts, conversations, messages."""

from __future__ import annotations

import itertools
from typing import Any

_ids = itertools.count(1)


def befriend(a: Any, b: Any, make_tribe: Any) -> None:
    """Make a and b contacts (they share a tribe for the request)."""
    make_tribe(a, [b])
    sent = a.post("contacts/requests", {"user_id": b.user["id"]})
    assert sent.status_code == 202, sent.get_json()
    accepted = b.post(f"contacts/requests/{sent.get_json()['id']}/accept")
    assert accepted.status_code == 200, accepted.get_json()


def start(a: Any, *others: Any, body: str | None = None) -> dict[str, Any]:
    """a starts (or reopens) the conversation with others; the conversation object."""
    payload: dict[str, Any] = {"user_ids": [o.user["id"] for o in others]}
    if body is not None:
        payload["message"] = {"body": body, "client_id": f"c{next(_ids)}"}
    response = a.post("conversations", payload)
    assert response.status_code in (200, 201), response.get_json()
    return response.get_json()


def say(a: Any, conversation_id: int, body: str, client_id: str | None = None) -> dict[str, Any]:
    """a posts in the conversation; the message."""
    response = a.post(f"conversations/{conversation_id}/messages",
                      {"body": body, "client_id": client_id or f"c{next(_ids)}"})
    assert response.status_code in (200, 201), response.get_json()
    return response.get_json()


def bodies(a: Any, conversation_id: int) -> list[str]:
    """The bodies a can read in the conversation, oldest first."""
    response = a.get(f"conversations/{conversation_id}/messages?after=0")
    assert response.status_code == 200, response.get_json()
    return [m["body"] for m in response.get_json()["items"]]
