"""The astroturfing signal, fed directly through on_message_posted."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from tribes.db import utcnow
from tribes.extensions import db
from tribes.moderation.astroturf import normalise
from tribes.moderation.models import Report
from tribes.moderation.service import on_message_posted
from tribes.notifications.models import Notification

_ids = itertools.count(1)


@dataclass
class Posted:
    """What the chat feature hands over: a flushed message."""

    tribe_id: int
    author_id: int
    body: str
    created_at: datetime = field(default_factory=utcnow)
    id: int = field(default_factory=lambda: next(_ids))


def _tribe_id(session, slug):
    from tribes.groups.models import Tribe

    return session.scalar(select(Tribe.id).where(Tribe.slug == slug))


@pytest.fixture
def dbs(app):
    """A database session in its own app context (API calls must stay outside it: Flask shares `g`)."""

    class Opener:
        def __enter__(self):
            self.ctx = app.app_context()
            self.ctx.push()
            return db.session

        def __exit__(self, *exc):
            db.remove()
            self.ctx.pop()

    return Opener


def test_normalise_folds_case_punctuation_links_and_spaces():
    a = normalise("Vote NO on  Measure 7!!! Details: https://evil.example/x?y=1")
    b = normalise("vote no on measure 7 — details:   http://other.example/path")
    assert a == b == "vote no on measure 7 details"
    assert normalise("see www.x.example and bit.ly/abc") == "see and"
    assert normalise("Café   déjà-vu") == "cafe deja vu"


TEXT = "Everyone should switch to BrandX today, it is the best!"


def test_three_accounts_same_text_in_ten_minutes_files_one_report(make_user, make_tribe, dbs):
    users = [make_user() for _ in range(3)]
    tribe = make_tribe(members=users)
    owner = tribe["owner"]
    now = utcnow()
    with dbs() as session:
        tid = _tribe_id(session, tribe["slug"])
        on_message_posted(session, Posted(tid, users[0].user["id"], TEXT, now - timedelta(minutes=9)))
        on_message_posted(session, Posted(tid, users[1].user["id"], TEXT.upper(), now - timedelta(minutes=5)))
        assert session.scalars(select(Report)).all() == []
        on_message_posted(session, Posted(tid, users[2].user["id"], TEXT + " https://brandx.example", now))
        session.commit()
        reports = session.scalars(select(Report)).all()
        assert len(reports) == 1
        report = reports[0]
        assert report.reporter_id is None and report.status == "open"
        assert report.evidence["patterns"] == ["many_accounts"]
        assert [a["user"]["id"] for a in report.evidence["accounts"]] == sorted(u.user["id"] for u in users)
        assert all(a["invited_by"]["id"] == owner.user["id"] for a in report.evidence["accounts"])
        # A fourth copy updates the same report instead of filing another.
        on_message_posted(session, Posted(tid, owner.user["id"], TEXT, now))
        session.commit()
        reports = session.scalars(select(Report)).all()
        assert len(reports) == 1 and len(reports[0].evidence["messages"]) == 4
        notes = session.scalars(select(Notification).where(Notification.user_id == owner.user["id"])).all()
        assert [n.kind for n in notes] == ["report_filed"]


def test_same_text_outside_window_does_not_trigger(make_user, make_tribe, dbs):
    users = [make_user() for _ in range(3)]
    tribe = make_tribe(members=users)
    now = utcnow()
    with dbs() as session:
        tid = _tribe_id(session, tribe["slug"])
        on_message_posted(session, Posted(tid, users[0].user["id"], TEXT, now - timedelta(minutes=11)))
        on_message_posted(session, Posted(tid, users[1].user["id"], TEXT, now - timedelta(minutes=1)))
        on_message_posted(session, Posted(tid, users[2].user["id"], TEXT, now))
        session.commit()
        assert session.scalars(select(Report)).all() == []


def test_ordinary_short_phrases_never_trigger(make_user, make_tribe, dbs):
    users = [make_user() for _ in range(5)]
    tribe = make_tribe(members=users)
    phrases = ["thanks!", "+1", "see you there", "Thank you so much!", "Happy birthday!!", "https://a.example/x"]
    with dbs() as session:
        tid = _tribe_id(session, tribe["slug"])
        for phrase in phrases:
            for user in users:
                on_message_posted(session, Posted(tid, user.user["id"], phrase))
        session.commit()
        assert session.scalars(select(Report)).all() == []


def test_one_account_in_three_tribes_within_an_hour(make_user, make_tribe, dbs):
    spammer = make_user()
    tribes = [make_tribe(members=[spammer]) for _ in range(3)]
    text = "Great investment opportunity, message me for details now"
    now = utcnow()
    with dbs() as session:
        tids = [_tribe_id(session, t["slug"]) for t in tribes]
        for i, tid in enumerate(tids):
            on_message_posted(session, Posted(tid, spammer.user["id"], text, now - timedelta(minutes=50 - 20 * i)))
        session.commit()
        reports = session.scalars(select(Report).order_by(Report.tribe_id)).all()
        assert [r.tribe_id for r in reports] == sorted(tids)
        for report in reports:
            assert report.evidence["patterns"] == ["many_tribes"]
            (account,) = report.evidence["accounts"]
            assert account["other_tribes_with_same_text"] == 2
            # only this tribe's messages are listed: other (maybe secret) tribes are never named
            assert len(report.evidence["messages"]) == 1


def test_one_account_in_two_tribes_is_not_enough(make_user, make_tribe, dbs):
    spammer = make_user()
    tribes = [make_tribe(members=[spammer]) for _ in range(2)]
    text = "Great investment opportunity, message me for details now"
    with dbs() as session:
        for t in tribes:
            on_message_posted(session, Posted(_tribe_id(session, t["slug"]), spammer.user["id"], text))
        session.commit()
        assert session.scalars(select(Report)).all() == []


def test_chat_messages_feed_the_signal_and_admins_clear_the_cluster(make_user, make_tribe, app):
    from tests.moderation.test_reports_api import post_message

    bots = [make_user() for _ in range(3)]
    bystander = make_user()
    tribe = make_tribe(members=[*bots, bystander])
    owner, slug = tribe["owner"], tribe["slug"]
    post_message(bystander, slug, "thanks!")
    posted = [post_message(bot, slug, f"Candidate Z is the only honest choice!!{' ' * i}") for i, bot in enumerate(bots)]
    queue = owner.get(f"tribes/{slug}/reports").get_json()["items"]
    assert len(queue) == 1
    report = queue[0]
    assert report["automatic"] is True and report["reporter"] is None
    assert [m["id"] for m in report["evidence"]["messages"]] == [m["id"] for m in posted]
    assert {a["invited_by"]["id"] for a in report["evidence"]["accounts"]} == {owner.user["id"]}
    done = owner.post(f"reports/{report['id']}/resolve", {"action": "delete_content", "note": "coordinated"})
    assert done.status_code == 200
    history = {m["id"]: m for m in owner.get(f"tribes/{slug}/messages").get_json()["items"]}
    assert [history[m["id"]]["deleted"] for m in posted] == [True, True, True]
    assert [m["deleted"] for m in history.values() if m["body"] == "thanks!"] == [False]


def test_thresholds_are_settings(make_user, make_tribe, app):
    from tests.moderation.test_reports_api import post_message

    a, b = make_user(), make_user()
    tribe = make_tribe(members=[a, b])
    app.config["ASTROTURF_ACCOUNTS"] = 2
    app.config["ASTROTURF_MIN_LENGTH"] = 5
    app.config["ASTROTURF_MIN_WORDS"] = 2
    post_message(a, tribe["slug"], "vote yes")
    post_message(b, tribe["slug"], "Vote YES!")
    assert len(tribe["owner"].get(f"tribes/{tribe['slug']}/reports").get_json()["items"]) == 1


def test_normalise_reads_a_bounded_amount_of_expanding_text():
    """"㏂" decomposes to "a.m." (four characters, a chain of host-name labels): the work stays bounded."""
    ampm = "\u33c2" * 4000  # a chat body's maximum
    assert len(normalise(ampm)) <= 2 * 4000
    huge = "Vote for candidate Z now " * 20_000
    assert normalise(huge) == normalise(huge[:4000])
    assert normalise("\ufdfa" * 4000).startswith("صلى الله عليه وسلم")
    # the worst cases for a backtracking link pattern still fold links as before
    labels = "a." * 1900 + "com/x?y=1"
    assert normalise(f"see {labels} now") == "see now"
    assert normalise("a." * 2000) == " ".join("a" * 2000)


def _evidence_shape(report):
    """A report's evidence without its ids: what an admin reads of the cluster."""
    ev = report.evidence
    return (report.reason, report.status, ev["patterns"], [a["user"]["id"] for a in ev["accounts"]],
            [a["other_tribes_with_same_text"] for a in ev["accounts"]], len(ev["messages"]))


