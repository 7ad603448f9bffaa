"""Reminders with several real processes: two `tribes serve` and one `tribes worker`."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests

from tests.live_server import LiveServer

PASSWORD = "live reminders passphrase"


def user(base: str, email: str) -> requests.Session:
    """Register over HTTP; a session with cookie and CSRF header."""
    http = requests.Session()
    response = http.post(f"{base}/api/v1/auth/register",
                         json={"email": email, "password": PASSWORD, "display_name": email.split("@")[0]}, timeout=30)
    assert response.status_code == 201, response.text
    http.headers["X-CSRF-Token"] = response.json()["csrf_token"]
    return http


def reminder_ids(base: str, http: requests.Session) -> list[int]:
    """The meetup ids of the user's reminder notifications."""
    items = http.get(f"{base}/api/v1/notifications?limit=200", timeout=30).json()["items"]
    return sorted(n["data"]["meetup_id"] for n in items if n["kind"] == "meetup_reminder")


def test_each_reminder_is_sent_once_across_processes(live_database: Any, live_server_factory: Any, tmp_path: Path) -> None:
    url = live_database()
    env = {"TRIBES_MEETUP_REMINDER_POLL_SECONDS": "0.2", "TRIBES_SECRET_KEY": "live-meetups-shared-secret-key-0123456789"}
    first: LiveServer = live_server_factory(database_url=url, env=env)
    second: LiveServer = live_server_factory(database_url=url, env=env)
    worker_env = {**first.environment(), "TRIBES_INSTANCE_PATH": str(tmp_path)}
    script = Path(sys.executable).parent / "tribes"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "tribes.cli"]
    worker = subprocess.Popen([*command, "worker"], env=worker_env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, cwd=str(tmp_path))
    try:
        owner = user(first.url, "owner@live.test")
        slug = owner.post(f"{first.url}/api/v1/tribes", json={"name": "Live"}, timeout=30).json()["slug"]
        members = []
        for i in range(2):
            token = owner.post(f"{first.url}/api/v1/tribes/{slug}/invites", json={}, timeout=30).json()["token"]
            member = user(second.url, f"m{i}@live.test")
            assert member.post(f"{second.url}/api/v1/invites/{token}/accept", timeout=30).status_code == 200
            members.append(member)
        ids = []
        far = datetime.now(UTC) + timedelta(days=3)
        for i in range(5):  # not due yet: RSVPs first
            body = {"title": f"Soon {i}", "starts_at": far.isoformat(),
                    "ends_at": (far + timedelta(hours=1)).isoformat(), "timezone": "UTC"}
            meetup = owner.post(f"{first.url}/api/v1/tribes/{slug}/meetups", json=body, timeout=30)
            assert meetup.status_code == 201, meetup.text
            ids.append(meetup.json()["id"])
        for member in members:
            for meetup_id in ids:
                answer = member.put(f"{second.url}/api/v1/meetups/{meetup_id}/rsvp", json={"status": "going"}, timeout=30)
                assert answer.json()["status"] == "going"
        time.sleep(0.5)
        assert all(reminder_ids(first.url, m) == [] for m in members)
        soon = datetime.now(UTC) + timedelta(hours=2)
        for meetup_id in ids:  # moved into the reminder window while three processes poll
            moved = owner.patch(f"{first.url}/api/v1/meetups/{meetup_id}", timeout=30, json={
                "starts_at": soon.isoformat(), "ends_at": (soon + timedelta(hours=1)).isoformat()})
            assert moved.status_code == 200, moved.text
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and any(reminder_ids(first.url, m) != sorted(ids) for m in members):
            time.sleep(0.3)
        time.sleep(1.0)  # several more passes of every process: still once each
        for member in members:
            assert reminder_ids(first.url, member) == sorted(ids)
        assert worker.poll() is None, "the worker should keep running"
    finally:
        worker.terminate()
        worker.wait(10)
