"""Check-in at the door: organisers by user id, members with the door code; undo; limits."""

from __future__ import annotations

import re
import threading
from typing import Any

from tribes.meetups.checkin import ALPHABET


def _fire(calls: list[Any]) -> list[Any]:
    """Run the calls at the same moment in threads; their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int, call: Any) -> None:
        barrier.wait()
        results[i] = call()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_code_is_for_organisers_only_and_typeable(crowd: Any, new_meetup: Any) -> None:
    tribe, owner, (member,) = crowd(1)
    m = new_meetup(owner, tribe["slug"])
    code = m["checkin_code"]
    assert re.fullmatch(f"[{ALPHABET}]{{6}}", code)
    assert owner.get(f"meetups/{m['id']}").get_json()["checkin_code"] == code  # stable
    assert "checkin_code" not in member.get(f"meetups/{m['id']}").get_json()
    assert all("checkin_code" not in item for item in member.get(f"tribes/{tribe['slug']}/meetups").get_json()["items"])
    assert code not in member.http.get(f"/meetups/{m['id']}").get_data(as_text=True)
    other = new_meetup(owner, tribe["slug"])
    assert other["checkin_code"] != code or other["id"] == m["id"]  # (31^6 codes: a clash is a one in 887 million)


def test_member_checks_in_with_the_code_idempotently(crowd: Any, new_meetup: Any) -> None:
    tribe, owner, (member,) = crowd(1)
    m = new_meetup(owner, tribe["slug"])
    member.put(f"meetups/{m['id']}/rsvp", {"status": "going"})
    code = m["checkin_code"]
    typed = f" {code[:3].lower()}-{code[3:]} "
    first = member.post(f"meetups/{m['id']}/checkin", {"code": typed})
    assert first.status_code == 200, first.get_json()
    assert first.get_json()["checked_in"] is True and first.get_json()["user"]["id"] == member.user["id"]
    again = member.post(f"meetups/{m['id']}/checkin", {"code": code})
    assert again.status_code == 200 and again.get_json() == first.get_json()
    people = owner.get(f"meetups/{m['id']}/attendees").get_json()["items"]
    assert [(p["user"]["id"], p["checked_in"]) for p in people] == [(member.user["id"], True)]


def test_wrong_code_and_code_of_another_meetup_are_422(crowd: Any, new_meetup: Any) -> None:
    tribe, owner, (member,) = crowd(1)
    m = new_meetup(owner, tribe["slug"])
    other = new_meetup(owner, tribe["slug"], title="Other")
    member.put(f"meetups/{m['id']}/rsvp", {"status": "going"})
    member.put(f"meetups/{other['id']}/rsvp", {"status": "going"})
    wrong = "".join("A" if c != "A" else "B" for c in m["checkin_code"])
    for code in (wrong, other["checkin_code"], "", "x" * 40):
        response = member.post(f"meetups/{m['id']}/checkin", {"code": code})
        assert response.status_code == 422, (code, response.get_json())
        assert set(response.get_json()["error"]["fields"]) == {"code"}
    neither = member.post(f"meetups/{m['id']}/checkin", {})
    assert neither.status_code == 422
    assert owner.get(f"meetups/{m['id']}/attendees").get_json()["items"][0]["checked_in"] is False
    assert owner.get(f"meetups/{other['id']}/attendees").get_json()["items"][0]["checked_in"] is False


def test_only_going_members_can_be_checked_in(crowd: Any, new_meetup: Any) -> None:
    tribe, owner, (going, maybe, waiting, silent) = crowd(4)
    m = new_meetup(owner, tribe["slug"], capacity=1)
    going.put(f"meetups/{m['id']}/rsvp", {"status": "going"})
    maybe.put(f"meetups/{m['id']}/rsvp", {"status": "maybe"})
    assert waiting.put(f"meetups/{m['id']}/rsvp", {"status": "going"}).get_json()["status"] == "waitlisted"
    for person in (maybe, waiting, silent):
        assert person.post(f"meetups/{m['id']}/checkin", {"code": m["checkin_code"]}).status_code == 409
        assert owner.post(f"meetups/{m['id']}/checkin", {"user_id": person.user["id"]}).status_code == 409
    assert owner.post(f"meetups/{m['id']}/checkin", {"user_id": going.user["id"]}).get_json()["checked_in"] is True
    # going away undoes the check-in
    going.put(f"meetups/{m['id']}/rsvp", {"status": "not_going"})
    promoted = owner.get(f"meetups/{m['id']}/attendees").get_json()["items"]
    assert [(p["user"]["id"], p["checked_in"]) for p in promoted] == [(waiting.user["id"], False)]


def test_organiser_checks_in_and_undoes_members_cannot(crowd: Any, new_meetup: Any, make_user: Any) -> None:
    tribe, owner, (member, other) = crowd(2)
    outsider = make_user()
    m = new_meetup(owner, tribe["slug"])
    member.put(f"meetups/{m['id']}/rsvp", {"status": "going"})
    path = f"meetups/{m['id']}/checkin"
    assert other.post(path, {"user_id": member.user["id"]}).status_code == 403
    assert member.post(path, {"user_id": member.user["id"]}).status_code == 403
    assert outsider.post(path, {"code": m["checkin_code"]}).status_code == 404
    assert outsider.post(path, {"user_id": member.user["id"]}).status_code == 404
    done = owner.post(path, {"user_id": member.user["id"]})
    assert done.status_code == 200 and done.get_json()["checked_in"] is True and "answers" in done.get_json()
    assert other.delete(f"{path}/{member.user['id']}").status_code == 403
    undone = owner.delete(f"{path}/{member.user['id']}")
    assert undone.status_code == 200 and undone.get_json()["checked_in"] is False
    assert owner.delete(f"{path}/{member.user['id']}").get_json()["checked_in"] is False  # idempotent
    assert owner.delete(f"{path}/{other.user['id']}").status_code == 409  # no answer at all


def test_code_guessing_is_rate_limited(app: Any, crowd: Any, new_meetup: Any, monkeypatch: Any) -> None:
    monkeypatch.setitem(app.config, "LIMIT_CHECKIN", "3 per minute")
    tribe, owner, (member, other) = crowd(2)
    m = new_meetup(owner, tribe["slug"])
    member.put(f"meetups/{m['id']}/rsvp", {"status": "going"})
    codes = [member.post(f"meetups/{m['id']}/checkin", {"code": "WRONG2"}).status_code for _ in range(3)]
    assert codes == [422, 422, 422]
    blocked = member.post(f"meetups/{m['id']}/checkin", {"code": m["checkin_code"]})
    assert blocked.status_code == 429 and "Retry-After" in blocked.headers
    assert owner.get(f"meetups/{m['id']}/attendees").get_json()["items"][0]["checked_in"] is False
    # per person: someone else still has their tries; organisers checking in by id are not counted
    other.put(f"meetups/{m['id']}/rsvp", {"status": "going"})
    assert other.post(f"meetups/{m['id']}/checkin", {"code": m["checkin_code"]}).status_code == 200
    for _ in range(4):
        assert owner.post(f"meetups/{m['id']}/checkin", {"user_id": member.user["id"]}).status_code == 200


def test_concurrent_check_ins_of_one_person_agree(app: Any, crowd: Any, new_meetup: Any, make_client: Any) -> None:
    tribe, owner, (member,) = crowd(1)
    m = new_meetup(owner, tribe["slug"])
    member.put(f"meetups/{m['id']}/rsvp", {"status": "going"})
    path = f"meetups/{m['id']}/checkin"
    calls = [lambda: owner.post(path, {"user_id": member.user["id"]}) for _ in range(3)]
    calls += [lambda: member.post(path, {"code": m["checkin_code"]}) for _ in range(3)]
    results = _fire(calls)
    assert [r.status_code for r in results] == [200] * 6, [r.get_json() for r in results]
    assert all(r.get_json()["checked_in"] for r in results)
    from sqlalchemy import select

    from tribes.extensions import db
    from tribes.meetups.models import Rsvp

    with app.app_context():
        stamps = db.session.scalars(select(Rsvp.checked_in_at).where(Rsvp.meetup_id == m["id"])).all()
        assert len(stamps) == 1 and stamps[0] is not None


def test_check_in_racing_a_cancelled_rsvp_never_leaves_a_non_going_person_checked_in(
    app: Any, crowd: Any, new_meetup: Any
) -> None:
    tribe, owner, members = crowd(6)
    m = new_meetup(owner, tribe["slug"])
    for person in members:
        person.put(f"meetups/{m['id']}/rsvp", {"status": "going"})
    calls: list[Any] = []
    for person in members:
        calls.append(lambda p=person: owner.post(f"meetups/{m['id']}/checkin", {"user_id": p.user["id"]}))
        calls.append(lambda p=person: p.put(f"meetups/{m['id']}/rsvp", {"status": "not_going"}))
    results = _fire(calls)
    assert all(r.status_code in (200, 409) for r in results), [r.get_json() for r in results]
    from sqlalchemy import select

    from tribes.extensions import db
    from tribes.meetups.models import Rsvp

    with app.app_context():
        rows = db.session.execute(select(Rsvp.status, Rsvp.checked_in_at).where(Rsvp.meetup_id == m["id"])).all()
        assert all(status == "not_going" and stamp is None for status, stamp in rows), rows
