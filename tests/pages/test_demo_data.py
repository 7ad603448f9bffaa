"""The demo data of `tribes serve --demo` loads once and shows on the pages."""

from __future__ import annotations

from typing import Any

from tribes.demo import DEMO_PASSWORD, PEOPLE, load_demo


def test_demo_loads_once_and_its_people_can_log_in(app: Any, make_page_client: Any) -> None:
    with app.app_context():
        first = load_demo()
        again = load_demo()
    assert "(demo data loaded)" in first and "(demo data loaded)" not in again
    assert all(email in "\n".join(again) for email, _ in PEOPLE)

    ada = make_page_client()
    assert ada.submit("/login", {"email": PEOPLE[0][0], "password": DEMO_PASSWORD}).status_code == 302
    home = ada.get("/t/dmw-berlin/members").get_data(as_text=True)
    assert all(name in home for _, name in PEOPLE)
    assert "Organisers&#39; Circle" in ada.get("/tribes").get_data(as_text=True)

    cleo = make_page_client()
    cleo.submit("/login", {"email": PEOPLE[2][0], "password": DEMO_PASSWORD})
    assert cleo.get("/t/organisers-circle").status_code == 404
    assert "Digital Media Women Berlin" in cleo.get("/directory").get_data(as_text=True)
    messages = cleo.http.get("/api/v1/tribes/dmw-berlin/messages").get_json()["items"]
    assert len(messages) == 4
    meetups = cleo.http.get("/api/v1/tribes/dmw-berlin/meetups").get_json()["items"]
    assert [m["timezone"] for m in meetups] == ["Europe/Berlin"]
    meetup_page = cleo.get(f"/meetups/{meetups[0]['id']}").get_data(as_text=True)
    assert "You are on the waitlist, position 1." in meetup_page
    assert "Dana Newcomer" in cleo.get("/contacts").get_data(as_text=True)


def test_demo_people_are_named_for_their_part(app: Any, make_page_client: Any) -> None:
    with app.app_context():
        load_demo()
    names = [name for _, name in PEOPLE]
    assert names == ["Ada Owner", "Ben Organiser", "Cleo Member", "Dana Newcomer"]
    ada = make_page_client()
    ada.submit("/login", {"email": PEOPLE[0][0], "password": DEMO_PASSWORD})
    reports = ada.http.get("/api/v1/tribes/dmw-berlin/reports").get_json()["items"]
    assert [r["status"] for r in reports] == ["open"]
    # the demo's own set-up names who did it: its audit log has no "deleted member"
    log = ada.http.get("/api/v1/tribes/dmw-berlin/audit-log").get_json()["items"]
    assert log and all(entry["actor"] is not None for entry in log), [e["action"] for e in log if e["actor"] is None]
    assert "deleted member" not in ada.get("/t/dmw-berlin/moderation/audit").get_data(as_text=True)
    dana = make_page_client()
    dana.submit("/login", {"email": PEOPLE[3][0], "password": DEMO_PASSWORD})
    home = dana.get("/t/dmw-berlin").get_data(as_text=True)
    assert 'id="new-invite-link"' not in home and "Create invite" not in home


def test_demo_owner_has_an_unread_direct_message_from_the_organiser(app: Any, make_page_client: Any) -> None:
    with app.app_context():
        load_demo()
    ada = make_page_client()
    ada.submit("/login", {"email": PEOPLE[0][0], "password": DEMO_PASSWORD})
    assert ada.http.get("/api/v1/conversations/unread").get_json() == {"unread": 1}
    inbox = ada.get("/messages").get_data(as_text=True)
    assert "Ben Organiser" in inbox and "review two portfolios" in inbox
