"""Meetup pages through the Flask test client: forms, rendering, sections."""

from __future__ import annotations

from typing import Any


def form(client: Any, path: str, data: dict[str, Any]) -> Any:
    """Post an HTML form with the session's CSRF token."""
    return client.http.post(path, data={"csrf_token": client.csrf, **data})


def test_create_form_defaults_to_my_time_zone_and_validates(app: Any, crowd: Any) -> None:
    tribe, owner, (member,) = crowd(1)
    from tribes.accounts.models import User
    from tribes.extensions import db

    with app.app_context():
        db.session.get(User, owner.user["id"]).timezone = "America/Chicago"
        db.session.commit()
    page = owner.http.get(f"/t/{tribe['slug']}/meetups/new").get_data(as_text=True)
    assert '<option value="America/Chicago" selected>' in page
    assert member.http.get(f"/t/{tribe['slug']}/meetups/new").status_code == 403
    bad = form(owner, f"/t/{tribe['slug']}/meetups/new", {
        "title": "Evening", "starts_at": "2030-01-10T19:00", "ends_at": "2030-01-10T18:00", "timezone": "UTC"})
    assert bad.status_code == 422 and "The end must be after the start." in bad.get_data(as_text=True)
    made = form(owner, f"/t/{tribe['slug']}/meetups/new", {
        "title": "Evening", "description": "**Hi** <script>alert(1)</script> [x](javascript:alert(2))",
        "starts_at": "2030-01-10T19:00", "ends_at": "2030-01-10T21:00", "timezone": "America/Chicago",
        "capacity": "20", "max_guests": "0", "attendee_visibility": "members"})
    assert made.status_code == 302
    html = member.http.get(made.headers["Location"]).get_data(as_text=True)
    assert "<strong>Hi</strong>" in html and "<script>alert" not in html and "href=\"javascript" not in html
    assert "19:00 CST" in html and "0 / 20" in html
    assert "Thu, Jan 10, 2030, 19:00 CST" in html
    member.patch("me", {"locale": "de"})  # the German order and punctuation, not the English pattern in German words
    german = member.http.get(made.headers["Location"]).get_data(as_text=True)
    assert "Do., 10. Jan. 2030, 19:00 CST" in german and "Do. 10 Jan." not in german
    assert "Add to calendar (.ics)" in html and "Edit" not in html


def test_tribe_home_lists_upcoming_meetups(crowd: Any, new_meetup: Any) -> None:
    tribe, owner, (member,) = crowd(1)
    new_meetup(owner, tribe["slug"], title="Harbour walk", capacity=12)
    html = member.http.get(f"/t/{tribe['slug']}/meetups").get_data(as_text=True)  # the tribe's Meet-ups tab
    assert "Harbour walk" in html and "0 / 12 going" in html and "Schedule a meetup" not in html
    assert "Harbour walk" in member.http.get("/meetups").get_data(as_text=True)
    assert "Schedule a meetup" in owner.http.get(f"/t/{tribe['slug']}/meetups").get_data(as_text=True)


def test_edit_and_cancel_forms(crowd: Any, new_meetup: Any) -> None:
    tribe, owner, (member,) = crowd(1)
    m = new_meetup(owner, tribe["slug"])
    edit = owner.http.get(f"/meetups/{m['id']}/edit").get_data(as_text=True)
    assert 'value="Theme evening"' in edit
    changed = form(owner, f"/meetups/{m['id']}/edit", {
        "title": "Renamed", "starts_at": "2030-02-01T18:00", "ends_at": "2030-02-01T20:00",
        "timezone": "Europe/Berlin", "location": "Pier 3"})
    assert changed.status_code == 302
    api = owner.get(f"meetups/{m['id']}").get_json()
    assert api["title"] == "Renamed" and api["location"] == "Pier 3" and api["sequence"] == 1
    assert api["starts_at"] == "2030-02-01T17:00:00+00:00"
    assert form(member, f"/meetups/{m['id']}/cancel", {}).status_code == 403
    assert form(owner, f"/meetups/{m['id']}/cancel", {"reason": "Rain"}).status_code == 302
    html = member.http.get(f"/meetups/{m['id']}").get_data(as_text=True)
    assert "This meetup was cancelled. Rain" in html and 'value="going"' not in html


def test_feed_page_shows_a_working_url_once(crowd: Any, client: Any) -> None:
    _, owner, _ = crowd(0)
    html = form(owner, "/settings/calendar-feed", {}).get_data(as_text=True)
    start = html.index('value="http://localhost/calendar/') + len('value="http://localhost')
    path = html[start:html.index('"', start)]
    assert client.get(path).status_code == 200
    form(owner, "/settings/calendar-feed", {})
    assert client.get(path).status_code == 404