def test_a_batch_of_sends_files_what_one_by_one_files(make_user, make_tribe, dbs):
    """The socket sends one process stored together are judged at once: the same reports,
    patterns and evidence as feeding them one by one (and nothing for a batch below the bar)."""
    from tribes.moderation.service import on_messages_posted

    users = [make_user() for _ in range(3)]
    one_by_one, batched, too_few = (make_tribe(members=users) for _ in range(3))
    text = "Everyone should switch to BrandY today, it is the best!"
    now = utcnow()
    with dbs() as session:
        tids = [_tribe_id(session, t["slug"]) for t in (one_by_one, batched, too_few)]
        for i, user in enumerate(users):
            on_message_posted(session, Posted(tids[0], user.user["id"], text, now - timedelta(minutes=3 - i)))
        on_messages_posted(session, [
            Posted(tids[1], user.user["id"], text.replace("BrandY", "BrandZ"), now - timedelta(minutes=3 - i))
            for i, user in enumerate(users)
        ])
        on_messages_posted(session, [
            Posted(tids[2], user.user["id"], "A different text that nobody else wrote " + str(i), now)
            for i, user in enumerate(users)
        ])
        session.commit()
        reports = {r.tribe_id: r for r in session.scalars(select(Report))}
        assert set(reports) == {tids[0], tids[1]}  # the third batch had three different texts
        assert _evidence_shape(reports[tids[1]]) == _evidence_shape(reports[tids[0]])
        assert reports[tids[1]].evidence["patterns"] == ["many_accounts"]
        # the same author in three tribes, two of the copies in one batch: many_tribes in each
        spammer = users[0].user["id"]
        more = "Great investment opportunity, message me for details now"
        on_messages_posted(session, [Posted(tids[0], spammer, more, now), Posted(tids[1], spammer, more, now)])
        assert len(session.scalars(select(Report)).all()) == 2
        on_messages_posted(session, [Posted(tids[2], spammer, more, now)])
        session.commit()
        flagged = session.scalars(select(Report).where(Report.evidence.is_not(None))).all()
        many_tribes = sorted(r.tribe_id for r in flagged if r.evidence["patterns"] == ["many_tribes"])
        assert many_tribes == sorted(tids)
