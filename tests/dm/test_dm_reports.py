"""Reporting a direct message: it goes to the site admins, who see that one message and nothing
else of the conversation; only a participant who can read it may report it."""

from __future__ import annotations

from typing import Any

from tests.dm.helpers import befriend, say, start
from tests.siteadmin.conftest import make_admin  # noqa: F401


def test_site_admins_see_the_reported_message_and_nothing_else(make_user, make_tribe, make_admin):  # noqa: F811
    admin = make_admin()
    ada, ben = make_user("Ada"), make_user("Ben")
    befriend(ada, ben, make_tribe)
    conversation = start(ada, ben)
    say(ben, conversation["id"], "private context the admins must never read")
    bad = say(ada, conversation["id"], "buy cheap followers at example.invalid")
    say(ada, conversation["id"], "another private line")
    filed = ben.post("reports", {"target_type": "message", "target_id": bad["id"], "reason": "spam"})
    assert filed.status_code == 201, filed.get_json()
    assert ben.post("reports", {"target_type": "message", "target_id": bad["id"], "reason": "spam"}).status_code == 200

    listing = admin.get("site/reports")
    [report] = listing.get_json()["items"]
    assert report["target_type"] == "message" and report["target_id"] == bad["id"]
    raw = listing.get_data(as_text=True)
    assert "buy cheap followers" in raw
    assert "private context" not in raw and "another private line" not in raw
    assert admin.get(f"conversations/{conversation['id']}/messages?after=0").status_code == 404   # still closed to them
    page = admin.http.get("/admin/reports").get_data(as_text=True)      # the page shows the same one message
    assert "buy cheap followers at example.invalid" in page and "“spam”" in page and "Ben" in page
    assert "private context" not in page and "another private line" not in page

    done = admin.post(f"reports/{report['id']}/resolve", {"action": "suspend_user", "note": "spam by DM"})
    assert done.status_code == 200
    assert ada.get("me").status_code == 401                       # the author's sessions ended


def test_only_a_reader_of_the_message_may_report_it(make_user, make_tribe):
    ada, ben, eve = make_user("Ada"), make_user("Ben"), make_user("Eve")
    befriend(ada, ben, make_tribe)
    message = say(ada, start(ada, ben)["id"], "hello Ben")
    outsider = eve.post("reports", {"target_type": "message", "target_id": message["id"], "reason": "x"})
    missing = eve.post("reports", {"target_type": "message", "target_id": message["id"] + 10**9, "reason": "x"})
    assert outsider.status_code == missing.status_code == 404
    assert outsider.get_data() == missing.get_data()              # nothing tells it exists
    own = ada.post("reports", {"target_type": "message", "target_id": message["id"], "reason": "x"})
    assert own.status_code == 422


def test_a_meetup_still_needs_its_tribe(make_user: Any) -> None:
    someone = make_user()
    answer = someone.post("reports", {"target_type": "meetup", "target_id": 1, "reason": "x"})
    assert answer.status_code == 422 and "tribe" in answer.get_json()["error"]["fields"]
