"""The astroturfing signal reads join-request answers too."""

from __future__ import annotations

from tests.joining.conftest import ask

SAME = ["I build growth funnels for crypto communities", "A friend of a friend sent me here"]


def test_same_answers_from_several_accounts_flag_them_for_the_admins(make_user, open_tribe):
    tribe = open_tribe()
    owner, slug = tribe["owner"], tribe["slug"]
    requesters = [make_user(f"Bot {i}") for i in range(3)]
    ask(make_user("Honest Hana"), slug, answers=["Letterpress printing, mostly posters", "Nobody yet"])
    for who in requesters[:2]:
        ask(who, slug, answers=SAME, message="")
    assert owner.get(f"tribes/{slug}/reports").get_json()["items"] == []
    ask(requesters[2], slug, answers=[a.upper() + "!" for a in SAME], message="")
    [report] = owner.get(f"tribes/{slug}/reports").get_json()["items"]
    assert report["target_type"] == "user"
    evidence = report["evidence"]
    assert evidence["patterns"] == ["many_join_requests"]
    assert sorted(a["user"]["display_name"] for a in evidence["accounts"]) == ["Bot 0", "Bot 1", "Bot 2"]
    assert len(evidence["join_requests"]) == 3
    kinds = [n["kind"] for n in owner.get("notifications").get_json()["items"]]
    assert "report_filed" in kinds
    # dismissing it works like any automatic report; the requests stay in the queue to decide
    resolved = owner.post(f"reports/{report['id']}/resolve", {"action": "dismiss"})
    assert resolved.status_code == 200
    assert len(owner.get(f"tribes/{slug}/join-requests").get_json()["items"]) == 4


def test_banning_a_join_request_cluster_skips_people_never_in_the_tribe(make_user, open_tribe):
    tribe = open_tribe()
    owner, slug = tribe["owner"], tribe["slug"]
    for i in range(3):
        ask(make_user(f"Bot {i}"), slug, answers=SAME, message="")
    [report] = owner.get(f"tribes/{slug}/reports").get_json()["items"]
    resolved = owner.post(f"reports/{report['id']}/resolve", {"action": "ban_member"})
    assert resolved.status_code == 200