def test_settings_page_offers_the_feed(crowd: Any) -> None:
    _, owner, _ = crowd(0)
    response = owner.http.get("/settings")
    if response.status_code == 404:
        import pytest

        pytest.skip("the settings page is not installed")
    html = response.get_data(as_text=True)
    assert "Calendar feed" in html and "Create my feed address" in html
    form(owner, "/settings/calendar-feed", {})
    assert "Replace the feed address" in owner.http.get("/settings").get_data(as_text=True)


def test_unicode_digits_in_number_fields_are_field_errors(crowd: Any, new_meetup: Any) -> None:
    tribe, owner, (member,) = crowd(1)
    m = new_meetup(owner, tribe["slug"])
    base = {"title": "Evening", "starts_at": "2030-01-10T19:00", "ends_at": "2030-01-10T21:00",
            "timezone": "UTC", "max_guests": "0"}
    for digits in ("²", "٣", "¹²"):
        made = form(owner, f"/t/{tribe['slug']}/meetups/new", {**base, "capacity": digits})
        assert made.status_code == 422 and 'name="capacity"' in made.get_data(as_text=True)
        made = form(owner, f"/t/{tribe['slug']}/meetups/new", {**base, "max_guests": digits})
        assert made.status_code == 422
        edited = form(owner, f"/meetups/{m['id']}/edit", {**base, "capacity": digits})
        assert edited.status_code == 422 and 'name="capacity"' in edited.get_data(as_text=True)
        answered = form(member, f"/meetups/{m['id']}/rsvp", {"status": "going", "guests": digits})
        assert answered.status_code == 302
        assert member.get(f"meetups/{m['id']}/rsvp").get_json()["status"] is None
    assert owner.get(f"meetups/{m['id']}").get_json()["capacity"] is None
    assert owner.get(f"tribes/{tribe['slug']}/meetups").get_json()["items"] == [owner.get(f"meetups/{m['id']}").get_json()]


def test_a_description_is_rendered_once_not_on_every_page_view(crowd: Any, new_meetup: Any, monkeypatch: Any) -> None:
    from tribes.meetups import views

    tribe, owner, (member,) = crowd(1)
    heavy = "![" * 5000
    m = new_meetup(owner, tribe["slug"], description=heavy)
    assert owner.post(f"tribes/{tribe['slug']}/meetups", {
        "title": "Too long", "description": heavy + "x", "starts_at": "2030-01-01T10:00",
        "ends_at": "2030-01-01T11:00", "timezone": "UTC"}).status_code == 422
    calls: list[str] = []
    real = views._markdown.render

    def counting(source: str, *args: Any) -> str:
        calls.append(source)
        return real(source, *args)

    monkeypatch.setattr(views._markdown, "render", counting)
    for viewer in (member, owner, member):
        page = viewer.http.get(f"/meetups/{m['id']}")
        assert page.status_code == 200 and "![![" in page.get_data(as_text=True)
    assert calls.count(heavy) <= 1
    assert owner.patch(f"meetups/{m['id']}", {"description": "**changed**"}).status_code == 200
    for _ in range(2):
        assert "<strong>changed</strong>" in member.http.get(f"/meetups/{m['id']}").get_data(as_text=True)
    assert calls.count("**changed**") == 1


def test_meetups_tab_is_a_tab_of_the_tribes_space(crowd: Any, new_meetup: Any) -> None:
    """Like Chat and Members, the Meet-ups tab keeps the tribe's name and description above the
    tabs; its list separates time and seats."""
    import re

    tribe, owner, (member,) = crowd(1)
    owner.patch(f"tribes/{tribe['slug']}", {"description": "Wir treffen uns monatlich."})
    new_meetup(owner, tribe["slug"], title="Harbour walk", capacity=12)
    html = member.http.get(f"/t/{tribe['slug']}/meetups").get_data(as_text=True)
    assert re.search(r'<header class="space-head">\s*<h1>[^<]+</h1>\s*<p class="space-description">Wir treffen uns monatlich.</p>', html)
    assert 'aria-current="page">Meetups</a>' in html and "<h2>Meetups</h2>" in html
    assert re.search(r"CES?T</span>\s*· <span class=\"seats\">0 / 12 going", html)
    announcements = member.http.get(f"/t/{tribe['slug']}/announcements").get_data(as_text=True)
    assert '<header class="space-head">' in announcements and "<h2>Announcements</h2>" in announcements
