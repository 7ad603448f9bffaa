"""The site's registration modes over real HTTP against `tribes serve`: open, invite-only (the
invite is the one way in), closed."""

from __future__ import annotations

import pytest
import requests
from sqlalchemy import create_engine, text

from tests.chat.live_helpers import PASSWORD, LiveUser, make_tribe
from tests.live_server import LiveServer

pytestmark = pytest.mark.slow


def _register(server: LiveServer, email: str, **extra: str) -> requests.Response:
    return requests.post(f"{server.url}/api/v1/auth/register", json={
        "email": email, "password": PASSWORD, "display_name": email.split("@")[0], **extra}, timeout=15)


def test_registration_modes_over_http(live_server: LiveServer) -> None:
    admin = LiveUser(live_server.url)
    engine = create_engine(live_server.database_url)
    try:
        with engine.begin() as conn:   # as after `tribes admin grant`
            conn.execute(text("UPDATE users SET site_admin = true WHERE id = :id"), {"id": admin.user["id"]})
    finally:
        engine.dispose()
    slug = make_tribe(admin, [])
    token = admin.call("POST", f"tribes/{slug}/invites", {"max_uses": 5}).json()["token"]
    assert requests.get(f"{live_server.url}/api/v1/site", timeout=15).json()["registration"] == "open"
    assert _register(live_server, "open@example.test").status_code == 201

    assert admin.call("PATCH", "site/settings", {"registration": "invite_only"}).status_code == 200
    refused = _register(live_server, "alone@example.test")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    assert "invite-only" in requests.get(f"{live_server.url}/login", timeout=15).text
    invited = _register(live_server, "invited@example.test", invite_token=token)
    assert invited.status_code == 201

    assert admin.call("PATCH", "site/settings", {"registration": "closed"}).status_code == 200
    assert _register(live_server, "late@example.test", invite_token=token).status_code == 403
    assert requests.get(f"{live_server.url}/api/v1/site", timeout=15).json()["registration"] == "closed"
