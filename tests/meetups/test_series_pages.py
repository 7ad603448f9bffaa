"""Series pages through the Flask test client, and 30 concurrent RSVPs to one occurrence."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tests.meetups.series_helpers import api_occurrences, make_series
from tests.meetups.test_meetups_race import _fire

YEAR = (datetime(2026, 12, 1, tzinfo=UTC), datetime(2028, 1, 1, tzinfo=UTC))


def form(client: Any, path: str, data: dict[str, Any]) -> Any:
    """Post an HTML form with the session's CSRF token."""
    return client.http.post(path, data={"csrf_token": client.csrf, **data})


def test_thirty_concurrent_rsvps_to_an_occurrence_at_capacity_five(crowd: Any) -> None:
    tribe, owner, members = crowd(30)
    make_series(owner, tribe["slug"], capacity=5)
    occurrence = api_occurrences(owner, tribe["slug"], *YEAR)[3]
    responses = _fire(members, "put", f"meetups/{occurrence['id']}/rsvp", {"status": "going"})
    assert all(r.status_code == 200 for r in responses)
    answers = [r.get_json()["status"] for r in responses]
    assert answers.count("going") == 5 and answers.count("waitlisted") == 25
    again = owner.get(f"meetups/{occurrence['id']}").get_json()
    assert again["going_count"] == 5 and again["waitlist_count"] == 25
    others = [i for i in api_occurrences(owner, tribe["slug"], *YEAR) if i["id"] != occurrence["id"]]
    assert {i["going_count"] for i in others} == {0}  # its own seats: the other occurrences are untouched


def test_new_meetup_form_repeats_monthly_on_the_nth_weekday(crowd: Any) -> None:
    tribe, owner, (member,) = crowd(1)
    page = owner.http.get(f"/t/{tribe['slug']}/meetups/new").get_data(as_text=True)
    assert 'name="repeats"' in page and 'name="until"' in page
    made = form(owner, f"/t/{tribe['slug']}/meetups/new", {
        "title": "Stammtisch", "starts_at": "2027-01-07T19:00", "ends_at": "2027-01-07T21:00",
        "timezone": "Europe/Berlin", "max_guests": "0", "attendee_visibility": "members",
        "repeats": "monthly_nth", "until": "2027-06-30"})
    assert made.status_code == 302, made.get_data(as_text=True)
    html = member.http.get(made.headers["Location"]).get_data(as_text=True)
    assert "every first Thursday, 19:00, until Jun 30, 2027" in html
    items = api_occurrences(member, tribe["slug"], *YEAR)
    assert [i["starts_at"][:10] for i in items] == ["2027-01-07", "2027-02-04", "2027-03-04", "2027-04-01",
                                                    "2027-05-06", "2027-06-03"]
    assert items[0]["series"]["rrule"] == "FREQ=MONTHLY;BYDAY=1TH"
    assert member.patch("me", {"locale": "de"}).status_code == 200
    series_page = member.http.get(f"/series/{items[0]['series']['id']}").get_data(as_text=True)
    assert "jeden ersten Donnerstag, 19:00" in series_page


