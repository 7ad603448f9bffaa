"""The outbox list (never subjects or bodies), the 30-day counts, and reports to the site admins."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import update

from tribes.accounts.models import User
from tribes.chat.models import Message
from tribes.db import utcnow
from tribes.extensions import db
from tribes.groups.models import Tribe
from tribes.mail.outbox import queue, send_due
from tribes.meetups.models import Meetup

SECRET_SUBJECT = "Your very private subject line 4711"
SECRET_BODY = "A body nobody but the recipient reads 0815"


def test_the_outbox_lists_failed_and_queued_mails_without_subject_or_body(app, make_admin, smtp_server):
    admin = make_admin()
    smtp_server.handler.refuse = ["550 5.1.1 no such mailbox"]
    with app.app_context():
        queue(db.session, to="gone@example.test", subject=SECRET_SUBJECT, text=SECRET_BODY, kind="test")
        db.session.commit()
        db.remove()
    send_due(app)
    smtp_server.handler.refuse = []
    with app.app_context():
        waiting = queue(db.session, to="later@example.test", subject=SECRET_SUBJECT, text=SECRET_BODY, kind="invite")
        waiting.next_attempt_at = utcnow() + timedelta(hours=1)
        db.session.commit()
        db.remove()
    response = admin.get("site/mail")
    assert SECRET_SUBJECT.encode() not in response.data and b"0815" not in response.data
    items = response.get_json()["items"]
    assert [(m["recipient"], m["kind"], m["status"]) for m in items] == [
        ("later@example.test", "invite", "queued"), ("gone@example.test", "test", "failed")]
    failed = items[1]
    assert failed["attempts"] == 1 and "550" in failed["last_error"]
    assert [m["recipient"] for m in admin.get("site/mail?status=failed").get_json()["items"]] == ["gone@example.test"]
    assert admin.get("site/mail?status=sent").status_code == 422
    page = admin.http.get("/admin/mail")
    assert SECRET_SUBJECT.encode() not in page.data and b"gone@example.test" in page.data and b"Retry now" in page.data
    # retry: queued again, and the sender delivers it
    assert admin.post(f"site/mail/{items[0]['id']}/retry").status_code == 404  # only failed mails
    again = admin.post(f"site/mail/{failed['id']}/retry")
    assert again.status_code == 200 and again.get_json()["status"] == "queued"
    assert send_due(app) == 1
    assert [m["To"] for m in smtp_server.mails] == ["gone@example.test"]
    assert [m["recipient"] for m in admin.get("site/mail").get_json()["items"]] == ["later@example.test"]


def _age(model: Any, row_id: Any, days: int, key: str = "id") -> None:
    assert db.engine is not None
    with db.engine.begin() as connection:
        connection.execute(update(model).where(getattr(model, key) == row_id)
                           .values(created_at=utcnow() - timedelta(days=days)))


def test_stats_count_per_day_over_the_last_30_days(app, make_admin, make_user, make_tribe):
    admin = make_admin()
    old, recent = make_user(), make_user()
    _age(User, admin.user["id"], 40)  # outside the window: only in the totals
    _age(User, old.user["id"], 3)
    _age(User, recent.user["id"], 3)
    tribe = make_tribe(owner=old)
    _age(Tribe, tribe["slug"], 29, key="slug")
    for n in range(3):
        sent = old.post(f"tribes/{tribe['slug']}/messages", {"body": f"hello {n}", "client_id": str(uuid.uuid4())})
        assert sent.status_code == 201
        _age(Message, sent.get_json()["id"], 1 if n else 0)
    start = utcnow() + timedelta(days=3)
    meetup = old.post(f"tribes/{tribe['slug']}/meetups", {"title": "Evening", "timezone": "UTC",
                                                          "starts_at": start.isoformat(),
                                                          "ends_at": (start + timedelta(hours=1)).isoformat()})
    assert meetup.status_code == 201
    _age(Meetup, meetup.get_json()["id"], 2)
    stats = admin.get("site/stats").get_json()
    days = {d["date"]: d for d in stats["days"]}
    assert len(stats["days"]) == 30 and stats["days"][-1]["date"] == utcnow().date().isoformat()

    def on(days_ago: int) -> dict[str, Any]:
        return days[(utcnow() - timedelta(days=days_ago)).date().isoformat()]

    assert on(3)["accounts"] == 2 and on(29)["tribes"] == 1
    assert on(1)["messages"] == 2 and on(0)["messages"] == 1 and on(2)["meetups"] == 1
    assert sum(d["accounts"] for d in stats["days"]) == 2
    assert stats["totals"] == {"accounts": 3, "tribes": 1, "messages": 3, "meetups": 1}
    page = admin.http.get("/admin/stats").data.decode()
    assert "In total: 3 accounts, 1 tribes, 3 messages, 1 meetups." in page


def test_site_reports_of_users_need_a_visible_target(make_admin, make_user, make_tribe):
    admin = make_admin()
    reporter, troll, stranger = make_user(), make_user(display_name="Troll"), make_user()
    make_tribe(owner=reporter, members=[troll])
    assert reporter.post("reports", {"target_type": "user", "target_id": stranger.user["id"],
                                     "reason": "x"}).status_code == 404
    assert reporter.post("reports", {"target_type": "user", "target_id": 999999, "reason": "x"}).status_code == 404
    # a direct message the reporter cannot read: as missing
    assert reporter.post("reports", {"target_type": "message", "target_id": 1, "reason": "x"}).status_code == 404
    filed = reporter.post("reports", {"target_type": "user", "target_id": troll.user["id"], "reason": "threats"})
    assert filed.status_code == 201 and filed.get_json()["tribe"] is None
    again = reporter.post("reports", {"target_type": "user", "target_id": troll.user["id"], "reason": "threats"})
    assert again.status_code == 200 and again.get_json()["id"] == filed.get_json()["id"]
    assert reporter.get("me/reports").get_json()["items"][0]["tribe"] is None
    report_id = filed.get_json()["id"]
    # hidden from everyone but site admins, tribe owners included
    assert reporter.get(f"reports/{report_id}").status_code == 404
    assert reporter.post(f"reports/{report_id}/resolve", {"action": "dismiss"}).status_code == 404
    [listed] = admin.get("site/reports").get_json()["items"]
    assert listed["tribe"] is None and listed["target_user"]["display_name"] == "Troll"
    assert listed["reason"] == "threats" and listed["reporter"]["id"] == reporter.user["id"]
    assert admin.post(f"reports/{report_id}/resolve", {"action": "ban_member"}).status_code == 422
    done = admin.post(f"reports/{report_id}/resolve", {"action": "suspend_user", "note": "confirmed"})
    assert done.status_code == 200 and done.get_json()["resolution"]["action"] == "suspend_user"
    assert troll.get("me").status_code == 401
    assert admin.get("site/reports").get_json()["items"] == []
    assert admin.get("site/reports?status=resolved").get_json()["items"][0]["id"] == report_id
    actions = [e["action"] for e in admin.get("site/audit-log").get_json()["items"]]
    assert actions == ["report_resolved", "user_suspended"]
    assert b"Troll" in admin.http.get("/admin/reports?status=resolved").data


def test_tribe_reports_still_refuse_the_site_action(make_user, make_tribe):
    owner, member = make_user(), make_user()
    tribe = make_tribe(owner=owner, members=[member])
    filed = member.post("reports", {"tribe": tribe["slug"], "target_type": "user", "target_id": owner.user["id"],
                                    "reason": "rude"})
    assert filed.status_code == 201 and filed.get_json()["tribe"] == tribe["slug"]
    other = make_user()
    join_tribe = make_tribe(owner=other, members=[owner])
    assert join_tribe
    reported = owner.post("reports", {"tribe": tribe["slug"], "target_type": "user", "target_id": member.user["id"],
                                      "reason": "spam"})
    assert owner.post(f"reports/{reported.get_json()['id']}/resolve", {"action": "suspend_user"}).status_code == 422
    assert member.get("me").status_code == 200
