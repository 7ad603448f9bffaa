"""The live journey through the shipped nginx configuration, in front of two web processes and a
worker on PostgreSQL + Redis (tests/topology.py; the CI topology run, skipped elsewhere)."""

from __future__ import annotations

import hashlib
import re
import time
from datetime import UTC, datetime, timedelta

import pytest
import requests

from tests.chat.live_helpers import LiveUser, make_tribe, wait_for
from tests.live.test_live_journey import register
from tests.topology import ROOT, Topology

pytestmark = pytest.mark.slow


def _upstream(user: LiveUser, site: Topology) -> str:
    """Which web process nginx sends this user's requests to (sticky on the session cookie)."""
    response = user.http.get(site.url + "/api/v1/auth/session", timeout=10)
    assert response.status_code == 200
    return response.headers["X-Tribes-Upstream"]


def _one_user_per_process(site: Topology) -> tuple[LiveUser, LiveUser]:
    """Register people until one is routed to each web process."""
    by_upstream: dict[str, LiveUser] = {}
    for _ in range(40):
        user = LiveUser(site.url)
        assert _upstream(user, site) == _upstream(user, site)   # sticky
        by_upstream.setdefault(_upstream(user, site), user)
        if len(by_upstream) == 2:
            break
    assert sorted(by_upstream) == sorted(site.upstream_of(w) for w in site.web)
    first, second = by_upstream.values()
    return first, second


def test_journey_and_static_files_through_nginx(topology: Topology) -> None:
    owner = register(topology, "olga@topology.test", "Olga Owner")   # type: ignore[arg-type]
    assert owner.call("POST", "tribes", {"name": "Proxy Tribe", "slug": "proxy-tribe"}).status_code == 201
    token = owner.call("POST", "tribes/proxy-tribe/invites", {}).json()["token"]
    member = register(topology, "mia@topology.test", "Mia Member")    # type: ignore[arg-type]
    assert member.call("POST", f"invites/{token}/accept").status_code == 200
    names = [m["user"]["display_name"] for m in member.call("GET", "tribes/proxy-tribe/members").json()["items"]]
    assert names == ["Olga Owner", "Mia Member"]
    sessions = owner.call("GET", "me/sessions").json()["items"]
    assert sessions[0]["ip"] == "127.0.0.1"   # X-Forwarded-For from the trusted proxy

    page = owner.session.get(topology.url + "/t/proxy-tribe", timeout=10)
    assert page.status_code == 200 and "Proxy Tribe" in page.text
    assets = re.findall(r'(?:href|src)="(/static/[^"]+\.[0-9a-f]{12}\.(?:js|css))"', page.text)
    assert assets
    for asset in assets:
        response = requests.get(topology.url + asset, timeout=10)
        plain = re.sub(r"\.[0-9a-f]{12}(\.[a-z]+)$", r"\1", asset.removeprefix("/static/"))
        assert response.status_code == 200
        assert response.content == (ROOT / "static" / plain).read_bytes()
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert response.headers.get("X-Tribes-Upstream", "") == ""   # nginx answered, no process
        assert hashlib.sha256(response.content).hexdigest()[:12] in asset
    assert requests.get(topology.url + "/readyz", timeout=10).json()["checks"] == {"database": True, "redis": True}


def test_chat_removal_and_logout_cross_processes_through_nginx(topology: Topology) -> None:
    alice, bob = _one_user_per_process(topology)
    slug = make_tribe(alice, [bob])
    a, b = alice.socket(topology.url), bob.socket(topology.url)
    try:
        assert a.call("join", {"tribe": slug})["ok"] and b.call("join", {"tribe": slug})["ok"]
        sent = [a.call("send", {"tribe": slug, "body": f"hello {n}", "client_id": f"c{n}"})["message"]["id"]
                for n in range(5)]
        wait_for(lambda: [m["id"] for m in b.named("message")] == sent)
        again = a.call("send", {"tribe": slug, "body": "hello 0", "client_id": "c0"})
        assert again["message"]["id"] == sent[0]   # idempotent through the proxy too
        reply = b.call("send", {"tribe": slug, "body": "back", "client_id": "r1"})["message"]["id"]
        wait_for(lambda: [m["id"] for m in a.named("message")][-1] == reply)
        assert alice.call("DELETE", f"tribes/{slug}/members/{bob.user['id']}", base=topology.url).status_code == 204
        wait_for(lambda: b.named("removed") == [{"tribe": slug}])
        assert b.call("send", {"tribe": slug, "body": "x", "client_id": "x"})["error"] == "not_found"
        assert alice.call("POST", "auth/logout", base=topology.url).status_code == 204
        wait_for(lambda: not a.client.connected)
    finally:
        a.close()
        b.close()


def test_reminders_and_mails_go_out_once_with_three_processes_sending(topology: Topology) -> None:
    organiser = LiveUser(topology.url)
    members = [LiveUser(topology.url) for _ in range(3)]
    slug = make_tribe(organiser, members)
    later = datetime.now(UTC) + timedelta(days=3)   # not yet due for a reminder
    meetup = organiser.call("POST", f"tribes/{slug}/meetups", {
        "title": "Soon", "starts_at": later.isoformat(), "ends_at": (later + timedelta(hours=1)).isoformat(),
        "timezone": "Europe/Berlin",
    })
    assert meetup.status_code == 201, meetup.text
    for member in members:
        assert member.call("PUT", f"meetups/{meetup.json()['id']}/rsvp", {"status": "going"}).status_code == 200
    soon = datetime.now(UTC) + timedelta(minutes=30)   # moved: due now, for every process's loop
    moved = organiser.call("PATCH", f"meetups/{meetup.json()['id']}", {
        "starts_at": soon.isoformat(), "ends_at": (soon + timedelta(hours=1)).isoformat(),
    })
    assert moved.status_code == 200, moved.text

    def reminders(user: LiveUser) -> list[dict[str, object]]:
        items = user.call("GET", "notifications").json()["items"]
        return [n for n in items if n["kind"] == "meetup_reminder"]

    wait_for(lambda: all(len(reminders(m)) >= 1 for m in members), timeout=30)
    resets = [LiveUser(topology.url) for _ in range(10)]
    for user in resets:
        assert requests.post(topology.url + "/api/v1/auth/password-reset", json={"email": user.user["email"]},
                             timeout=10).status_code == 202
    wanted = {user.user["email"] for user in resets}

    def reset_mails() -> list[str]:
        return [m["To"] for m in topology.smtp.mails if m["To"] in wanted and "/reset/" in m.get_body(("plain",)).get_content()]

    wait_for(lambda: len(reset_mails()) >= len(wanted), timeout=30)
    time.sleep(3)   # several more passes of every process's loops: nothing more may come
    assert sorted(reset_mails()) == sorted(wanted)
    ids = [m["Message-ID"] for m in topology.smtp.mails]
    assert len(ids) == len(set(ids))
    assert all(len(reminders(m)) == 1 for m in members)
