"""The door view and the "I'm here" page through the Flask test client."""

from __future__ import annotations

from typing import Any


def _post(client: Any, path: str, data: dict[str, Any]) -> Any:
    return client.http.post(path, data={"csrf_token": client.csrf, **data})


def test_door_view_shows_code_counts_and_checks_in_with_one_tap(crowd: Any, new_meetup: Any) -> None:
    tribe, owner, (ana, ben, maybe) = crowd(3)
    ana.patch("me", {"display_name": "Ana"})
    ben.patch("me", {"display_name": "Ben"})
    m = new_meetup(owner, tribe["slug"])
    ana.put(f"meetups/{m['id']}/rsvp", {"status": "going"})
    ben.put(f"meetups/{m['id']}/rsvp", {"status": "going"})
    maybe.put(f"meetups/{m['id']}/rsvp", {"status": "maybe"})
    door = owner.http.get(f"/meetups/{m['id']}/door")
    html = door.get_data(as_text=True)
    assert door.status_code == 200 and f'<p class="big-code" id="checkin-code">{m["checkin_code"]}</p>' in html
    assert "0 of 2 checked in" in html and "Ana" in html and "Ben" in html
    assert maybe.user["display_name"] not in html
    assert "<script>" not in html and "style=" not in html
    done = _post(owner, f"/meetups/{m['id']}/door", {"user_id": ana.user["id"], "action": "checkin"})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/meetups/{m['id']}/door")
    html = owner.http.get(f"/meetups/{m['id']}/door").get_data(as_text=True)
    assert "1 of 2 checked in" in html and "Ana is checked in." in html
    assert owner.get(f"meetups/{m['id']}/attendees").get_json()["items"][0]["checked_in"] is True
    _post(owner, f"/meetups/{m['id']}/door", {"user_id": ana.user["id"], "action": "undo"})
    assert "0 of 2 checked in" in owner.http.get(f"/meetups/{m['id']}/door").get_data(as_text=True)
    refused = _post(owner, f"/meetups/{m['id']}/door", {"user_id": maybe.user["id"], "action": "checkin"})
    assert "Only people who are going can be checked in." in owner.http.get(refused.headers["Location"]).get_data(as_text=True)
    # the organiser's meetup page links the door view and the CSV
    page = owner.http.get(f"/meetups/{m['id']}").get_data(as_text=True)
    assert f"/meetups/{m['id']}/door" in page and "attendees.csv" in page


def test_door_view_is_for_organisers(crowd: Any, new_meetup: Any, make_user: Any) -> None:
    tribe, owner, (member,) = crowd(1)
    outsider = make_user()
    m = new_meetup(owner, tribe["slug"])
    member.put(f"meetups/{m['id']}/rsvp", {"status": "going"})
    assert member.http.get(f"/meetups/{m['id']}/door").status_code == 403
    assert outsider.http.get(f"/meetups/{m['id']}/door").status_code == 404
    assert _post(member, f"/meetups/{m['id']}/door", {"user_id": member.user["id"]}).status_code == 403
    assert owner.get(f"meetups/{m['id']}/attendees").get_json()["items"][0]["checked_in"] is False
    assert f"/meetups/{m['id']}/door" not in member.http.get(f"/meetups/{m['id']}").get_data(as_text=True)


def test_im_here_page_checks_a_going_member_in_with_the_code(crowd: Any, new_meetup: Any) -> None:
    tribe, owner, (member, other) = crowd(2)
    m = new_meetup(owner, tribe["slug"])
    member.put(f"meetups/{m['id']}/rsvp", {"status": "going"})
    page = member.http.get(f"/meetups/{m['id']}").get_data(as_text=True)
    assert f'href="/meetups/{m["id"]}/here"' in page
    form = member.http.get(f"/meetups/{m['id']}/here").get_data(as_text=True)
    assert 'name="code"' in form and m["checkin_code"] not in form
    member.patch("me", {"locale": "de"})
    wrong = _post(member, f"/meetups/{m['id']}/here", {"code": "ZZZZZZ" if m["checkin_code"] != "ZZZZZZ" else "YYYYYY"})
    assert wrong.status_code == 422 and "Das ist nicht der Code dieses Treffens." in wrong.get_data(as_text=True)
    right = _post(member, f"/meetups/{m['id']}/here", {"code": m["checkin_code"].lower()})
    assert right.status_code == 200 and "Du bist eingecheckt. Willkommen!" in right.get_data(as_text=True)
    assert owner.get(f"meetups/{m['id']}/attendees").get_json()["items"][0]["checked_in"] is True
    # not going: no form, a hint instead, and a guessed code does nothing
    not_going = other.http.get(f"/meetups/{m['id']}/here").get_data(as_text=True)
    assert 'name="code"' not in not_going and "Only people who are going can check in." in not_going
    assert _post(other, f"/meetups/{m['id']}/here", {"code": m["checkin_code"]}).status_code == 409


def test_door_view_finds_names_and_lists_a_bounded_page(app: Any, crowd: Any, new_meetup: Any, monkeypatch: Any) -> None:
    from tribes.meetups import door_views

    monkeypatch.setattr(door_views, "DOOR_PAGE", 2)
    tribe, owner, people = crowd(3)
    for person, name in zip(people, ("Zoe 100%", "Ana_B", "Anna"), strict=True):
        person.patch("me", {"display_name": name})
    m = new_meetup(owner, tribe["slug"])
    for person in people:
        person.put(f"meetups/{m['id']}/rsvp", {"status": "going"})
    html = owner.http.get(f"/meetups/{m['id']}/door").get_data(as_text=True)
    assert "Ana_B" in html and "Anna" in html and "Zoe" not in html and 'id="door-more"' in html
    assert "0 of 3 checked in" in html
    found = owner.http.get(f"/meetups/{m['id']}/door?q=100%25").get_data(as_text=True)
    assert "Zoe 100%" in found and "Anna" not in found
    literal = owner.http.get(f"/meetups/{m['id']}/door?q=a_").get_data(as_text=True)  # _ is no wildcard
    assert "Ana_B" in literal and "Anna" not in literal
    done = owner.http.post(f"/meetups/{m['id']}/door", data={
        "csrf_token": owner.csrf, "user_id": people[0].user["id"], "q": "zoe"})
    assert done.headers["Location"].endswith(f"/meetups/{m['id']}/door?q=zoe")
    assert "1 of 3 checked in" in owner.http.get(done.headers["Location"]).get_data(as_text=True)
