"""The core journey over real HTTP against `tribes serve` running as a subprocess."""

from __future__ import annotations

from typing import Any

import requests

from tests.live_server import LiveServer

PASSWORD = "live journey passphrase"


class Http:
    """A requests session that keeps cookies and sends the CSRF header on writes."""

    def __init__(self, base: str) -> None:
        self.base = base + "/api/v1/"
        self.session = requests.Session()
        self.csrf = ""

    def call(self, method: str, path: str, json: Any = None) -> requests.Response:
        """Send a request; remember the CSRF token the server hands out."""
        headers = {"X-CSRF-Token": self.csrf} if method != "GET" and self.csrf else {}
        response = self.session.request(method, self.base + path, json=json, headers=headers, timeout=15)
        if response.headers.get("Content-Type", "").startswith("application/json"):
            body = response.json()
            if isinstance(body, dict) and "csrf_token" in body:
                self.csrf = body["csrf_token"]
        return response


def register(server: LiveServer, email: str, name: str) -> Http:
    """A new account, logged in."""
    http = Http(server.url)
    assert http.call("GET", "auth/session").json()["user"] is None
    response = http.call("POST", "auth/register", {"email": email, "password": PASSWORD, "display_name": name})
    assert response.status_code == 201, response.text
    assert "tribes_session" in http.session.cookies
    return http


def test_register_create_invite_accept_members(live_server: LiveServer) -> None:
    owner = register(live_server, "olga@live.test", "Olga Owner")
    created = owner.call("POST", "tribes", {"name": "Live Tribe", "slug": "live-tribe"})
    assert created.status_code == 201, created.text
    assert created.json()["my_role"] == "owner"

    invite = owner.call("POST", "tribes/live-tribe/invites", {"max_uses": 1})
    assert invite.status_code == 201, invite.text
    token = invite.json()["token"]
    assert invite.json()["url"].endswith(token)

    member = register(live_server, "mia@live.test", "Mia Member")
    assert member.call("GET", "tribes/live-tribe").status_code == 404
    preview = member.call("GET", f"invites/{token}")
    assert preview.status_code == 200 and preview.json()["tribe"]["name"] == "Live Tribe"
    accepted = member.call("POST", f"invites/{token}/accept")
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["role"] == "member"

    members = member.call("GET", "tribes/live-tribe/members").json()["items"]
    assert [(m["user"]["display_name"], m["role"]) for m in members] == [
        ("Olga Owner", "owner"), ("Mia Member", "member"),
    ]
    assert members[1]["invited_by"]["display_name"] == "Olga Owner"

    third = register(live_server, "tom@live.test", "Tom Third")
    assert third.call("POST", f"invites/{token}/accept").status_code == 404


def test_writes_need_the_csrf_header_and_logout_ends_the_session(live_server: LiveServer) -> None:
    user = register(live_server, "csrf@live.test", "Casey")
    token, user.csrf = user.csrf, ""
    refused = user.call("POST", "tribes", {"name": "No Token"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "csrf_failed"
    user.csrf = token
    copied = dict(user.session.cookies)
    assert user.call("POST", "auth/logout").status_code == 204
    replay = requests.get(live_server.url + "/api/v1/tribes", cookies=copied, timeout=15)
    assert replay.status_code == 401


def test_servers_own_their_databases(live_server_factory: Any) -> None:
    first, second = live_server_factory(), live_server_factory()
    assert first.database_url != second.database_url
    register(first, "only@first.test", "Only First")
    again = Http(second.url)
    response = again.call("POST", "auth/login", {"email": "only@first.test", "password": PASSWORD})
    assert response.status_code == 401


def test_serve_demo_prints_logins_that_work(live_server_factory: Any) -> None:
    from tribes.demo import DEMO_PASSWORD, PEOPLE

    server = live_server_factory(args=("--demo",))
    assert "(demo data loaded)" in server.log() and PEOPLE[0][0] in server.log()
    ada = Http(server.url)
    response = ada.call("POST", "auth/login", {"email": PEOPLE[0][0], "password": DEMO_PASSWORD})
    assert response.status_code == 200, response.text
    slugs = {t["slug"] for t in ada.call("GET", "tribes").json()["items"]}
    assert slugs == {"dmw-berlin", "organisers-circle"}
    page = ada.session.get(server.url + "/t/dmw-berlin/members", timeout=15)
    assert page.status_code == 200 and "Cleo Member" in page.text