def test_edit_page_this_one_or_following_and_cancel_following(crowd: Any) -> None:
    tribe, owner, _ = crowd(0)
    make_series(owner, tribe["slug"])
    items = api_occurrences(owner, tribe["slug"], *YEAR)
    edit = owner.http.get(f"/meetups/{items[3]['id']}/edit").get_data(as_text=True)
    assert 'value="one" checked' in edit and 'value="following"' in edit
    base = {"title": "Only this", "starts_at": "2027-04-01T19:00", "ends_at": "2027-04-01T21:00",
            "timezone": "Europe/Berlin", "max_guests": "0", "attendee_visibility": "members"}
    assert form(owner, f"/meetups/{items[3]['id']}/edit", {**base, "scope": "one"}).status_code == 302
    after = api_occurrences(owner, tribe["slug"], *YEAR)
    assert [i["title"] for i in after[2:5]] == ["Stammtisch", "Only this", "Stammtisch"]
    following = {**base, "title": "From May", "starts_at": "2027-05-06T20:00", "ends_at": "2027-05-06T22:00"}
    assert form(owner, f"/meetups/{items[4]['id']}/edit", {**following, "scope": "following"}).status_code == 302
    after = api_occurrences(owner, tribe["slug"], *YEAR)
    assert [i["title"] for i in after[:4]] == ["Stammtisch", "Stammtisch", "Stammtisch", "Only this"]
    assert {i["title"] for i in after[4:]} == {"From May"}
    assert {datetime.fromisoformat(i["starts_at"]).astimezone().strftime("%M") for i in after[4:]} == {"00"}
    meetup_page = owner.http.get(f"/meetups/{items[8]['id']}").get_data(as_text=True)
    assert 'name="scope"' in meetup_page and "The whole series" in meetup_page
    assert form(owner, f"/meetups/{items[8]['id']}/cancel", {"reason": "Summer break", "scope": "following"}
                ).status_code == 302
    statuses = [i["status"] for i in api_occurrences(owner, tribe["slug"], *YEAR)]
    assert statuses[:8] == ["scheduled"] * 8 and set(statuses[8:]) == {"cancelled"}


