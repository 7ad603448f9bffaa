"""Every meetups API view declares its response schema; the pages' lists go on with a next link."""

from __future__ import annotations

from typing import Any

from tribes.meetups import views

#: views that answer a file (text/calendar), not JSON
ICS_RESPONSES = {"meetups_api.meetup_ics", "meetups_api.get_csv"}


def test_every_meetups_endpoint_declares_its_response(app: Any) -> None:
    names = [name for name in app.view_functions if name.startswith("meetups_api.")]
    assert len(names) >= 10
    for name in names:
        view = app.view_functions[name]
        declared = getattr(view, "_tribes_response", None) is not None
        no_body = getattr(view, "_tribes_status", None) == 204
        assert declared or no_body or name in ICS_RESPONSES, f"{name} has no response schema"
    for name in ICS_RESPONSES:
        assert hasattr(app.view_functions[name], "_tribes_status")  # an @endpoint, passing its Response through


def test_response_schemas_are_in_the_document(client: Any) -> None:
    doc = client.get("openapi.json").get_json()
    meetup = doc["paths"]["/meetups/{meetup_id}"]["get"]["responses"]["200"]
    assert meetup["content"]["application/json"]["schema"]["$ref"].endswith("/MeetupOut")
    created = doc["paths"]["/tribes/{slug}/meetups"]["post"]["responses"]
    assert "201" in created
    rsvp = doc["components"]["schemas"]["RsvpOut"]
    assert set(rsvp["required"]) == {"status", "guests"}  # waitlist_position only when waitlisted


def test_rsvp_answer_keeps_waitlist_position_only_when_waitlisted(crowd: Any, new_meetup: Any) -> None:
    tribe, owner, (first, second) = crowd(2)
    m = new_meetup(owner, tribe["slug"], capacity=1)
    assert first.put(f"meetups/{m['id']}/rsvp", {"status": "going"}).get_json() == {"status": "going", "guests": 0}
    assert second.put(f"meetups/{m['id']}/rsvp", {"status": "going"}).get_json() == {
        "status": "waitlisted", "guests": 0, "waitlist_position": 1}
    assert owner.get(f"meetups/{m['id']}/rsvp").get_json() == {"status": None, "guests": 0}
    people = owner.get(f"meetups/{m['id']}/attendees").get_json()
    assert [set(p) for p in people["items"]] == [{"user", "status", "guests", "checked_in", "answers"},
                                                 {"user", "status", "guests", "waitlist_position", "checked_in", "answers"}]
    assert (people["going_count"], people["waitlist_count"], people["next_cursor"]) == (1, 1, None)


def test_meetup_lists_on_pages_go_on_with_a_next_link(crowd: Any, new_meetup: Any, monkeypatch: Any) -> None:
    tribe, owner, (member,) = crowd(1)
    for title in ("First", "Second", "Third"):
        new_meetup(owner, tribe["slug"], title=title, start=None)
    monkeypatch.setattr(views, "LIST_PAGE", 2)
    for path in ("/meetups", f"/t/{tribe['slug']}/meetups"):
        html = member.http.get(path).get_data(as_text=True)
        assert html.count('class="meetup ') == 2 and 'rel="next"' in html
        link = html.split('rel="next" href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
        rest = member.http.get(link).get_data(as_text=True)
        assert rest.count('class="meetup ') == 1 and 'rel="next"' not in rest


def test_attendee_list_on_the_meetup_page_goes_on(crowd: Any, new_meetup: Any, monkeypatch: Any) -> None:
    tribe, owner, members = crowd(3)
    m = new_meetup(owner, tribe["slug"], capacity=2)
    for member in members:
        member.put(f"meetups/{m['id']}/rsvp", {"status": "going"})
    names = [member.user["display_name"] for member in members]
    monkeypatch.setattr(views, "PEOPLE_PAGE", 2)
    html = owner.http.get(f"/meetups/{m['id']}").get_data(as_text=True)
    assert names[0] in html and names[1] in html and names[2] not in html
    link = html.split('rel="next" href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    rest = owner.http.get(link).get_data(as_text=True)
    assert names[2] in rest and "(waitlist)" in rest and 'rel="next"' not in rest
