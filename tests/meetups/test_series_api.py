"""Recurring series through the API: creation, rule checks, DST, one / following changes, end,
answering all following, the materialiser and orphaned series (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from tests.meetups.series_helpers import api_occurrences, make_series

BERLIN = ZoneInfo("Europe/Berlin")
YEAR = (datetime(2027, 1, 1, tzinfo=UTC), datetime(2028, 1, 1, tzinfo=UTC))



def forget_last_occurrence(app: Any, sid: int) -> None:
    """Delete the series' newest occurrence and move its horizon back before it, as if the job
    had not made it yet (the next pass must make it, or not)."""
    from tribes.extensions import db
    from tribes.meetups.models import Meetup
    from tribes.meetups.series_models import MeetupSeries

    with app.app_context():
        last = db.session.scalars(select(Meetup).where(Meetup.series_id == sid).order_by(Meetup.starts_at.desc())).first()
        db.session.get(MeetupSeries, sid).materialised_until = last.starts_at - timedelta(days=1)
        db.session.delete(last)
        db.session.commit()


def run_materialiser(app: Any) -> int:
    """One materialising pass, committed; how many occurrences it made."""
    from tribes.extensions import db
    from tribes.meetups.series import materialise_all

    with app.app_context():
        made = materialise_all(db.session, datetime.now(UTC))
        db.session.commit()
    return made

def _local(item: dict[str, Any], key: str = "starts_at") -> datetime:
    return datetime.fromisoformat(item[key]).astimezone(BERLIN)


def test_monthly_series_keeps_19_00_across_both_dst_switches(crowd: Any, new_meetup: Any) -> None:
    tribe, owner, [member] = crowd(1)
    first = make_series(owner, tribe["slug"])
    assert first["series"]["rrule"] == "FREQ=MONTHLY;BYDAY=1TH"
    assert first["starts_at"] == "2027-01-07T18:00:00+00:00"
    items = api_occurrences(member, tribe["slug"], *YEAR)
    assert len(items) >= 11  # Jan..Nov 2027 at least: 12 months ahead for a monthly rule
    assert all(i["series"] == first["series"] for i in items)
    assert all(_local(i).strftime("%a %H:%M") == "Thu 19:00" and _local(i).day <= 7 for i in items)
    assert all(_local(i, "ends_at").strftime("%H:%M") == "21:00" for i in items)
    utc_hours = {i["starts_at"][:10]: datetime.fromisoformat(i["starts_at"]).hour for i in items}
    assert utc_hours["2027-03-04"] == 18 and utc_hours["2027-04-01"] == 17  # spring forward (Mar 28)
    assert utc_hours["2027-10-07"] == 17 and utc_hours["2027-11-04"] == 18  # fall back (Oct 31)
    assert len({i["id"] for i in items}) == len(items)
    series = member.get(f"series/{first['series']['id']}").get_json()
    assert series["rule_text"] == "every first Thursday, 19:00"
    assert series["status"] == "active" and series["timezone"] == "Europe/Berlin"
    # one notification for the new series, not one per occurrence
    kinds = [n["kind"] for n in member.get("notifications").get_json()["items"]]
    assert kinds.count("meetup_created") == 1
    plain = new_meetup(owner, tribe["slug"])
    assert plain["series"] is None


def test_german_rule_text(crowd: Any) -> None:
    tribe, owner, [member] = crowd(1)
    first = make_series(owner, tribe["slug"])
    biweekly = make_series(owner, tribe["slug"], day="2027-01-05", rrule="FREQ=WEEKLY;INTERVAL=2",
                           until="2027-03-31")
    assert member.patch("me", {"locale": "de"}).status_code == 200
    assert member.get(f"series/{first['series']['id']}").get_json()["rule_text"] == "jeden ersten Donnerstag, 19:00"
    text = member.get(f"series/{biweekly['series']['id']}").get_json()["rule_text"]
    assert text.startswith("alle 2 Wochen am Dienstag, 19:00, bis 31.03.2027"), text


@pytest.mark.parametrize("rule", ["FREQ=YEARLY", "FREQ=HOURLY", "FREQ=DAILY;BYHOUR=9,18", "FREQ=WEEKLY;BYMINUTE=5",
                                  "FREQ=WEEKLY;COUNT=1000", "FREQ=MONTHLY;BYDAY=9XX", "nonsense", "",
                                  "FREQ=WEEKLY;UNTIL=20270101T000000Z", "FREQ=DAILY;FREQ=WEEKLY",
                                  # digits are ASCII digits: "²" passes str.isdigit but not int(), "٣" is
                                  # a number to int() but no calendar reads it in a feed's RRULE
                                  "FREQ=WEEKLY;INTERVAL=²", "FREQ=WEEKLY;COUNT=²", "FREQ=WEEKLY;INTERVAL=٣"])
def test_bad_rules_are_422_and_change_nothing(crowd: Any, rule: str) -> None:
    tribe, owner, _ = crowd(0)
    before = api_occurrences(owner, tribe["slug"], *YEAR)
    body = {"title": "Bad", "starts_at": "2027-01-07T19:00", "ends_at": "2027-01-07T21:00",
            "timezone": "Europe/Berlin", "recurrence": {"rrule": rule}}
    response = owner.post(f"tribes/{tribe['slug']}/meetups", body)
    assert response.status_code == 422, response.get_json()
    assert "recurrence" in str(response.get_json()["error"]["fields"])
    assert api_occurrences(owner, tribe["slug"], *YEAR) == before


def test_count_becomes_the_last_occurrence(crowd: Any) -> None:
    tribe, owner, _ = crowd(0)
    make_series(owner, tribe["slug"], day="2027-01-04", rrule="FREQ=WEEKLY;BYDAY=MO,TH;COUNT=5")
    days = [i["starts_at"][:10] for i in api_occurrences(owner, tribe["slug"], *YEAR)]
    assert days == ["2027-01-04", "2027-01-07", "2027-01-11", "2027-01-14", "2027-01-18"]


def test_member_cannot_create_or_change_and_outsider_gets_404(crowd: Any, make_user: Any) -> None:
    tribe, owner, [member] = crowd(1)
    first = make_series(owner, tribe["slug"])
    sid = first["series"]["id"]
    body = {"title": "X", "starts_at": "2027-01-07T19:00", "ends_at": "2027-01-07T21:00",
            "timezone": "Europe/Berlin", "recurrence": {"rrule": "FREQ=WEEKLY"}}
    assert member.post(f"tribes/{tribe['slug']}/meetups", body).status_code == 403
    assert member.patch(f"series/{sid}", {"from_meetup_id": first["id"], "title": "Mine"}).status_code == 403
    assert member.post(f"series/{sid}/end").status_code == 403
    outsider = make_user()
    for response in (outsider.get(f"series/{sid}"), outsider.put(f"series/{sid}/rsvp", {"status": "going"})):
        assert response.status_code == 404
    assert owner.get(f"series/{sid}").get_json()["title"] == "Stammtisch"


def test_this_and_following_splits_and_leaves_earlier_alone(crowd: Any) -> None:
    tribe, owner, [member] = crowd(1)
    first = make_series(owner, tribe["slug"])
    items = api_occurrences(owner, tribe["slug"], *YEAR)
    early, pivot = items[:4], items[4]
    assert member.put(f"meetups/{pivot['id']}/rsvp", {"status": "going"}).status_code == 200
    response = owner.patch(f"series/{first['series']['id']}", {
        "from_meetup_id": pivot["id"], "title": "Late Stammtisch", "start_time": "18:30", "location": "Pub"})
    assert response.status_code == 200, response.get_json()
    new_series = response.get_json()
    assert new_series["id"] != first["series"]["id"] and new_series["title"] == "Late Stammtisch"
    after = api_occurrences(owner, tribe["slug"], *YEAR)
    assert [(i["id"], i["title"], i["starts_at"]) for i in after[:4]] == \
        [(i["id"], i["title"], i["starts_at"]) for i in early]
    later = after[4:]
    assert later[0]["id"] == pivot["id"]  # the same meetup, RSVPs kept
    assert all(i["title"] == "Late Stammtisch" and _local(i).strftime("%H:%M") == "18:30" for i in later)
    assert all(_local(i, "ends_at").strftime("%H:%M") == "20:30" and i["location"] == "Pub" for i in later)
    assert all(i["series"]["id"] == new_series["id"] for i in later)
    assert member.get(f"meetups/{pivot['id']}/rsvp").get_json()["status"] == "going"
    old = owner.get(f"series/{first['series']['id']}").get_json()
    assert old["until"] is not None and datetime.fromisoformat(old["until"]) < datetime.fromisoformat(pivot["starts_at"])
    kinds = [n["kind"] for n in member.get("notifications").get_json()["items"]]
    assert "meetup_changed" in kinds  # the going member is told the time moved


def test_bad_patch_changes_nothing(crowd: Any) -> None:
    tribe, owner, [member] = crowd(1)
    first = make_series(owner, tribe["slug"], capacity=3)
    items = api_occurrences(owner, tribe["slug"], *YEAR)
    member.put(f"meetups/{items[6]['id']}/rsvp", {"status": "going", "guests": 0})
    items = api_occurrences(owner, tribe["slug"], *YEAR)
    sid = first["series"]["id"]
    for body in ({"from_meetup_id": 1, "title": "x"}, {"from_meetup_id": items[2]["id"], "rrule": "FREQ=YEARLY"},
                 {"from_meetup_id": items[2]["id"], "capacity": 0}):
        assert owner.patch(f"series/{sid}", body).status_code == 422
    assert api_occurrences(owner, tribe["slug"], *YEAR) == items
    assert owner.get(f"series/{sid}").get_json()["until"] is None


def test_end_series_cancels_future_and_tells_people(crowd: Any) -> None:
    tribe, owner, [member] = crowd(1)
    first = make_series(owner, tribe["slug"])
    items = api_occurrences(owner, tribe["slug"], *YEAR)
    member.put(f"meetups/{items[2]['id']}/rsvp", {"status": "going"})
    ended = owner.post(f"series/{first['series']['id']}/end")
    assert ended.status_code == 200 and ended.get_json()["status"] == "ended"
    assert {i["status"] for i in api_occurrences(owner, tribe["slug"], *YEAR)} == {"cancelled"}
    kinds = [n["kind"] for n in member.get("notifications").get_json()["items"]]
    assert kinds.count("meetup_cancelled") == 1


def test_rsvp_to_all_following_respects_capacity_and_is_inherited(app: Any, crowd: Any) -> None:
    tribe, owner, [ann, bob] = crowd(2)
    first = make_series(owner, tribe["slug"], capacity=1)
    sid = first["series"]["id"]
    assert ann.put(f"series/{sid}/rsvp", {"status": "going"}).get_json()["status"] == "going"
    answer = bob.put(f"series/{sid}/rsvp", {"status": "going"}).get_json()
    assert {o["status"] for o in answer["occurrences"]} == {"waitlisted"}
    items = api_occurrences(ann, tribe["slug"], *YEAR)
    assert {i["my_rsvp"] for i in items} == {"going"} and {i["going_count"] for i in items} == {1}
    # the materialiser makes the next months later on: they inherit the standing answers

    forget_last_occurrence(app, sid)
    assert run_materialiser(app) == 1
    again = api_occurrences(ann, tribe["slug"], *YEAR)
    assert len(again) == len(items) and {i["my_rsvp"] for i in again} == {"going"}
    assert {i["my_rsvp"] for i in api_occurrences(bob, tribe["slug"], *YEAR)} == {"waitlisted"}


def test_materialiser_is_idempotent_even_concurrently(app: Any, crowd: Any) -> None:
    tribe, owner, _ = crowd(0)
    first = make_series(owner, tribe["slug"], day="2026-12-02", rrule="FREQ=WEEKLY")
    sid = first["series"]["id"]
    from tribes.extensions import db
    from tribes.meetups.models import Meetup
    from tribes.meetups.series_jobs import run_once
    from tribes.meetups.series_models import MeetupSeries

    def count() -> int:
        with app.app_context():
            return int(db.session.scalar(select(func.count()).where(Meetup.series_id == sid)) or 0)

    made = count()
    assert 25 <= made <= 28  # six months of weeks for a weekly rule
    assert run_once(app) == 0 and count() == made
    with app.app_context():  # forget the progress and half the occurrences
        series = db.session.get(MeetupSeries, sid)
        series.materialised_until = None
        for meetup in db.session.scalars(select(Meetup).where(Meetup.series_id == sid)).all()[::2]:
            db.session.delete(meetup)
        db.session.commit()
    barrier = threading.Barrier(4)
    results: list[int] = []

    def work() -> None:
        barrier.wait()
        results.append(run_once(app))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert count() == made
    assert sum(results) == made - made // 2  # every missing one made exactly once
    with app.app_context():
        starts = db.session.scalars(select(Meetup.original_start).where(Meetup.series_id == sid)).all()
        assert len(set(starts)) == len(starts)


def test_series_whose_organiser_left_stops_and_admins_are_told(app: Any, crowd: Any, make_user: Any) -> None:
    tribe, owner, [member] = crowd(1)
    slug = tribe["slug"]
    organiser = make_user()
    from tests.conftest import join

    join(owner, organiser, slug)
    assert owner.patch(f"tribes/{slug}/members/{organiser.user['id']}", {"role": "organiser"}).status_code == 200
    first = make_series(organiser, slug, day="2026-12-02", rrule="FREQ=WEEKLY")
    sid = first["series"]["id"]
    assert owner.patch(f"tribes/{slug}/members/{organiser.user['id']}", {"role": "member"}).status_code == 200
    from tribes.meetups.series_jobs import run_once

    forget_last_occurrence(app, sid)
    before = len(api_occurrences(owner, slug, *YEAR))
    run_once(app)
    run_once(app)
    assert len(api_occurrences(owner, slug, *YEAR)) == before  # no new occurrence
    assert owner.get(f"series/{sid}").get_json()["status"] == "orphaned"
    told = [n for n in owner.get("notifications").get_json()["items"] if n["kind"] == "series_orphaned"]
    assert len(told) == 1 and "Stammtisch" in told[0]["text"]
    assert not [n for n in member.get("notifications").get_json()["items"] if n["kind"] == "series_orphaned"]
    adopted = owner.post(f"series/{sid}/adopt")
    assert adopted.status_code == 200 and adopted.get_json()["status"] == "active"
    assert adopted.get_json()["organiser"]["id"] == owner.user["id"]
    assert len(api_occurrences(owner, slug, *YEAR)) == before + 1


def test_a_series_starting_beyond_the_horizon_has_its_first_occurrence(crowd: Any) -> None:
    tribe, owner, _ = crowd(0)
    first = make_series(owner, tribe["slug"], day="2028-06-05", rrule="FREQ=WEEKLY")
    assert first["starts_at"] == "2028-06-05T17:00:00+00:00" and first["series"] is not None
    assert owner.get(f"meetups/{first['id']}").get_json()["series"] == first["series"]


def test_every_occurrence_asks_the_series_questions_and_has_a_door_code(app: Any, crowd: Any) -> None:
    """Questions given with the series reach every occurrence, those the job makes later too;
    a standing "going" skips occurrences with required questions (the member answers there)."""
    tribe, owner, [ann] = crowd(1)
    asked = [{"text": "Vegetarian?", "required": False}, {"text": "Which project?", "required": True}]
    first = make_series(owner, tribe["slug"], questions=asked)
    sid = first["series"]["id"]
    items = api_occurrences(owner, tribe["slug"], *YEAR)
    assert len(items) > 3
    for item in items:
        assert [(q["text"], q["required"]) for q in item["questions"]] == [(a["text"], a["required"]) for a in asked]
    codes = {owner.get(f"meetups/{i['id']}").get_json()["checkin_code"] for i in items}
    assert len(codes) == len(items) and None not in codes          # each its own door code
    assert "checkin_code" not in ann.get(f"meetups/{items[0]['id']}").get_json()

    refused = ann.put(f"series/{sid}/rsvp", {"status": "going"})
    assert refused.status_code == 422                                 # the required question first

    assert ann.put(f"series/{sid}/rsvp", {"status": "maybe"}).status_code == 200
    forget_last_occurrence(app, sid)
    assert run_materialiser(app) == 1
    again = api_occurrences(ann, tribe["slug"], *YEAR)
    newest = max(again, key=lambda i: i["starts_at"])
    assert [q["text"] for q in newest["questions"]] == ["Vegetarian?", "Which project?"]
    assert {i["my_rsvp"] for i in again} == {"maybe"}                 # the standing answer, inherited


def test_following_moved_to_another_weekday_moves_the_weekly_series(crowd: Any) -> None:
    tribe, owner, [member] = crowd(1)
    first = make_series(owner, tribe["slug"], rrule="FREQ=WEEKLY", until="2027-03-25")  # Thursdays
    items = api_occurrences(owner, tribe["slug"], *YEAR)
    pivot = items[4]  # Thursday 2027-02-04
    assert _local(pivot).date().isoformat() == "2027-02-04"
    assert member.put(f"meetups/{items[6]['id']}/rsvp", {"status": "going"}).status_code == 200
    response = owner.patch(f"series/{first['series']['id']}",
                           {"from_meetup_id": pivot["id"], "start_date": "2027-02-05"})  # a Friday
    assert response.status_code == 200, response.get_json()
    moved = response.get_json()
    assert moved["rrule"] == "FREQ=WEEKLY" and moved["rule_text"].startswith("every Friday, 19:00")
    after = api_occurrences(owner, tribe["slug"], *YEAR)
    assert [_local(i).strftime("%a %d.%m. %H:%M") for i in after if i["status"] == "scheduled"] == [
        "Thu 07.01. 19:00", "Thu 14.01. 19:00", "Thu 21.01. 19:00", "Thu 28.01. 19:00",
        "Fri 05.02. 19:00", "Fri 12.02. 19:00", "Fri 19.02. 19:00", "Fri 26.02. 19:00",
        "Fri 05.03. 19:00", "Fri 12.03. 19:00", "Fri 19.03. 19:00", "Fri 26.03. 19:00"]  # the last one too
    assert {i["status"] for i in after} == {"scheduled"}
    assert [i["id"] for i in after[4:]] == [i["id"] for i in items[4:]]  # the same meetups, RSVPs kept
    assert member.get(f"meetups/{items[6]['id']}/rsvp").get_json()["status"] == "going"
    kinds = [n["kind"] for n in member.get("notifications").get_json()["items"]]
    assert "meetup_changed" in kinds  # the going member is told the day moved


def test_following_moved_shifts_the_weekdays_of_a_rule_with_byday(crowd: Any) -> None:
    tribe, owner, _ = crowd(0)
    first = make_series(owner, tribe["slug"], day="2027-01-04", rrule="FREQ=WEEKLY;BYDAY=MO,WE", until="2027-01-31")
    items = api_occurrences(owner, tribe["slug"], *YEAR)
    response = owner.patch(f"series/{first['series']['id']}",
                           {"from_meetup_id": items[0]["id"], "start_date": "2027-01-05"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["rrule"] == "FREQ=WEEKLY;BYDAY=TU,TH"
    after = api_occurrences(owner, tribe["slug"], *YEAR)
    assert [_local(i).strftime("%a %d") for i in after] == [
        "Tue 05", "Thu 07", "Tue 12", "Thu 14", "Tue 19", "Thu 21", "Tue 26", "Thu 28"]
    assert {i["status"] for i in after} == {"scheduled"}


@pytest.mark.parametrize(("locale", "text"), [
    ("en", "a new date alone applies to this meetup only"),
    ("de", "ein neues Datum allein gilt nur für dieses Treffen"),
])
def test_a_monthly_series_cannot_move_by_a_new_date_and_nothing_changes(crowd: Any, locale: str, text: str) -> None:
    tribe, owner, _ = crowd(0)
    first = make_series(owner, tribe["slug"])  # every first Thursday
    assert owner.patch("me", {"locale": locale}).status_code == 200
    items = api_occurrences(owner, tribe["slug"], *YEAR)
    response = owner.patch(f"series/{first['series']['id']}",
                           {"from_meetup_id": items[3]["id"], "start_date": "2027-04-02", "title": "Moved"})
    assert response.status_code == 422
    assert text in response.get_json()["error"]["fields"]["start_date"]
    assert api_occurrences(owner, tribe["slug"], *YEAR) == items
    series = owner.get(f"series/{first['series']['id']}").get_json()
    assert series["until"] is None and series["rrule"] == "FREQ=MONTHLY;BYDAY=1TH"
    # a new rule must hold the new date; with one that does, the move is possible
    response = owner.patch(f"series/{first['series']['id']}", {
        "from_meetup_id": items[3]["id"], "start_date": "2027-04-02", "rrule": "FREQ=MONTHLY;BYDAY=1SA"})
    assert response.status_code == 422 and "start_date" in response.get_json()["error"]["fields"]
    assert api_occurrences(owner, tribe["slug"], *YEAR) == items
    response = owner.patch(f"series/{first['series']['id']}", {
        "from_meetup_id": items[3]["id"], "start_date": "2027-04-02", "rrule": "FREQ=MONTHLY;BYDAY=1FR"})
    assert response.status_code == 200, response.get_json()
    after = [i for i in api_occurrences(owner, tribe["slug"], *YEAR) if i["status"] == "scheduled"]
    assert [_local(i).strftime("%a %d.%m.") for i in after[2:6]] == ["Thu 04.03.", "Fri 02.04.", "Fri 07.05.",
                                                                    "Fri 04.06."]


def test_a_move_before_the_previous_meetup_is_refused(crowd: Any) -> None:
    tribe, owner, _ = crowd(0)
    first = make_series(owner, tribe["slug"], rrule="FREQ=WEEKLY", until="2027-02-28")
    items = api_occurrences(owner, tribe["slug"], *YEAR)
    for day in ("2027-01-14", "2027-01-13"):  # the 21st to the day of the one before it, or earlier
        response = owner.patch(f"series/{first['series']['id']}", {"from_meetup_id": items[2]["id"], "start_date": day})
        assert response.status_code == 422 and "start_date" in response.get_json()["error"]["fields"]
    assert api_occurrences(owner, tribe["slug"], *YEAR) == items
    response = owner.patch(f"series/{first['series']['id']}",
                           {"from_meetup_id": items[2]["id"], "start_date": "2027-01-15"})
    assert response.status_code == 200, response.get_json()
    assert [i["starts_at"][:10] for i in api_occurrences(owner, tribe["slug"], *YEAR)][:4] == [
        "2027-01-07", "2027-01-14", "2027-01-15", "2027-01-22"]


def test_series_are_orphaned_the_moment_their_organiser_steps_down_leaves_or_goes(
        app: Any, crowd: Any, make_user: Any) -> None:
    """No job pass needed: demoting, leaving and deleting the account each orphan the
    organiser's running series at once and tell the admins once (never the organiser)."""
    from tests.conftest import PASSWORD, join

    tribe, owner, _ = crowd(0)
    slug = tribe["slug"]
    people = [make_user() for _ in range(3)]
    series_ids = []
    for person in people:
        join(owner, person, slug)
        assert owner.patch(f"tribes/{slug}/members/{person.user['id']}", {"role": "organiser"}).status_code == 200
        series_ids.append(make_series(person, slug, day="2027-01-04", rrule="FREQ=WEEKLY")["series"]["id"])
    stepped_down, leaving, deleting = people
    other = make_series(owner, slug, day="2027-01-05", rrule="FREQ=WEEKLY")["series"]["id"]

    def status(sid: int) -> str:
        return owner.get(f"series/{sid}").get_json()["status"]

    def told() -> list[int]:
        return sorted(n["data"]["series_id"] for n in owner.get("notifications?limit=200").get_json()["items"]
                      if n["kind"] == "series_orphaned")

    assert [status(s) for s in series_ids] == ["active"] * 3
    assert owner.patch(f"tribes/{slug}/members/{stepped_down.user['id']}", {"role": "member"}).status_code == 200
    assert status(series_ids[0]) == "orphaned" and told() == [series_ids[0]]
    assert leaving.delete(f"tribes/{slug}/members/{leaving.user['id']}").status_code == 204
    assert status(series_ids[1]) == "orphaned" and told() == sorted(series_ids[:2])
    assert deleting.delete("me", {"password": PASSWORD}).status_code == 204
    assert status(series_ids[2]) == "orphaned" and told() == sorted(series_ids)
    assert status(other) == "active"
    assert not [n for n in stepped_down.get("notifications").get_json()["items"] if n["kind"] == "series_orphaned"]