def test_series_page_answers_all_following_and_ends(crowd: Any) -> None:
    tribe, owner, (member,) = crowd(1)
    first = make_series(owner, tribe["slug"])
    sid = first["series"]["id"]
    page = member.http.get(f"/series/{sid}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "every first Thursday, 19:00" in html and "End series" not in html
    assert form(member, f"/series/{sid}/rsvp", {"status": "going"}).status_code == 302
    assert {i["my_rsvp"] for i in api_occurrences(member, tribe["slug"], *YEAR)} == {"going"}
    assert form(member, f"/series/{sid}/end", {}).status_code == 403
    owner_html = owner.http.get(f"/series/{sid}").get_data(as_text=True)
    assert "End series" in owner_html and "data-confirm=" in owner_html
    assert form(owner, f"/series/{sid}/end", {}).status_code == 302
    assert {i["status"] for i in api_occurrences(member, tribe["slug"], *YEAR)} == {"cancelled"}
    assert "This series has ended." in member.http.get(f"/series/{sid}").get_data(as_text=True)


def test_edit_page_following_moved_to_another_day_moves_the_series(crowd: Any) -> None:
    tribe, owner, _ = crowd(0)
    make_series(owner, tribe["slug"], rrule="FREQ=WEEKLY", until="2027-02-28")
    items = api_occurrences(owner, tribe["slug"], *YEAR)
    body = {"title": "Stammtisch", "starts_at": "2027-01-22T18:00", "ends_at": "2027-01-22T20:00",
            "timezone": "Europe/Berlin", "max_guests": "0", "attendee_visibility": "members", "scope": "following"}
    assert form(owner, f"/meetups/{items[2]['id']}/edit", body).status_code == 302  # Thu 21st → Fri 22nd
    after = api_occurrences(owner, tribe["slug"], *YEAR)
    assert [(i["starts_at"][:10], i["status"]) for i in after] == [
        ("2027-01-07", "scheduled"), ("2027-01-14", "scheduled"), ("2027-01-22", "scheduled"),
        ("2027-01-29", "scheduled"), ("2027-02-05", "scheduled"), ("2027-02-12", "scheduled"),
        ("2027-02-19", "scheduled"), ("2027-02-26", "scheduled")]
    page = owner.http.get(f"/meetups/{items[3]['id']}").get_data(as_text=True)
    assert "every Friday, 18:00" in page


def test_edit_page_refuses_a_new_date_for_a_monthly_series_in_both_languages(crowd: Any) -> None:
    tribe, owner, _ = crowd(0)
    make_series(owner, tribe["slug"])  # every first Thursday
    items = api_occurrences(owner, tribe["slug"], *YEAR)
    body = {"title": "Moved", "starts_at": "2027-04-02T19:00", "ends_at": "2027-04-02T21:00",
            "timezone": "Europe/Berlin", "max_guests": "0", "attendee_visibility": "members", "scope": "following"}
    for locale, text in (("en", "a new date alone applies to this meetup only"),
                         ("de", "ein neues Datum allein gilt nur für dieses Treffen")):
        assert owner.patch("me", {"locale": locale}).status_code == 200
        response = form(owner, f"/meetups/{items[3]['id']}/edit", body)
        assert response.status_code == 422
        html = response.get_data(as_text=True)
        assert 'id="starts_at-error"' in html and text in html.replace("&#34;", '"').replace("&#39;", "'")
    assert api_occurrences(owner, tribe["slug"], *YEAR) == items
    # "Only this one" still moves this meetup alone
    assert form(owner, f"/meetups/{items[3]['id']}/edit", {**body, "scope": "one"}).status_code == 302
    after = api_occurrences(owner, tribe["slug"], *YEAR)
    assert after[3]["starts_at"][:10] == "2027-04-02" and after[4]["starts_at"][:10] == "2027-05-06"


def test_edit_page_repeats_choice_moves_a_monthly_series_to_the_new_day(crowd: Any) -> None:
    tribe, owner, _ = crowd(0)
    make_series(owner, tribe["slug"])  # every first Thursday
    items = api_occurrences(owner, tribe["slug"], *YEAR)
    edit = owner.http.get(f"/meetups/{items[3]['id']}/edit").get_data(as_text=True)
    assert 'name="repeats"' in edit and 'value="keep" selected' in edit
    body = {"title": "Stammtisch", "starts_at": "2027-04-02T19:00", "ends_at": "2027-04-02T21:00",
            "timezone": "Europe/Berlin", "max_guests": "0", "attendee_visibility": "members", "scope": "following",
            "repeats": "monthly_nth"}
    assert form(owner, f"/meetups/{items[3]['id']}/edit", body).status_code == 302
    after = [i for i in api_occurrences(owner, tribe["slug"], *YEAR) if i["status"] == "scheduled"]
    assert [i["starts_at"][:10] for i in after[2:6]] == ["2027-03-04", "2027-04-02", "2027-05-07", "2027-06-04"]
    assert after[4]["series"]["rrule"] == "FREQ=MONTHLY;BYDAY=1FR"


def test_series_page_pages_on_through_every_upcoming_occurrence(crowd: Any) -> None:
    """A daily series has more occurrences than one page: "Later meetups" leads on to each, once."""
    import re

    from tribes.meetups.series_views import UPCOMING

    tribe, owner, (member,) = crowd(1)
    first = make_series(owner, tribe["slug"], rrule="FREQ=DAILY")
    made = api_occurrences(member, tribe["slug"], *YEAR)
    assert len(made) > 2 * UPCOMING
    path: str | None = f"/series/{first['series']['id']}"
    listed: list[int] = []
    while path:
        html = member.http.get(path).get_data(as_text=True)
        on_page = [int(i) for i in re.findall(r'<li class="meetup [a-z]+">\s*<a href="/meetups/(\d+)"', html)]
        assert 0 < len(on_page) <= UPCOMING
        listed += on_page
        later = re.search(r'<a href="([^"]+)" id="later-meetups">', html)
        path = later.group(1).replace("&amp;", "&") if later else None
    assert listed == [i["id"] for i in made]


def test_series_page_offers_taking_over_to_other_organisers_of_a_running_series(crowd: Any) -> None:
    tribe, owner, (organiser, member) = crowd(2)
    assert owner.patch(f"tribes/{tribe['slug']}/members/{organiser.user['id']}", {"role": "organiser"}).status_code == 200
    sid = make_series(organiser, tribe["slug"])["series"]["id"]
    offer = "Organise this series myself"
    assert offer in owner.http.get(f"/series/{sid}").get_data(as_text=True)
    assert offer not in organiser.http.get(f"/series/{sid}").get_data(as_text=True)  # already theirs
    assert offer not in member.http.get(f"/series/{sid}").get_data(as_text=True)  # not an organiser
    assert form(organiser, f"/series/{sid}/end", {}).status_code == 302
    assert offer not in owner.http.get(f"/series/{sid}").get_data(as_text=True)  # ended
