"""The attendee list as CSV: organisers only, going then waitlist, answers, check-in, no
formula injection, no more about a person than their card shows the tribe."""

from __future__ import annotations

import csv
import io
from typing import Any


def _rows(response: Any) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))


def test_csv_content_order_answers_and_check_in(crowd: Any, new_meetup: Any, make_user: Any) -> None:
    tribe, owner, (ana, ben, cem) = crowd(3, max_guests=2)
    for person, name in ((ana, "Ana Ärger"), (ben, "Ben"), (cem, "Cem")):
        assert person.patch("me", {"display_name": name, "bio": "secret bio text"}).status_code == 200
    m = new_meetup(owner, tribe["slug"], capacity=3, max_guests=2, questions=[
        {"text": "Dietary needs?", "required": True}, {"text": "Company", "required": False}])
    diet, company = (str(q["id"]) for q in m["questions"])
    ana.put(f"meetups/{m['id']}/rsvp", {"status": "going", "guests": 1, "answers": {diet: "vegan", company: "Zürich AG"}})
    ben.put(f"meetups/{m['id']}/rsvp", {"status": "going", "answers": {diet: "none"}})
    assert cem.put(f"meetups/{m['id']}/rsvp", {"status": "going", "answers": {diet: "halal"}}).get_json()["status"] == "waitlisted"
    owner.post(f"meetups/{m['id']}/checkin", {"user_id": ben.user["id"]})
    response = owner.get(f"meetups/{m['id']}/attendees.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    assert _rows(response) == [
        ["Name", "Status", "Guests", "Dietary needs?", "Company", "Checked in"],
        ["Ana Ärger", "going", "1", "vegan", "Zürich AG", "no"],
        ["Ben", "going", "0", "none", "", "yes"],
        ["Cem", "waitlist", "0", "halal", "", "no"],
    ]
    text = response.get_data().decode("utf-8-sig")
    for private in ("secret bio text", ana.user["email"], ben.user["email"], cem.user["email"], "@example.test"):
        assert private not in text


def test_csv_is_for_organisers_only(crowd: Any, new_meetup: Any, make_user: Any) -> None:
    tribe, owner, (member,) = crowd(1)
    outsider = make_user()
    m = new_meetup(owner, tribe["slug"])
    assert member.get(f"meetups/{m['id']}/attendees.csv").status_code == 403
    assert outsider.get(f"meetups/{m['id']}/attendees.csv").status_code == 404
    assert owner.get("meetups/123456/attendees.csv").status_code == 404
    page = owner.http.get(f"/meetups/{m['id']}").get_data(as_text=True)
    assert f'/api/v1/meetups/{m["id"]}/attendees.csv' in page
    assert "attendees.csv" not in member.http.get(f"/meetups/{m['id']}").get_data(as_text=True)


def test_csv_guards_against_formula_injection(crowd: Any, new_meetup: Any) -> None:
    tribe, owner, (a, b, c, d) = crowd(4)
    m = new_meetup(owner, tribe["slug"], questions=[{"text": "=HYPERLINK(\"http://evil.test\")"}])
    q = str(m["questions"][0]["id"])
    for person, name, answer in ((a, "=cmd|' /C calc'!A0", "+1+2"), (b, "-minus", "@SUM(A1)"),
                                 (c, "@at", "=2*3"), (d, "Plain", "- a list")):
        assert person.patch("me", {"display_name": name}).status_code == 200
        person.put(f"meetups/{m['id']}/rsvp", {"status": "going", "answers": {q: answer}})
    rows = _rows(owner.get(f"meetups/{m['id']}/attendees.csv"))
    assert rows[0][3] == "'=HYPERLINK(\"http://evil.test\")"
    cells = [cell for row in rows for cell in row]
    assert all(not cell.startswith(("=", "+", "-", "@")) for cell in cells), cells
    assert ["'=cmd|' /C calc'!A0", "going", "0", "'+1+2", "no"] in rows
    assert ["Plain", "going", "0", "'- a list", "no"] in rows


def test_csv_headers_in_the_organisers_language(crowd: Any, new_meetup: Any) -> None:
    tribe, owner, (member,) = crowd(1)
    m = new_meetup(owner, tribe["slug"])
    member.put(f"meetups/{m['id']}/rsvp", {"status": "going"})
    owner.patch("me", {"locale": "de"})
    rows = _rows(owner.get(f"meetups/{m['id']}/attendees.csv"))
    assert rows[0] == ["Name", "Status", "Gäste", "Eingecheckt"] and rows[1][-1] == "nein"
