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
    assert len(messages) == 3
    meetups = cleo.http.get("/api/v1/tribes/dmw-berlin/meetups").get_json()["items"]
    assert [m["timezone"] for m in meetups] == ["Europe/Berlin"]
