"""Reminders: to going members, once, moved with the meetup, never when cancelled."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from tests.meetups.conftest import iso
from tribes.extensions import db
from tribes.meetups.reminders import send_due_reminders
from tribes.notifications.models import Notification


def reminders(app: Any, user_id: int) -> list[dict[str, Any]]:
    """The reminder notifications a user got."""
    with app.app_context():
        rows = db.session.scalars(
            select(Notification).where(Notification.user_id == user_id, Notification.kind == "meetup_reminder")
        ).all()
        return [n.data for n in rows]


def run_at(app: Any, now: datetime) -> int:
    """One reminder pass at `now`, committed."""
    with app.app_context():
        sent = send_due_reminders(db.session, now)
        db.session.commit()
        db.remove()
        return sent


def _setup(crowd: Any, new_meetup: Any, start: datetime) -> tuple[dict[str, Any], Any, list[Any]]:
    tribe, owner, (going, maybe, waiting) = crowd(3)
    m = new_meetup(owner, tribe["slug"], capacity=1, start=start)
    going.put(f"meetups/{m['id']}/rsvp", {"status": "going"})
    maybe.put(f"meetups/{m['id']}/rsvp", {"status": "maybe"})
    waiting.put(f"meetups/{m['id']}/rsvp", {"status": "going"})
    return m, owner, [going, maybe, waiting]


def test_reminder_goes_to_going_members_once_at_the_lead_time(app: Any, crowd: Any, new_meetup: Any) -> None:
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=5)
    m, _, (going, maybe, waiting) = _setup(crowd, new_meetup, start)
    assert run_at(app, start - timedelta(minutes=1441)) == 0  # a minute too early (default lead 24 h)
    assert reminders(app, going.user["id"]) == []
    assert run_at(app, start - timedelta(minutes=1440)) == 1
    assert run_at(app, start - timedelta(minutes=600)) == 0  # never twice
    [note] = reminders(app, going.user["id"])
    assert note["meetup_id"] == m["id"] and note["starts_at"] == start.isoformat()
    assert reminders(app, maybe.user["id"]) == [] and reminders(app, waiting.user["id"]) == []
    assert run_at(app, start + timedelta(minutes=1)) == 0  # started: nothing


def test_lead_time_comes_from_config(app: Any, crowd: Any, new_meetup: Any) -> None:
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=5)
    _, _, (going, _, _) = _setup(crowd, new_meetup, start)
    app.config["MEETUP_REMINDER_MINUTES"] = 60
    assert run_at(app, start - timedelta(minutes=61)) == 0
    assert run_at(app, start - timedelta(minutes=59)) == 1
    assert len(reminders(app, going.user["id"])) == 1


def test_moved_meetup_is_reminded_at_the_new_time_not_the_old(app: Any, crowd: Any, new_meetup: Any) -> None:
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=5)
    m, owner, (going, _, _) = _setup(crowd, new_meetup, start)
    later = start + timedelta(days=2)
    owner.patch(f"meetups/{m['id']}", {"starts_at": iso(later), "ends_at": iso(later + timedelta(hours=2))})
    assert run_at(app, start - timedelta(hours=1)) == 0  # the old time no longer counts
    assert run_at(app, later - timedelta(hours=1)) == 1
    # reminded, then moved earlier: a fresh reminder for the new time
    earlier = later - timedelta(hours=5)
    owner.patch(f"meetups/{m['id']}", {"starts_at": iso(earlier), "ends_at": iso(earlier + timedelta(hours=1))})
    assert run_at(app, earlier - timedelta(hours=1)) == 1
    notes = reminders(app, going.user["id"])
    assert [n["starts_at"] for n in notes] == [later.isoformat(), earlier.isoformat()]


def test_cancelled_meetup_is_never_reminded(app: Any, crowd: Any, new_meetup: Any) -> None:
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=5)
    m, owner, (going, _, _) = _setup(crowd, new_meetup, start)
    owner.post(f"meetups/{m['id']}/cancel", {})
    assert run_at(app, start - timedelta(hours=1)) == 0
    assert reminders(app, going.user["id"]) == []


def test_concurrent_workers_send_each_reminder_exactly_once(app: Any, crowd: Any, new_meetup: Any) -> None:
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=5)
    tribe, owner, members = crowd(3)
    ids = []
    for i in range(6):
        m = new_meetup(owner, tribe["slug"], start=start + timedelta(minutes=i))
        ids.append(m["id"])
        for member in members:
            member.put(f"meetups/{m['id']}/rsvp", {"status": "going"})
    now = start - timedelta(minutes=30)
    barrier = threading.Barrier(8)
    sent: list[int] = []

    def worker() -> None:
        barrier.wait()
        sent.append(run_at(app, now))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sum(sent) == 6
    for member in members:
        assert sorted(n["meetup_id"] for n in reminders(app, member.user["id"])) == sorted(ids)


def test_worker_command_runs_a_pass(app: Any, crowd: Any, new_meetup: Any, tmp_path: Any) -> None:
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=3)
    _, _, (going, _, _) = _setup(crowd, new_meetup, start)
    env = {**os.environ, "TRIBES_DATABASE_URL": app.config["DATABASE_URL"], "TRIBES_INSTANCE_PATH": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "tribes.cli", "worker", "--once"], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert len(reminders(app, going.user["id"])) == 1
