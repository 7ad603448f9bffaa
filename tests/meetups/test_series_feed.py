"""The calendar feed of a series, parsed with icalendar and expanded with recurring_ical_events,
equals the API's occurrences exactly: DST switches, a moved-by-a-day override, a cancelled
occurrence (EXDATE) and a this-and-following change (split series)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import recurring_ical_events

from tests.meetups.series_helpers import api_occurrences, feed, make_series

BERLIN = ZoneInfo("Europe/Berlin")
WINDOW = (datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 11, 30, tzinfo=UTC))


def _expanded(cal: Any, start: datetime, end: datetime) -> list[tuple[datetime, datetime, str]]:
    rows = []
    for event in recurring_ical_events.of(cal).between(start, end):
        if str(event.get("status", "")).upper() == "CANCELLED":
            continue
        rows.append((event.decoded("dtstart").astimezone(UTC), event.decoded("dtend").astimezone(UTC),
                     str(event["summary"])))
    return sorted(rows)


def _api(client: Any, slug: str, start: datetime, end: datetime) -> list[tuple[datetime, datetime, str]]:
    return sorted((datetime.fromisoformat(i["starts_at"]), datetime.fromisoformat(i["ends_at"]), i["title"])
                  for i in api_occurrences(client, slug, start, end) if i["status"] == "scheduled")


def test_feed_expansion_equals_api_with_override_exdate_and_split(client: Any, crowd: Any) -> None:
    tribe, owner, [member] = crowd(1)
    slug = tribe["slug"]
    first = make_series(owner, slug)  # every first Thursday 19:00 Berlin from 2027-01-07
    items = api_occurrences(owner, slug, *WINDOW)
    # a plain DST check in the feed: the master says 19:00 Europe/Berlin
    cal = feed(client, owner)
    [master] = [e for e in cal.walk("VEVENT") if "RRULE" in e]
    assert master["dtstart"].params["TZID"] == "Europe/Berlin" and master.decoded("dtstart").hour == 19
    assert _expanded(cal, *WINDOW) == _api(owner, slug, *WINDOW)

    # one occurrence moved by a day (an override), one cancelled (an EXDATE)
    moved, cancelled = items[2], items[5]
    start = datetime.fromisoformat(moved["starts_at"]) + timedelta(days=1)
    changed = owner.patch(f"meetups/{moved['id']}", {"starts_at": start.isoformat(),
                                                     "ends_at": (start + timedelta(hours=2)).isoformat()})
    assert changed.status_code == 200 and changed.get_json()["sequence"] == 1
    assert owner.post(f"meetups/{cancelled['id']}/cancel", {"reason": "Holiday"}).status_code == 200
    # this and following from the 8th: another title and 18:30 (the summer-to-winter switch lies after it)
    split = owner.patch(f"series/{first['series']['id']}",
                        {"from_meetup_id": items[7]["id"], "title": "Autumn Stammtisch", "start_time": "18:30"})
    assert split.status_code == 200, split.get_json()

    cal = feed(client, member)
    api = _api(member, slug, *WINDOW)
    assert _expanded(cal, *WINDOW) == api
    assert len(api) == len(items) - 1
    assert (start, start + timedelta(hours=2), "Stammtisch") in api
    assert sum(1 for _s, _e, title in api if title == "Autumn Stammtisch") == len(items) - 7

    events = list(cal.walk("VEVENT"))
    masters = [e for e in events if "RRULE" in e]
    assert len(masters) == 2 and len({str(e["uid"]) for e in masters}) == 2  # the split: two series
    old = next(e for e in masters if str(e["summary"]) == "Stammtisch")
    assert old["rrule"]["UNTIL"]  # the old series stops before the 8th
    exdates = [d.dt for prop in (old["exdate"] if isinstance(old["exdate"], list) else [old["exdate"]])
               for d in prop.dts]
    assert [d.astimezone(UTC) for d in exdates] == [datetime.fromisoformat(cancelled["starts_at"])]
    [override] = [e for e in events if "RECURRENCE-ID" in e]
    assert str(override["uid"]) == str(old["uid"]) and override["sequence"] == 1
    assert override.decoded("recurrence-id").astimezone(UTC) == datetime.fromisoformat(moved["starts_at"])
    assert override["recurrence-id"].params["TZID"] == "Europe/Berlin"
    # the single meetup's .ics stays one plain VEVENT with the occurrence's own UID
    single = owner.get(f"meetups/{moved['id']}/ics")
    from icalendar import Calendar

    [plain] = list(Calendar.from_ical(single.get_data()).walk("VEVENT"))
    assert "RRULE" not in plain and "RECURRENCE-ID" not in plain and str(plain["uid"]) != str(old["uid"])


def test_weekly_series_across_spring_switch_and_rule_change(client: Any, crowd: Any) -> None:
    tribe, owner, _ = crowd(0)
    slug = tribe["slug"]
    first = make_series(owner, slug, day="2026-12-03", rrule="FREQ=WEEKLY;BYDAY=TH")
    items = api_occurrences(owner, slug, *WINDOW)
    pivot = next(i for i in items if i["starts_at"] >= "2027-03-20")
    response = owner.patch(f"series/{first['series']['id']}",
                           {"from_meetup_id": pivot["id"], "rrule": "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH"})
    assert response.status_code == 200, response.get_json()
    window = (WINDOW[0], datetime(2027, 5, 20, tzinfo=UTC))
    api = _api(owner, slug, *window)
    assert _expanded(feed(client, owner), *window) == api
    local = [s.astimezone(BERLIN) for s, _e, _t in api]
    assert {s.hour for s in local} == {19}
    later = [s.date() for s in local if s >= datetime.fromisoformat(pivot["starts_at"])]
    assert len(later) >= 4 and all((b - a) == timedelta(days=14) for a, b in zip(later, later[1:], strict=False))


def test_the_online_link_of_a_series_reaches_only_the_occurrences_i_am_going_to(client: Any, crowd: Any) -> None:
    """The master never carries the online link; an occurrence I am going to does (as an override),
    and the expansion still equals the API's occurrences."""
    tribe, owner, [going, other] = crowd(2)
    slug = tribe["slug"]
    link = "https://meet.example.test/stammtisch-room"
    make_series(owner, slug, online_url=link)
    items = api_occurrences(owner, slug, *WINDOW)
    assert going.put(f"meetups/{items[3]['id']}/rsvp", {"status": "going"}).status_code == 200
    assert other.put(f"meetups/{items[3]['id']}/rsvp", {"status": "maybe"}).status_code == 200

    mine = feed(client, going)
    with_link = [e for e in mine.walk("VEVENT") if str(e.get("url", "")) == link]
    assert len(with_link) == 1 and "RRULE" not in with_link[0]
    assert with_link[0].decoded("recurrence-id").astimezone(UTC) == datetime.fromisoformat(items[3]["starts_at"])
    assert _expanded(mine, *WINDOW) == _api(going, slug, *WINDOW)
    theirs = feed(client, other)
    assert link.encode() not in theirs.to_ical()
    assert _expanded(theirs, *WINDOW) == _api(other, slug, *WINDOW)
    assert link.encode() in feed(client, owner).to_ical()      # organisers always see it
