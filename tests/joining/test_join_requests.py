"""Join requests: settings, asking, the admins' queue, vouching, accept and decline."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import func, select, update

from tests.joining.conftest import ANSWERS, QUESTIONS, ask, queue
from tribes.accounts.models import User
from tribes.db import utcnow
from tribes.extensions import db
from tribes.joining.models import JoinRequest


def test_settings_are_for_listed_tribes_and_a_secret_tribe_takes_none(make_tribe):
    secret = make_tribe()
    owner = secret["owner"]
    refused = owner.patch(f"tribes/{secret['slug']}", {"join_requests": True})
    assert refused.status_code == 422 and "join_requests" in refused.get_json()["error"]["fields"]
    too_many = owner.patch(f"tribes/{secret['slug']}", {"join_questions": ["q"] * 6})
    assert too_many.status_code == 422
    listed = owner.patch(f"tribes/{secret['slug']}", {"visibility": "listed", "join_requests": True,
                                                     "join_questions": ["  Why  us? "]})
    assert listed.status_code == 200
    assert (listed.get_json()["join_requests"], listed.get_json()["join_questions"]) == (True, ["Why us?"])
    again_secret = owner.patch(f"tribes/{secret['slug']}", {"visibility": "secret"})
    assert again_secret.get_json()["join_requests"] is False


def test_outsider_sees_the_card_with_questions_and_their_pending_request(make_user, open_tribe):
    tribe = open_tribe()
    outsider = make_user()
    card = outsider.get(f"tribes/{tribe['slug']}").get_json()
    assert card == {"slug": tribe["slug"], "name": tribe["name"], "description": "", "member_count": 1,
                    "join_requests": True, "join_questions": QUESTIONS, "my_join_request": None}
    sent = ask(outsider, tribe["slug"])
    assert sent.status_code == 202
    body = sent.get_json()
    assert body["status"] == "pending" and body["answers"] == ANSWERS and body["vouched_by"] == []
    card = outsider.get(f"tribes/{tribe['slug']}").get_json()
    assert card["my_join_request"] == {"id": body["id"], "status": "pending"}
    again = ask(outsider, tribe["slug"])
    assert (again.status_code, again.get_json()["id"]) == (202, body["id"])
    assert [r["id"] for r in outsider.get("me/join-requests").get_json()["items"]] == [body["id"]]


def test_who_may_ask(make_user, make_tribe, open_tribe):
    tribe = open_tribe()
    outsider = make_user()
    assert ask(tribe["owner"], tribe["slug"]).status_code == 409
    not_taking = make_tribe(visibility="listed")
    secret = make_tribe()
    missing = ask(outsider, "no-such-tribe")
    assert missing.status_code == 404
    for other in (not_taking, secret):
        answer = ask(outsider, other["slug"], answers=[])
        assert (answer.status_code, answer.data) == (404, missing.data)
    wrong = outsider.post(f"tribes/{tribe['slug']}/join-requests", {"answers": ["only one"]})
    assert wrong.status_code == 422 and "answers" in wrong.get_json()["error"]["fields"]


def test_queue_vouch_accept_and_the_invite_tree(make_user, make_tribe, open_tribe):
    voucher, second, outsider = make_user("Vera Voucher"), make_user("Sid Second"), make_user("Olga Outsider")
    tribe = open_tribe(members=[voucher, second])
    owner, slug = tribe["owner"], tribe["slug"]
    make_tribe(owner, [outsider])  # another tribe of the owner's that Olga is in
    rid = ask(outsider, slug).get_json()["id"]
    # members may vouch (twice is the same); outsiders and swallowed requests are 404
    assert voucher.post(f"join-requests/{rid}/vouch").status_code == 204
    assert voucher.post(f"join-requests/{rid}/vouch").status_code == 204
    assert second.post(f"join-requests/{rid}/vouch").status_code == 204
    assert make_user().post(f"join-requests/{rid}/vouch").status_code == 404
    [item] = queue(owner, slug)
    assert item["id"] == rid and item["answers"] == ANSWERS and item["message"] == "Hello!"
    assert [v["display_name"] for v in item["vouched_by"]] == ["Vera Voucher", "Sid Second"]
    assert item["shares_other_tribes"] is True and item["account_created_at"]
    assert voucher.get(f"tribes/{slug}/join-requests").status_code == 403
    assert voucher.post(f"join-requests/{rid}/accept").status_code == 403
    notes = owner.get("notifications").get_json()["items"]
    assert notes[0]["kind"] == "join_request" and "Olga Outsider" in notes[0]["text"]
    accepted = owner.post(f"join-requests/{rid}/accept")
    assert accepted.status_code == 200
    assert accepted.get_json()["invited_by"]["display_name"] == "Vera Voucher"
    assert owner.post(f"join-requests/{rid}/accept").status_code == 404
    assert outsider.get(f"tribes/{slug}").get_json()["my_role"] == "member"
    assert outsider.get(f"tribes/{slug}").get_json()["member_count"] == 4
    assert outsider.get("me/join-requests").get_json()["items"][0]["status"] == "accepted"
    note = outsider.get("notifications").get_json()["items"][0]
    assert note["kind"] == "join_accepted" and tribe["name"] in note["text"]
    assert note["url"] == f"/t/{slug}"
    tree = owner.get(f"tribes/{slug}/invite-tree").get_json()["items"]
    vera = next(n for n in tree[0]["children"] if n["user"]["display_name"] == "Vera Voucher")
    assert [c["user"]["display_name"] for c in vera["children"]] == ["Olga Outsider"]
    actions = [e["action"] for e in owner.get(f"tribes/{slug}/audit-log").get_json()["items"]]
    assert "join_request_accepted" in actions


def test_without_a_voucher_the_accepting_admin_is_the_inviter(make_user, open_tribe):
    tribe = open_tribe()
    outsider = make_user()
    rid = ask(outsider, tribe["slug"]).get_json()["id"]
    member = tribe["owner"].post(f"join-requests/{rid}/accept").get_json()
    assert member["invited_by"]["id"] == tribe["owner"].user["id"]


def test_concurrent_requests_make_one_row(app, make_user, open_tribe):
    tribe = open_tribe()
    outsider = make_user()
    answers: list[int] = []

    def send() -> None:
        answers.append(ask(outsider, tribe["slug"]).get_json()["id"])

    threads = [threading.Thread(target=send) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(answers) == 6 and len(set(answers)) == 1
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(JoinRequest)
                                  .where(JoinRequest.user_id == outsider.user["id"]))
        db.remove()
    assert count == 1
    assert len(queue(tribe["owner"], tribe["slug"])) == 1


def test_two_admins_accepting_at_once_make_one_membership(app, make_user, open_tribe):
    tribe = open_tribe()
    owner, admin, outsider = tribe["owner"], make_user(), make_user()
    token = owner.post(f"tribes/{tribe['slug']}/invites", {}).get_json()["token"]
    assert admin.post(f"invites/{token}/accept").status_code == 200
    assert owner.patch(f"tribes/{tribe['slug']}/members/{admin.user['id']}", {"role": "admin"}).status_code == 200
    rid = ask(outsider, tribe["slug"]).get_json()["id"]
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def accept(who) -> None:  # type: ignore[no-untyped-def]
        barrier.wait()
        statuses.append(who.post(f"join-requests/{rid}/accept").status_code)

    threads = [threading.Thread(target=accept, args=(who,)) for who in (owner, admin)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200, 404]                       # the database settles it: one wins
    members = owner.get(f"tribes/{tribe['slug']}/members").get_json()["items"]
    assert [m["user"]["id"] for m in members].count(outsider.user["id"]) == 1
    assert owner.get(f"tribes/{tribe['slug']}").get_json()["member_count"] == 3
    told = [n for n in outsider.get("notifications").get_json()["items"] if n["kind"] == "join_accepted"]
    assert len(told) == 1


def test_after_the_cooldown_a_declined_person_reaches_the_queue_again(app, make_user, open_tribe):
    tribe = open_tribe()
    owner, outsider = tribe["owner"], make_user()
    rid = ask(outsider, tribe["slug"]).get_json()["id"]
    assert owner.post(f"join-requests/{rid}/decline").status_code == 204
    assert ask(outsider, tribe["slug"]).get_json()["id"] == rid
    assert queue(owner, tribe["slug"]) == []
    with app.app_context():
        long_ago = utcnow() - timedelta(days=91)
        db.session.execute(update(JoinRequest).where(JoinRequest.id == rid)
                           .values(declined_at=long_ago, decided_at=long_ago, created_at=long_ago))
        db.session.commit()
        db.remove()
    again = ask(outsider, tribe["slug"], message="Trying again")
    assert (again.status_code, again.get_json()["id"]) == (202, rid)
    assert [(r["id"], r["message"]) for r in queue(owner, tribe["slug"])] == [(rid, "Trying again")]


def test_tribe_that_stops_taking_requests_hides_them(make_user, open_tribe):
    tribe = open_tribe()
    owner, outsider, slug = tribe["owner"], make_user(), tribe["slug"]
    ask(outsider, slug)
    owner.patch(f"tribes/{slug}", {"join_requests": False})
    card = outsider.get(f"tribes/{slug}").get_json()
    assert (card["join_requests"], card["my_join_request"], card["join_questions"]) == (False, None, [])
    assert outsider.get("me/join-requests").get_json()["items"] == []
    assert ask(outsider, slug).status_code == 404
    owner.patch(f"tribes/{slug}", {"join_requests": True})
    assert queue(owner, slug) == []  # the old one stays closed
    rid = ask(outsider, slug).get_json()["id"]
    owner.patch(f"tribes/{slug}", {"visibility": "secret"})
    missing = outsider.get("tribes/no-such-tribe")
    gone = outsider.get(f"tribes/{slug}")
    assert (gone.status_code, gone.data) == (404, missing.data)
    assert outsider.get("me/join-requests").get_json()["items"] == []
    assert owner.post(f"join-requests/{rid}/vouch").status_code == 404


def test_limits_are_per_account_and_stricter_for_young_accounts(app, make_user, open_tribe):
    app.config["LIMIT_JOIN_REQUESTS"] = "3 per day"
    app.config["LIMIT_JOIN_REQUESTS_NEW"] = "1 per day"
    tribes = [open_tribe() for _ in range(5)]
    outsider = make_user()
    assert ask(outsider, "no-such-tribe").status_code == 404  # refused ones do not count
    assert ask(outsider, tribes[0]["slug"]).status_code == 202
    limited = ask(outsider, tribes[1]["slug"])
    assert limited.status_code == 429 and limited.get_json()["error"]["code"] == "rate_limited"
    assert int(limited.headers["Retry-After"]) > 0
    with app.app_context():
        db.session.execute(update(User).where(User.id == outsider.user["id"])
                           .values(created_at=utcnow() - timedelta(days=8)))
        db.session.commit()
        db.remove()
    codes = [ask(outsider, t["slug"]).status_code for t in tribes[1:]]
    assert codes == [202, 202, 429, 429]


def test_queue_runs_a_bounded_number_of_queries(make_user, make_tribe, open_tribe, count_queries):
    tribe = open_tribe()
    owner, slug = tribe["owner"], tribe["slug"]
    member = make_user()
    make_tribe(owner, [member])

    def measure() -> int:
        count_queries.reset()
        assert owner.get(f"tribes/{slug}/join-requests").status_code == 200
        return count_queries.count

    for _ in range(2):
        ask(make_user(), slug)
    few = measure()
    for _ in range(8):
        requester = make_user()
        rid = ask(requester, slug).get_json()["id"]
        owner.post(f"join-requests/{rid}/vouch")
    assert len(queue(owner, slug)) == 10
    assert measure() == few


def test_export_and_account_deletion(make_user, open_tribe):
    tribe = open_tribe()
    outsider = make_user()
    rid = ask(outsider, tribe["slug"]).get_json()["id"]
    tribe["owner"].post(f"join-requests/{rid}/decline")
    export = outsider.get("me/export").get_json()
    assert [(r["id"], r["status"]) for r in export["join_requests"]] == [(rid, "pending")]
    deleted = outsider.delete("me", {"password": "correct horse battery staple"})
    assert deleted.status_code == 204, deleted.get_json()
    assert queue(tribe["owner"], tribe["slug"]) == []
