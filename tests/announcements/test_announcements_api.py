"""Announcements over the API: the exact audience, who may send and read, the cap, the audit log."""

from __future__ import annotations

from itertools import combinations
from typing import Any

import pytest

from tests.announcements.conftest import announce, announced, announcement_notes

ANSWERS = ("going", "maybe", "waitlisted", "none")


@pytest.fixture
def meetup_people(make_user: Any, make_tribe: Any, new_meetup: Any) -> Any:
    """A tribe with an organiser (owner) and one member per answer to a meetup with one seat:
    going, maybe, waitlisted, not going, no answer; plus a second organiser who answered nothing."""
    owner = make_user("Olga Owner")
    people = {name: make_user(name.title()) for name in ("going", "maybe", "waitlisted", "not_going", "none")}
    helper = make_user("Hana Helper")
    tribe = make_tribe(owner, [*people.values(), helper], name="Crew", visibility="listed")
    slug = tribe["slug"]
    assert owner.patch(f"tribes/{slug}/members/{helper.user['id']}", {"role": "organiser"}).status_code == 200
    meetup = new_meetup(owner, slug, capacity=1)
    for status, who in (("going", "going"), ("maybe", "maybe"), ("going", "waitlisted"), ("not_going", "not_going")):
        answer = people[who].put(f"meetups/{meetup['id']}/rsvp", {"status": status})
        assert answer.status_code == 200, answer.get_json()
    assert people["waitlisted"].get(f"meetups/{meetup['id']}/rsvp").get_json()["status"] == "waitlisted"
    return {"tribe": tribe, "slug": slug, "owner": owner, "people": people, "helper": helper, "meetup": meetup}


def reached(world: dict[str, Any]) -> set[str]:
    """Which of the world's people (and 'helper'/'owner') have an announcement notification."""
    everyone = {**world["people"], "helper": world["helper"], "owner": world["owner"]}
    return {name for name, who in everyone.items() if announcement_notes(who)}


@pytest.mark.parametrize("picked", [list(c) for n in range(1, 5) for c in combinations(ANSWERS, n)])
def test_every_combination_of_answers_reaches_exactly_those_people(meetup_people: Any, picked: list[str]) -> None:
    w = meetup_people
    counted = w["owner"].get(f"tribes/{w['slug']}/announcements/audience",
                             query_string=[("meetup_id", w["meetup"]["id"]), *[("rsvp", a) for a in picked]])
    expected = set(picked) | ({"helper"} if "none" in picked else set())
    assert counted.status_code == 200 and counted.get_json() == {"count": len(expected)}
    made = announce(w["owner"], w["slug"], meetup_id=w["meetup"]["id"], rsvp=picked)
    if not expected:
        assert made.status_code == 422
        return
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["recipient_count"] == len(expected)
    # "none" means no answer at all: the member who answered "not going" is never reached,
    # and the author (who did not answer) is left out
    assert reached(w) == expected


def test_the_whole_tribe_is_everyone_but_the_author(meetup_people: Any) -> None:
    w = meetup_people
    assert w["owner"].get(f"tribes/{w['slug']}/announcements/audience").get_json() == {"count": 6}
    out = announced(w["owner"], w["slug"], title="Summer break", body="No meetups in August.")
    assert out["audience"] == "tribe" and out["recipient_count"] == 6 and out["rsvp"] == []
    assert reached(w) == {"going", "maybe", "waitlisted", "not_going", "none", "helper"}
    note = announcement_notes(w["people"]["maybe"])[0]
    assert note["text"] == "Olga Owner in Crew: Summer break"
    assert note["url"] == f"/t/{w['slug']}/announcements#announcement-{out['id']}"


def test_without_answers_a_meetup_announcement_goes_to_the_people_going(meetup_people: Any) -> None:
    w = meetup_people
    out = announced(w["helper"], w["slug"], meetup_id=w["meetup"]["id"])
    assert out["rsvp"] == ["going"] and out["recipient_count"] == 1
    assert reached(w) == {"going"}


