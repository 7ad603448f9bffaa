"""The digest: what a member has not seen (digest-mode notifications, unread chat, new meet-ups),
never twice, skipped when empty, discreet where the tribe is, and `tribes mail digest`."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from tests.notifications.conftest import BASE, everything_in, text_of
from tribes.db import utcnow
from tribes.digest.jobs import run_digests
from tribes.extensions import db
from tribes.notifications.service import notify


def say(author: Any, slug: str, body: str) -> None:
    """Post a chat message."""
    assert author.post(f"tribes/{slug}/messages", {"body": body, "client_id": body}).status_code == 201


def handled(app: Any, user: Any, slug: str) -> None:
    """A digest-mode notification: a moderator handled the person's report."""
    with app.app_context():
        notify(db.session, user.user["id"], "report_handled", {"report_id": 1, "tribe": {"slug": slug, "name": "x"}})
        db.session.commit()
        db.remove()


def meetup(owner: Any, slug: str, title: str) -> dict[str, Any]:
    """A meet-up next month."""
    start = (utcnow() + timedelta(days=30)).replace(microsecond=0)
    body = {"title": title, "starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=2)).isoformat(),
            "timezone": "UTC"}
    created = owner.post(f"tribes/{slug}/meetups", body)
    assert created.status_code == 201
    return created.get_json()


def digests(mailbox: Any, client: Any) -> list[Any]:
    """The digests the client's person received (instant mails left out)."""
    return [m for m in mailbox.of(client) if "digest" in str(m["Subject"])]


def a_day_passes(app: Any) -> None:
    """A day (and a minute) passes: every last look, message and meet-up moves that much into the past."""
    from tribes.chat.models import Message
    from tribes.digest.models import DigestState
    from tribes.meetups.models import Meetup

    with app.app_context():
        for state in db.session.scalars(select(DigestState)):
            state.checked_at -= timedelta(days=1, minutes=1)
        for row in [*db.session.scalars(select(Message)), *db.session.scalars(select(Meetup))]:
            row.created_at -= timedelta(days=1, minutes=1)
        db.session.commit()
        db.remove()


def test_a_digest_gathers_what_is_unseen_and_never_repeats_it(app, mailbox, make_user, make_tribe):
    ada, ria = make_user("Ada"), make_user("Ria")
    tribe = make_tribe(ada, [ria], name="Garden", visibility="listed")
    handled(app, ria, tribe["slug"])
    for i in range(3):
        say(ada, tribe["slug"], f"message {i}")
    meetup(ada, tribe["slug"], "Seed swap")
    now = utcnow()
    assert run_digests(app, now, by_clock=False) == 1  # Ada: nothing new to her (her own posts)
    [digest] = digests(mailbox, ria)
    assert digest["Subject"] == "Your Tribes digest"
    text = text_of(digest)
    assert "A moderator of Garden handled your report." in text
    assert "Garden: 3 new messages" in text and f"{BASE}/t/{tribe['slug']}" in text
    # listed under new meet-ups, unless its own notification already told Ria (then not twice)
    assert text.count("Seed swap") <= 1
    assert digest["List-Unsubscribe"].startswith(f"<{BASE}/unsubscribe/")
    assert digests(mailbox, ada) == []

    assert run_digests(app, now + timedelta(minutes=5), by_clock=False) == 0  # not due again yet
    a_day_passes(app)
    assert run_digests(app, utcnow(), by_clock=False) == 0  # due, nothing new: skipped
    assert len(digests(mailbox, ria)) == 1
    say(ada, tribe["slug"], "one more")
    say(ada, tribe["slug"], "and another")
    a_day_passes(app)
    assert run_digests(app, utcnow(), by_clock=False) == 1
    second = text_of(digests(mailbox, ria)[-1])
    assert "Garden: 2 new messages" in second
    assert "handled your report" not in second and "Seed swap" not in second


def test_messages_read_in_the_app_are_not_counted(app, mailbox, make_user, make_tribe):
    ada, ria = make_user("Ada"), make_user("Ria")
    tribe = make_tribe(ada, [ria], name="Garden", visibility="listed")
    say(ada, tribe["slug"], "first")
    say(ada, tribe["slug"], "second")
    newest = ria.get(f"tribes/{tribe['slug']}/messages").get_json()["items"]
    last_id = max(m["id"] for m in newest)
    assert ria.post(f"tribes/{tribe['slug']}/read", {"message_id": last_id}).status_code == 204
    assert run_digests(app, utcnow(), by_clock=False) == 0
    assert digests(mailbox, ria) == []


