"""What the door costs for a big meetup: the attendee CSV, the door view, one check-in.

    python bench/door.py [--going 2000] [--questions 5] [--checkins 50] [--database-url URL]

Not a test. A fresh schema (SQLite in a temporary directory, or the PostgreSQL database given,
whose tables are dropped and created); an organiser registers and schedules a meetup with
questions over the API (the Flask test client, in-process); N members going with answers are
bulk-inserted. Reported: wall time and SQL statements of `GET /meetups/{id}/attendees.csv`,
`GET /meetups/{id}/door`, `GET /meetups/{id}/attendees` (first page), and per check-in
(`POST /meetups/{id}/checkin {user_id}`), median of the runs.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, insert, select


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--going", type=int, default=2000)
    parser.add_argument("--questions", type=int, default=5)
    parser.add_argument("--checkins", type=int, default=50)
    parser.add_argument("--database-url")
    args = parser.parse_args()

    from tribes import create_app
    from tribes.accounts.models import User
    from tribes.db import Base, utcnow
    from tribes.extensions import db
    from tribes.groups.models import Membership, Tribe
    from tribes.meetups.models import Rsvp

    temp = Path(tempfile.mkdtemp())
    url = args.database_url or f"sqlite:///{temp / 'bench.db'}"
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(temp), "RUN_BACKGROUND_JOBS": False,
                      "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False})
    import tribes.models  # noqa: F401

    with app.app_context():
        Base.metadata.drop_all(db.engine)
        Base.metadata.create_all(db.engine)
        db.remove()
    client = app.test_client()
    token = client.post("/api/v1/auth/register", json={"email": "org@bench.test", "password": "correct horse battery",
                                                       "display_name": "Organiser"}).get_json()["csrf_token"]
    headers = {"X-CSRF-Token": token}
    slug = client.post("/api/v1/tribes", json={"name": "Door Bench"}, headers=headers).get_json()["slug"]
    start = (utcnow() + timedelta(days=2)).replace(microsecond=0)
    meetup = client.post(f"/api/v1/tribes/{slug}/meetups", headers=headers, json={
        "title": "Big night", "starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=3)).isoformat(),
        "timezone": "Europe/Berlin", "questions": [{"text": f"Question {n}?", "required": n == 0}
                                                   for n in range(args.questions)]}).get_json()
    questions = [str(q["id"]) for q in meetup["questions"]]
    with app.app_context():
        tribe_id = db.session.scalar(select(Tribe.id).where(Tribe.slug == slug))
        db.session.execute(insert(User), [{"email": f"m{i}@bench.test", "password_hash": "x",
                                           "display_name": f"=Member {i}", "email_verified": True}
                                          for i in range(args.going)])
        ids = list(db.session.scalars(select(User.id).where(User.email.like("m%@bench.test"))))
        db.session.execute(insert(Membership), [{"tribe_id": tribe_id, "user_id": uid, "role": "member"} for uid in ids])
        now = utcnow()
        db.session.execute(insert(Rsvp), [
            {"meetup_id": meetup["id"], "user_id": uid, "status": "going", "guests": 0, "created_at": now,
             "updated_at": now, "answers": {q: f"answer {n} to {q}" for q in questions}}
            for n, uid in enumerate(ids)])
        db.session.commit()
        db.remove()
        statements: list[str] = []
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))

    def measure(label: str, call: Any, runs: int = 5) -> None:
        times, counts = [], []
        for _ in range(runs):
            statements.clear()
            began = time.perf_counter()
            response = call()
            times.append((time.perf_counter() - began) * 1000)
            counts.append(len(statements))
            assert response.status_code == 200, (label, response.status_code)
        size = len(response.get_data())
        print(f"{label:42} {statistics.median(times):9.1f} ms  {max(counts):4} SQL  {size:>9} bytes")

    mid = meetup["id"]
    dialect = url.split(":", 1)[0]
    print(f"{dialect}: {args.going} going, {args.questions} questions")
    measure("GET attendees.csv", lambda: client.get(f"/api/v1/meetups/{mid}/attendees.csv"))
    measure("GET /meetups/<id>/door", lambda: client.get(f"/meetups/{mid}/door"))
    measure("GET attendees (first page)", lambda: client.get(f"/api/v1/meetups/{mid}/attendees"))
    who = iter(ids)
    measure("POST checkin {user_id} (median of runs)",
            lambda: client.post(f"/api/v1/meetups/{mid}/checkin", json={"user_id": next(who)}, headers=headers),
            runs=args.checkins)


if __name__ == "__main__":
    main()