def test_a_removed_member_is_not_reached_and_no_longer_reads_them(meetup_people: Any) -> None:
    w = meetup_people
    gone = w["people"]["maybe"]
    before = announced(w["owner"], w["slug"], title="Before")
    assert [a["id"] for a in gone.get(f"tribes/{w['slug']}/announcements").get_json()["items"]] == [before["id"]]
    assert w["owner"].delete(f"tribes/{w['slug']}/members/{gone.user['id']}").status_code == 204
    assert w["owner"].get(f"tribes/{w['slug']}/announcements/audience",
                          query_string={"meetup_id": w["meetup"]["id"], "rsvp": "maybe"}).get_json() == {"count": 0}
    out = announced(w["owner"], w["slug"], title="After")
    assert out["recipient_count"] == 5
    assert [n["data"]["title"] for n in announcement_notes(gone)] == ["Before"]
    assert gone.get(f"tribes/{w['slug']}/announcements").status_code == 404
    # the notification left from before no longer names the title once they are out
    assert "Before" not in announcement_notes(gone)[0]["text"]


def test_members_read_tribe_wide_ones_and_those_addressed_to_them_organisers_all(meetup_people: Any) -> None:
    w = meetup_people
    wide = announced(w["owner"], w["slug"], title="Wide")
    going_only = announced(w["owner"], w["slug"], title="Going only", meetup_id=w["meetup"]["id"], rsvp=["going"])

    def titles(client: Any) -> list[str]:
        response = client.get(f"tribes/{w['slug']}/announcements")
        assert response.status_code == 200
        return [a["title"] for a in response.get_json()["items"]]

    assert titles(w["people"]["going"]) == ["Going only", "Wide"]  # newest first
    assert titles(w["people"]["maybe"]) == ["Wide"]
    assert titles(w["helper"]) == ["Going only", "Wide"]
    member_view = w["people"]["maybe"].get(f"tribes/{w['slug']}/announcements").get_json()["items"][0]
    assert member_view["recipient_count"] is None and member_view["id"] == wide["id"]
    assert w["owner"].get(f"tribes/{w['slug']}/announcements").get_json()["items"][0]["recipient_count"] == 1
    assert going_only["meetup_id"] == w["meetup"]["id"]


def test_the_list_is_paged_newest_first(meetup_people: Any) -> None:
    w = meetup_people
    made = [announced(w["owner"], w["slug"], title=f"Note {i}")["id"] for i in range(5)]
    first = w["people"]["none"].get(f"tribes/{w['slug']}/announcements?limit=2").get_json()
    second = w["people"]["none"].get(f"tribes/{w['slug']}/announcements?limit=2&cursor={first['next_cursor']}").get_json()
    third = w["people"]["none"].get(f"tribes/{w['slug']}/announcements?limit=2&cursor={second['next_cursor']}").get_json()
    ids = [a["id"] for page in (first, second, third) for a in page["items"]]
    assert ids == list(reversed(made)) and third["next_cursor"] is None


def test_only_organisers_send_and_outsiders_get_404(meetup_people: Any, make_user: Any, make_tribe: Any) -> None:
    w = meetup_people
    member = w["people"]["going"]
    assert announce(member, w["slug"]).status_code == 403
    assert member.get(f"tribes/{w['slug']}/announcements/audience").status_code == 403
    secret = make_tribe(w["owner"], [], name="Back room")
    stranger = make_user()
    missing = stranger.post("tribes/no-such-tribe/announcements", {"title": "x", "body": "y"})
    for response in (announce(stranger, secret["slug"]), stranger.get(f"tribes/{secret['slug']}/announcements"),
                     stranger.get(f"tribes/{secret['slug']}/announcements/audience")):
        assert response.status_code == 404
        assert response.get_json() == missing.get_json()
    assert announcement_notes(stranger) == []


def test_bad_input_is_422_and_changes_nothing(meetup_people: Any, make_tribe: Any, new_meetup: Any) -> None:
    w = meetup_people
    other = make_tribe(w["owner"], [], name="Other")
    elsewhere = new_meetup(w["owner"], other["slug"])
    cases = [
        ({"essential": True}, "essential"),
        ({"rsvp": ["going"]}, "rsvp"),
        ({"meetup_id": elsewhere["id"]}, "meetup_id"),
        ({"meetup_id": w["meetup"]["id"], "rsvp": ["not_going"]}, "rsvp"),
        ({"meetup_id": w["meetup"]["id"], "rsvp": []}, "rsvp"),
        ({"title": " "}, "title"),
        ({"body": "   "}, "body"),
    ]
    for fields, field in cases:
        response = announce(w["owner"], w["slug"], **fields)
        assert response.status_code == 422, fields
        assert any(k.split(".")[0] == field for k in response.get_json()["error"]["fields"]), (fields, response.get_json())
    bad_count = w["owner"].get(f"tribes/{w['slug']}/announcements/audience?rsvp=going")
    assert bad_count.status_code == 422 and "rsvp" in bad_count.get_json()["error"]["fields"]
    assert w["owner"].get(f"tribes/{w['slug']}/announcements").get_json()["items"] == []
    assert reached(w) == set()


