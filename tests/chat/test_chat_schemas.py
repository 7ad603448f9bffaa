"""Every chat and moderation API view declares its response: a schema, or 204 (no body)."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.mark.parametrize("blueprint", ["chat_api", "moderation_api"])
def test_every_endpoint_declares_its_response(app: Any, blueprint: str) -> None:
    views = {name: view for name, view in app.view_functions.items() if name.startswith(f"{blueprint}.")}
    assert views, f"no views of {blueprint}"
    undeclared = [
        name for name, view in views.items()
        if getattr(view, "_tribes_response", None) is None and getattr(view, "_tribes_status", None) != 204
    ]
    assert undeclared == []


def test_socket_and_rest_share_the_message_schema(make_user: Any, make_tribe: Any, make_socket: Any) -> None:
    alice = make_user()
    tribe = make_tribe(owner=alice)
    sock = make_socket(alice)
    ack = sock.emit("send", {"tribe": tribe["slug"], "body": "hi", "client_id": "c1"}, callback=True)
    rest = alice.get(f"tribes/{tribe['slug']}/messages").get_json()["items"][0]
    assert ack["ok"] is True and ack["message"] == rest
    assert set(rest) == {"id", "tribe", "author", "body", "created_at", "edited_at", "deleted", "client_id"}
