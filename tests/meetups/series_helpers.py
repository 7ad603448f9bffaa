"""Helpers for the series tests: create a series, list occurrences through the API, the feed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from icalendar import Calendar


def make_series(owner: Any, slug: str, day: str = "2027-01-07", start: str = "19:00", end: str = "21:00",
                rrule: str = "FREQ=MONTHLY;BYDAY=1TH", **fields: Any) -> dict[str, Any]:
    """Create a series (19:00–21:00 Europe/Berlin) and return the first occurrence's JSON."""
    recurrence = {"rrule": rrule, **({"until": fields.pop("until")} if "until" in fields else {})}
    body = {"title": "Stammtisch", "starts_at": f"{day}T{start}", "ends_at": f"{day}T{end}",
            "timezone": "Europe/Berlin", "recurrence": recurrence, **fields}
    response = owner.post(f"tribes/{slug}/meetups", body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def api_occurrences(client: Any, slug: str, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Every meetup of the tribe in [start, end) through GET /tribes/{slug}/meetups, all pages."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {"from": start.isoformat(), "to": end.isoformat(), "limit": "200"}
        if cursor:
            query["cursor"] = cursor
        page = client.get(f"tribes/{slug}/meetups", query_string=query).get_json()
        items += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            return items


def feed(client: Any, owner: Any) -> Calendar:
    """The owner's private feed, fetched without a cookie and parsed."""
    url = owner.post("me/calendar-token").get_json()["url"]
    response = client.get(url.removeprefix("http://localhost"))
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    return Calendar.from_ical(response.get_data())
