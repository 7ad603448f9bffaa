"""Listing meetups: upcoming order, windows, keyset pages, bounded queries, attendees."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from tests.meetups.conftest import iso


def test_upcoming_soonest_first_window_and_pages(crowd: Any, new_meetup: Any) -> None:
    tribe, owner, (member,) = crowd(1)
    base = datetime.now(UTC).replace(second=0, microsecond=0)
    new_meetup(owner, tribe["slug"], title="ended", start=base - timedelta(days=1))
    running = new_meetup(owner, tribe["slug"], title="running", start=base - timedelta(hours=1))
    later = [new_meetup(owner, tribe["slug"], title=f"m{i}", start=base + timedelta(days=9 - i)) for i in range(5)]
    same = [new_meetup(owner, tribe["slug"], title=f"same{i}", start=base + timedelta(days=20)) for i in range(3)]
    expected = [running["id"]] + [m["id"] for m in reversed(later)] + [m["id"] for m in same]
    seen, cursor = [], None
    while True:
        path = f"tribes/{tribe['slug']}/meetups?limit=3" + (f"&cursor={cursor}" if cursor else "")
        body = member.get(path).get_json()
        seen += [m["id"] for m in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert seen == expected
    start, end = quote(iso(base + timedelta(days=5, hours=3))), quote(iso(base + timedelta(days=8)))
    window = member.get(f"tribes/{tribe['slug']}/meetups?from={start}&to={end}").get_json()["items"]
    assert [m["title"] for m in window] == ["m3", "m2"]  # m4 at day 5 ended before `from`
    assert member.get(f"tribes/{tribe['slug']}/meetups?from=yesterday").status_code == 422
    assert member.get(f"tribes/{tribe['slug']}/meetups?cursor=abc").status_code == 422
    assert member.get(f"tribes/{tribe['slug']}/meetups?from={end}&to={start}").status_code == 422


def test_my_meetups_across_tribes_with_my_rsvp(crowd: Any, make_tribe: Any, make_user: Any, new_meetup: Any) -> None:
    tribe, owner, (member,) = crowd(1)
    second = make_tribe(members=[member])
    third = make_tribe()
    a = new_meetup(owner, tribe["slug"], start=datetime.now(UTC) + timedelta(days=2))
    b = new_meetup(second["owner"], second["slug"], start=datetime.now(UTC) + timedelta(days=1))
    new_meetup(third["owner"], third["slug"])
    member.put(f"meetups/{a['id']}/rsvp", {"status": "going"})
    items = member.get("me/meetups").get_json()["items"]
    assert [(m["id"], m["tribe"], m["my_rsvp"]) for m in items] == [
        (b["id"], second["slug"], None), (a["id"], tribe["slug"], "going")
    ]


def test_list_query_count_does_not_grow_with_page_size(crowd: Any, new_meetup: Any, count_queries: Any) -> None:
    tribe, owner, members = crowd(3)
    for i in range(12):
        m = new_meetup(owner, tribe["slug"], capacity=1, start=datetime.now(UTC) + timedelta(days=i + 1))
        for member in members:
            member.put(f"meetups/{m['id']}/rsvp", {"status": "going"})
    counts = {}
    for size in (2, 12):
        response, counts[size] = count_queries.measure(
            lambda s=size: members[0].get(f"tribes/{tribe['slug']}/meetups?limit={s}")
        )
        body = response.get_json()
        assert len(body["items"]) == size
        assert all(m["waitlist_count"] == 2 and m["my_rsvp"] == "going" for m in body["items"])
    assert counts[2] == counts[12], counts
    _, mine = count_queries.measure(lambda: members[0].get("me/meetups?limit=12"))
    assert mine <= counts[12] + 1


def test_attendees_follow_visibility(crowd: Any, new_meetup: Any) -> None:
    tribe, owner, (a, b, c) = crowd(3, max_guests=1)
    public = new_meetup(owner, tribe["slug"], capacity=2, max_guests=1)
    a.put(f"meetups/{public['id']}/rsvp", {"status": "going", "guests": 1})
    b.put(f"meetups/{public['id']}/rsvp", {"status": "going"})
    c.put(f"meetups/{public['id']}/rsvp", {"status": "going"})
    seen = c.get(f"meetups/{public['id']}/attendees").get_json()
    assert [(x["user"]["id"], x["guests"]) for x in seen["items"]] == [(a.user["id"], 1)]
    assert seen["going_count"] == 2 and seen["waitlist_count"] == 2
    org = owner.get(f"meetups/{public['id']}/attendees").get_json()["items"]
    assert [(x["user"]["id"], x["status"], x.get("waitlist_position")) for x in org] == [
        (a.user["id"], "going", None), (b.user["id"], "waitlisted", 1), (c.user["id"], "waitlisted", 2)
    ]
    counted = new_meetup(owner, tribe["slug"], attendee_visibility="count")
    a.put(f"meetups/{counted['id']}/rsvp", {"status": "going"})
    only_count = b.get(f"meetups/{counted['id']}/attendees").get_json()
    assert only_count["items"] == [] and only_count["going_count"] == 1
    private = new_meetup(owner, tribe["slug"], attendee_visibility="organisers")
    assert b.get(f"meetups/{private['id']}/attendees").status_code == 403
    assert len(owner.get(f"meetups/{private['id']}/attendees").get_json()["items"]) == 0


def test_meetup_page_lists_attendees_like_the_api(crowd: Any, new_meetup: Any) -> None:
    tribe, owner, (a, b) = crowd(2)
    owner.patch("me", {"display_name": "Olga Organiser"})
    a.patch("me", {"display_name": "Anna Attending"})
    b.patch("me", {"display_name": "Bea Waiting"})
    pages = {}
    for visibility in ("members", "count", "organisers"):
        meetup = new_meetup(owner, tribe["slug"], capacity=1, attendee_visibility=visibility)
        a.put(f"meetups/{meetup['id']}/rsvp", {"status": "going"})
        b.put(f"meetups/{meetup['id']}/rsvp", {"status": "going"})
        pages[visibility] = (
            b.http.get(f"/meetups/{meetup['id']}").get_data(as_text=True),
            owner.http.get(f"/meetups/{meetup['id']}").get_data(as_text=True),
        )
    member_view, organiser_view = pages["members"]
    assert "Anna Attending" in member_view
    assert "Anna Attending" in organiser_view and "Bea Waiting" in organiser_view
    for visibility in ("count", "organisers"):
        member_view, organiser_view = pages[visibility]
        assert "Anna Attending" not in member_view
        assert "Anna Attending" in organiser_view and "Bea Waiting" in organiser_view