def test_a_discreet_tribe_is_one_line_without_names_or_counts(app, mailbox, make_user, make_tribe):
    ada, ria = make_user("Zelda Quixote"), make_user("Ria")
    tribe = make_tribe(ada, [ria], name="Hidden Orchard")
    for i in range(4):
        say(ada, tribe["slug"], f"secret plan {i}")
    meetup(ada, tribe["slug"], "Midnight harvest")
    handled(app, ria, tribe["slug"])
    assert run_digests(app, utcnow(), by_clock=False) == 1
    [digest] = digests(mailbox, ria)
    seen = everything_in(digest)
    for secret in ("Hidden Orchard", tribe["slug"], "Zelda", "Quixote", "secret plan", "Midnight", " 4 "):
        assert secret not in seen, secret
    assert "New activity in one of your tribes." in text_of(digest)


def test_a_tribe_set_to_none_adds_nothing_and_mentions_only_adds_personal_news(app, mailbox, make_user, make_tribe):
    ada, ria = make_user("Ada"), make_user("Ria")
    tribe = make_tribe(ada, [ria], name="Garden", visibility="listed")
    ria.patch(f"tribes/{tribe['slug']}/my-settings", {"email": "none"})
    say(ada, tribe["slug"], "hello all")
    handled(app, ria, tribe["slug"])
    assert run_digests(app, utcnow(), by_clock=False) == 0
    ria.patch(f"tribes/{tribe['slug']}/my-settings", {"email": "mentions"})
    a_day_passes(app)
    assert run_digests(app, utcnow(), by_clock=False) == 1
    text = text_of(digests(mailbox, ria)[-1])
    assert "handled your report" in text and "new message" not in text


def test_the_job_waits_for_seven_in_the_morning_of_the_reader(app, mailbox, make_user, make_tribe):
    ada, ria = make_user("Ada"), make_user("Ria")
    assert ria.patch("me", {"timezone": "Asia/Tokyo"}).status_code == 200
    tribe = make_tribe(ada, [ria], name="Garden", visibility="listed")
    handled(app, ria, tribe["slug"])
    day = utcnow().date() + timedelta(days=1)
    early = datetime(day.year, day.month, day.day, 21, 0, tzinfo=UTC) - timedelta(days=1)  # 06:00 in Tokyo
    assert run_digests(app, early, by_clock=True) == 0
    assert run_digests(app, early + timedelta(hours=1, minutes=5), by_clock=True) == 1  # 07:05 in Tokyo
    assert len(digests(mailbox, ria)) == 1


def test_the_cli_queues_only_the_due_digests(app, mailbox, make_user, make_tribe, tmp_path):
    ada, ria, rex = make_user("Ada"), make_user("Ria"), make_user("Rex")
    tribe = make_tribe(ada, [ria, rex], name="Garden", visibility="listed")
    handled(app, ria, tribe["slug"])
    handled(app, rex, tribe["slug"])
    assert run_digests(app, utcnow(), by_clock=False) == 2
    handled(app, ria, tribe["slug"])
    handled(app, rex, tribe["slug"])
    with app.app_context():
        from tribes.digest.models import DigestState

        db.session.execute(update(DigestState).where(DigestState.user_id == rex.user["id"])
                           .values(checked_at=utcnow() - timedelta(days=1, minutes=1)))
        db.session.commit()
        db.remove()
    env = {**os.environ, "TRIBES_DATABASE_URL": app.config["DATABASE_URL"], "TRIBES_SECRET_KEY": "test-secret",
           "TRIBES_INSTANCE_PATH": str(tmp_path), "TRIBES_BASE_URL": BASE}
    done = subprocess.run([sys.executable, "-m", "tribes.cli", "mail", "digest"], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "1 digest(s) queued"
    assert len(digests(mailbox, rex)) == 2 and len(digests(mailbox, ria)) == 1


def test_a_meetup_already_announced_by_its_own_notification_is_not_listed_again(app, mailbox, make_user, make_tribe):
    ada, ria = make_user("Ada"), make_user("Ria")
    tribe = make_tribe(ada, [ria], name="Garden", visibility="listed")
    announced = meetup(ada, tribe["slug"], "Seed swap")
    meetup(ada, tribe["slug"], "Compost day")
    with app.app_context():
        notify(db.session, ria.user["id"], "meetup_created", {"meetup_id": announced["id"], "tribe": tribe["slug"]})
        db.session.commit()
        db.remove()
    handled(app, ria, tribe["slug"])  # something else new, so the digest goes out
    assert run_digests(app, utcnow(), by_clock=False) == 1
    [digest] = digests(mailbox, ria)
    assert "Seed swap in Garden," not in text_of(digest)
