"""The door view follows check-ins live: `meetup_checkin` reaches the tribe's organisers'
sockets only, and the door view's live part (`/meetups/<id>/door/people`) is for organisers."""

from __future__ import annotations

from typing import Any


def _checkins(sock: Any) -> list[dict[str, Any]]:
    return [e["args"][0] for e in sock.get_received() if e["name"] == "meetup_checkin"]


def test_check_ins_reach_the_organisers_sockets_and_no_plain_members(crowd: Any, new_meetup: Any,
                                                                      make_socket: Any) -> None:
    tribe, owner, (helper, ana, nosy) = crowd(3)
    assert owner.patch(f"tribes/{tribe['slug']}/members/{helper.user['id']}", {"role": "organiser"}).status_code == 200
    m = new_meetup(owner, tribe["slug"])
    for member in (ana, nosy):
        assert member.put(f"meetups/{m['id']}/rsvp", {"status": "going"}).status_code == 200
    helper_sock, nosy_sock, ana_sock = make_socket(helper), make_socket(nosy), make_socket(ana)
    for sock in (helper_sock, nosy_sock, ana_sock):
        sock.get_received()
    # nosy even sits in the tribe's room (chat), where meetup_changed goes: check-ins do not
    assert nosy_sock.emit("join", {"tribe": tribe["slug"]}, callback=True)["ok"] is True

    assert owner.post(f"meetups/{m['id']}/checkin", {"user_id": ana.user["id"]}).status_code == 200
    assert _checkins(helper_sock) == [{"meetup_id": m["id"], "user_id": ana.user["id"], "checked_in": True,
                                       "here": 1, "going": 2}]
    assert _checkins(nosy_sock) == [] and _checkins(ana_sock) == []

    # the member's own check-in with the code, and an undo, go to the organisers alike
    assert nosy.post(f"meetups/{m['id']}/checkin", {"code": m["checkin_code"]}).status_code == 200
    assert owner.delete(f"meetups/{m['id']}/checkin/{ana.user['id']}").status_code == 200
    assert [(e["user_id"], e["checked_in"], e["here"]) for e in _checkins(helper_sock)] == [
        (nosy.user["id"], True, 2), (ana.user["id"], False, 1)]
    assert _checkins(nosy_sock) == [] and _checkins(ana_sock) == []

    # demoted: no more check-ins for the former organiser's open socket
    assert owner.patch(f"tribes/{tribe['slug']}/members/{helper.user['id']}", {"role": "member"}).status_code == 200
    assert owner.post(f"meetups/{m['id']}/checkin", {"user_id": ana.user["id"]}).status_code == 200
    assert _checkins(helper_sock) == []


def test_a_refused_check_in_pushes_nothing(crowd: Any, new_meetup: Any, make_socket: Any) -> None:
    tribe, owner, (helper, maybe) = crowd(2)
    assert owner.patch(f"tribes/{tribe['slug']}/members/{helper.user['id']}", {"role": "organiser"}).status_code == 200
    m = new_meetup(owner, tribe["slug"])
    maybe.put(f"meetups/{m['id']}/rsvp", {"status": "maybe"})
    sock = make_socket(helper)
    sock.get_received()
    assert owner.post(f"meetups/{m['id']}/checkin", {"user_id": maybe.user["id"]}).status_code == 409
    assert _checkins(sock) == []


def test_door_people_part_is_the_live_list_for_organisers_only(crowd: Any, new_meetup: Any, make_user: Any) -> None:
    tribe, owner, (ana, member) = crowd(2)
    outsider = make_user()
    ana.patch("me", {"display_name": "Ana"})
    m = new_meetup(owner, tribe["slug"])
    ana.put(f"meetups/{m['id']}/rsvp", {"status": "going"})
    door = owner.http.get(f"/meetups/{m['id']}/door").get_data(as_text=True)
    assert 'src="/static/door.' in door and f'data-people="/meetups/{m["id"]}/door/people"' in door and "<script>" not in door
    assert ana.post(f"meetups/{m['id']}/checkin", {"code": m["checkin_code"]}).status_code == 200
    part = owner.http.get(f"/meetups/{m['id']}/door/people")
    html = part.get_data(as_text=True)
    assert part.status_code == 200 and "<html" not in html and part.headers["Cache-Control"] == "private, no-store"
    assert 'id="door-count"' in html and "1 of 1 checked in" in html and 'id="person-' in html and "Ana" in html
    assert owner.patch("me", {"locale": "de"}).status_code == 200
    assert "1 von 1 eingecheckt" in owner.http.get(f"/meetups/{m['id']}/door/people").get_data(as_text=True)
    assert member.http.get(f"/meetups/{m['id']}/door/people").status_code == 403
    assert outsider.http.get(f"/meetups/{m['id']}/door/people").status_code == 404