def test_essential_is_allowed_for_a_meetup(meetup_people: Any) -> None:
    w = meetup_people
    out = announced(w["owner"], w["slug"], meetup_id=w["meetup"]["id"], rsvp=["going", "waitlisted"], essential=True)
    assert out["essential"] is True and out["recipient_count"] == 2


def test_the_cap_is_per_tribe_429_and_nothing_is_sent_or_stored(app: Any, meetup_people: Any) -> None:
    w = meetup_people
    app.config["LIMIT_ANNOUNCEMENTS"] = "2 per week"
    announced(w["owner"], w["slug"], title="One")
    announced(w["helper"], w["slug"], title="Two")  # organisers share the tribe's budget
    before = {name: len(announcement_notes(c)) for name, c in w["people"].items()}
    refused = announce(w["owner"], w["slug"], title="Three")
    assert refused.status_code == 429
    assert refused.get_json()["error"]["code"] == "rate_limited"
    assert int(refused.headers["Retry-After"]) > 6 * 24 * 3600
    assert [a["title"] for a in w["owner"].get(f"tribes/{w['slug']}/announcements").get_json()["items"]] == ["Two", "One"]
    assert {name: len(announcement_notes(c)) for name, c in w["people"].items()} == before
    actions = [e for e in w["owner"].get(f"tribes/{w['slug']}/audit-log").get_json()["items"]
               if e["action"] == "announcement_sent"]
    assert len(actions) == 2


def test_the_cap_of_one_tribe_leaves_another_alone(app: Any, make_user: Any, make_tribe: Any) -> None:
    app.config["LIMIT_ANNOUNCEMENTS"] = "1 per week"
    owner = make_user()
    a, b = make_tribe(owner, [make_user()]), make_tribe(owner, [make_user()])
    announced(owner, a["slug"])
    assert announce(owner, a["slug"]).status_code == 429
    announced(owner, b["slug"])


def test_each_announcement_is_audited_with_who_what_audience_and_count(meetup_people: Any) -> None:
    w = meetup_people
    out = announced(w["helper"], w["slug"], title="Bring a mug", meetup_id=w["meetup"]["id"], rsvp=["going", "maybe"])
    [entry] = [e for e in w["owner"].get(f"tribes/{w['slug']}/audit-log").get_json()["items"]
               if e["action"] == "announcement_sent"]
    assert entry["actor"]["id"] == w["helper"].user["id"]
    details = entry["details"]
    assert details["announcement_id"] == out["id"] and details["title"] == "Bring a mug"
    assert details["audience"] == "meetup" and details["meetup_id"] == w["meetup"]["id"]
    assert details["rsvp"] == ["going", "maybe"] and details["count"] == 2 and details["essential"] is False


def test_export_has_what_i_wrote_and_what_was_addressed_to_me(meetup_people: Any) -> None:
    w = meetup_people
    out = announced(w["owner"], w["slug"], title="For the maybes", meetup_id=w["meetup"]["id"], rsvp=["maybe"])
    mine = w["owner"].get("me/export").get_json()
    assert [a["id"] for a in mine["announcements_written"]] == [out["id"]]
    theirs = w["people"]["maybe"].get("me/export").get_json()
    assert [a["title"] for a in theirs["announcements_addressed_to_me"]] == ["For the maybes"]
    assert theirs["announcements_written"] == []
    assert w["people"]["going"].get("me/export").get_json()["announcements_addressed_to_me"] == []


def test_an_authors_deleted_account_leaves_the_announcement_as_from_a_deleted_member(
        meetup_people: Any) -> None:
    w = meetup_people
    out = announced(w["helper"], w["slug"], title="Kept")
    deleted = w["helper"].delete("me", {"password": "correct horse battery staple"})
    assert deleted.status_code == 204, deleted.get_json()
    [item] = w["people"]["none"].get(f"tribes/{w['slug']}/announcements").get_json()["items"]
    assert item["id"] == out["id"] and item["author"] is None
