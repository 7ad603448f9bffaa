"""Capacity under concurrency: 30 users RSVP at once to 5 seats (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import func, select


def _fire(clients: list[Any], method: str, path: str, body: dict[str, Any]) -> list[Any]:
    """Send one request per client, all released at the same moment; return the responses."""
    barrier = threading.Barrier(len(clients))
    results: list[Any] = [None] * len(clients)

    def run(i: int, client: Any) -> None:
        barrier.wait()
        results[i] = getattr(client, method)(path, body)

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_thirty_concurrent_rsvps_never_overbook(app: Any, crowd: Any, new_meetup: Any) -> None:
    tribe, owner, members = crowd(30)
    m = new_meetup(owner, tribe["slug"], capacity=5)
    responses = _fire(members, "put", f"meetups/{m['id']}/rsvp", {"status": "going"})
    assert all(r.status_code == 200 for r in responses), [r.get_json() for r in responses if r.status_code != 200]
    answers = [r.get_json() for r in responses]
    assert sum(a["status"] == "going" for a in answers) == 5
    waiting = [a for a in answers if a["status"] == "waitlisted"]
    assert len(waiting) == 25
    assert sorted(a["waitlist_position"] for a in waiting) == list(range(1, 26))
    meetup = owner.get(f"meetups/{m['id']}").get_json()
    assert meetup["going_count"] == 5 and meetup["waitlist_count"] == 25
    from tribes.extensions import db
    from tribes.meetups.models import Rsvp

    with app.app_context():
        going = db.session.scalar(select(func.count()).where(Rsvp.meetup_id == m["id"], Rsvp.status == "going"))
        assert going == 5


def test_concurrent_cancellations_promote_each_waiter_once(app: Any, crowd: Any, new_meetup: Any) -> None:
    tribe, owner, members = crowd(12)
    m = new_meetup(owner, tribe["slug"], capacity=4)
    url = f"meetups/{m['id']}/rsvp"
    for member in members:  # 4 going, 8 waiting in this order
        member.put(url, {"status": "going"})
    seated, waiting = members[:4], members[4:]
    responses = _fire(seated, "put", url, {"status": "not_going"})
    assert all(r.status_code == 200 for r in responses)
    statuses = [w.get(url).get_json() for w in waiting]
    assert [s["status"] for s in statuses] == ["going"] * 4 + ["waitlisted"] * 4
    assert [s["waitlist_position"] for s in statuses[4:]] == [1, 2, 3, 4]
    assert owner.get(f"meetups/{m['id']}").get_json()["going_count"] == 4
