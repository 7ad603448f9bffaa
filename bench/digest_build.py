"""How long building and queueing every due digest takes for a big tribe.

    python bench/digest_build.py [--members 5000] [--messages 2000] [--database-url URL]

Not a test. A fresh schema (SQLite in a temporary directory, or the PostgreSQL database
given, whose tables are dropped and created), then: one listed tribe with every member, a
secret (discreet) tribe with a fifth of them, chat messages from random members with every
member's read marker somewhere in the middle, ten upcoming meet-ups, and one digest-mode
notification per member. Then `run_digests` (what `tribes mail digest` runs) builds and
queues every digest; reported: the wall time, the SQL statements it sent and the mails queued.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, func, insert, select, update


def populate(session: Any, members: int, messages: int) -> None:
    """Members, two tribes, chat, meet-ups and notifications (bulk inserts)."""
    from tribes.accounts.models import User
    from tribes.chat.models import Message
    from tribes.db import utcnow
    from tribes.groups.models import Membership, Tribe
    from tribes.meetups.models import Meetup
    from tribes.notifications.models import Notification

    now = utcnow()
    session.execute(insert(User), [
        {"email": f"m{i}@bench.test", "password_hash": "x", "display_name": f"Member {i}", "email_verified": True,
         "timezone": random.choice(["UTC", "Europe/Berlin", "America/New_York"]), "locale": random.choice(["en", "de"])}
        for i in range(members)
    ])
    ids = list(session.scalars(select(User.id)))
    listed = Tribe(slug="big", name="Big Tribe", visibility="listed", member_count=members)
    secret = Tribe(slug="quiet", name="Quiet Tribe", visibility="secret", member_count=members // 5)
    session.add_all([listed, secret])
    session.flush()
    session.execute(insert(Membership), [{"tribe_id": listed.id, "user_id": uid, "role": "member"} for uid in ids])
    session.execute(insert(Membership), [{"tribe_id": secret.id, "user_id": uid, "role": "member"}
                                         for uid in ids[: members // 5]])
    for tribe, count in ((listed, messages), (secret, messages // 4)):
        session.execute(insert(Message), [
            {"tribe_id": tribe.id, "author_id": random.choice(ids), "body": f"message {n}", "client_id": f"b{n}",
             "created_at": now - timedelta(hours=12) + timedelta(seconds=n)}
            for n in range(count)
        ])
        top = session.scalar(select(func.max(Message.id)).where(Message.tribe_id == tribe.id)) or 0
        session.execute(update(Membership).where(Membership.tribe_id == tribe.id)
                        .values(last_read_message_id=top - count // 2))
    for n in range(10):
        start = now + timedelta(days=3 + n)
        session.add(Meetup(tribe_id=listed.id, created_by_id=ids[0], title=f"Meet-up {n}", starts_at=start,
                           ends_at=start + timedelta(hours=2), timezone="UTC", uid=f"bench-{n}@tribes"))
    session.execute(insert(Notification), [
        {"user_id": uid, "kind": "report_handled", "data": {"report_id": 1, "tribe": {"slug": "big", "name": "Big"}},
         "tribe_id": listed.id, "created_at": now}
        for uid in ids
    ])
    session.commit()


def main() -> None:
    """Populate, run, report."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=5000)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    from tribes import create_app
    from tribes.db import Base
    from tribes.digest.jobs import run_digests
    from tribes.extensions import db
    from tribes.mail.models import OutboxMail

    temp = Path(tempfile.mkdtemp())
    url = args.database_url or f"sqlite:///{temp / 'bench.db'}"
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(temp), "RUN_BACKGROUND_JOBS": False,
                      "SECRET_KEY": "bench", "BASE_URL": "https://tribes.example"})
    import tribes.models  # noqa: F401

    with app.app_context():
        Base.metadata.drop_all(db.engine)
        Base.metadata.create_all(db.engine)
        started = time.perf_counter()
        populate(db.session, args.members, args.messages)
        print(f"populated in {time.perf_counter() - started:.1f} s")
        db.remove()
        statements: list[str] = []
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    started = time.perf_counter()
    queued = run_digests(app, by_clock=False)
    elapsed = time.perf_counter() - started
    with app.app_context():
        mails = db.session.scalar(select(func.count()).select_from(OutboxMail))
        sample = db.session.scalars(select(OutboxMail.message).limit(1)).first()
        db.remove()
    dialect = url.split(":", 1)[0]
    print(f"{dialect}: {args.members} members, {queued} digests queued ({mails} outbox rows) in {elapsed:.2f} s "
          f"({elapsed / max(queued, 1) * 1000:.2f} ms per digest), {len(statements)} SQL statements")
    if sample:
        print(sample.split("\n\n", 1)[0][:0] or "sample digest body (first lines):")
        body = sample.split("\r\n\r\n", 1)[1] if "\r\n\r\n" in sample else sample
        print("\n".join(body.splitlines()[:14]))


if __name__ == "__main__":
    main()
