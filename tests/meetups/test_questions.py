"""Questions on RSVP: organisers set them, going members answer them, only organisers (and
the member in their export) read the answers."""

from __future__ import annotations

from typing import Any

QUESTIONS = [{"text": "Dietary needs?", "required": True}, {"text": "Your company", "required": False}]


def _meetup(owner: Any, tribe: dict[str, Any], new_meetup: Any, **fields: Any) -> dict[str, Any]:
    return new_meetup(owner, tribe["slug"], questions=QUESTIONS, **fields)


def test_members_see_the_questions_and_ids_stay_across_edits(crowd: Any, new_meetup: Any) -> None:
    tribe, owner, (member,) = crowd(1)
    m = _meetup(owner, tribe, new_meetup)
    seen = member.get(f"meetups/{m['id']}").get_json()["questions"]
    assert [(q["text"], q["required"]) for q in seen] == [("Dietary needs?", True), ("Your company", False)]
    diet, company = seen
    assert member.put(f"meetups/{m['id']}/rsvp", {"status": "going", "answers": {str(diet["id"]): "vegan"}}).status_code == 200
    # keep "diet" (reworded, now optional), drop "company", add a new one first
    changed = owner.patch(f"meetups/{m['id']}", {"questions": [
        {"text": "T-shirt size?", "required": False}, {"id": diet["id"], "text": "Food needs?", "required": False}]})
    assert changed.status_code == 200, changed.get_json()
    after = changed.get_json()["questions"]
    assert [q["text"] for q in after] == ["T-shirt size?", "Food needs?"]
    assert after[1]["id"] == diet["id"] and after[0]["id"] not in (diet["id"], company["id"])
    people = owner.get(f"meetups/{m['id']}/attendees").get_json()["items"]
    assert people[0]["answers"] == {str(diet["id"]): "vegan"}  # the kept question keeps its answer
    # an id of a question that is gone (or of another meetup) is refused, and nothing changes
    bad = owner.patch(f"meetups/{m['id']}", {"questions": [{"id": company["id"], "text": "Back?"}]})
    assert bad.status_code == 422 and "questions.0.id" in bad.get_json()["error"]["fields"]
    assert owner.get(f"meetups/{m['id']}").get_json()["questions"] == after


def test_question_limits_are_422(crowd: Any, new_meetup: Any) -> None:
    tribe, owner, _ = crowd(0)
    six = [{"text": f"Q{i}"} for i in range(6)]
    response = owner.post(f"tribes/{tribe['slug']}/meetups", {
        "title": "x", "starts_at": "2030-01-01T18:00", "ends_at": "2030-01-01T19:00", "timezone": "UTC", "questions": six})
    assert response.status_code == 422 and "questions" in response.get_json()["error"]["fields"]
    for text in ("", "   ", "x" * 301):
        response = owner.post(f"tribes/{tribe['slug']}/meetups", {
            "title": "x", "starts_at": "2030-01-01T18:00", "ends_at": "2030-01-01T19:00", "timezone": "UTC",
            "questions": [{"text": text}]})
        assert response.status_code == 422 and "questions.0.text" in response.get_json()["error"]["fields"]
    assert owner.get(f"tribes/{tribe['slug']}/meetups").get_json()["items"] == []


def test_required_answer_missing_unknown_or_too_long_is_422_and_changes_nothing(crowd: Any, new_meetup: Any) -> None:
    tribe, owner, (member,) = crowd(1)
    m = _meetup(owner, tribe, new_meetup)
    diet, company = m["questions"]
    path = f"meetups/{m['id']}/rsvp"
    missing = member.put(path, {"status": "going"})
    assert missing.status_code == 422
    assert missing.get_json()["error"]["fields"] == {f"answers.{diet['id']}": "Please answer this question."}
    blank = member.put(path, {"status": "going", "answers": {str(diet["id"]): "  ", str(company["id"]): "ACME"}})
    assert set(blank.get_json()["error"]["fields"]) == {f"answers.{diet['id']}"}
    unknown = member.put(path, {"status": "going", "answers": {str(diet["id"]): "none", "123": "?"}})
    assert unknown.status_code == 422 and set(unknown.get_json()["error"]["fields"]) == {"answers.123"}
    long = member.put(path, {"status": "going", "answers": {str(diet["id"]): "x" * 1001}})
    assert long.status_code == 422 and set(long.get_json()["error"]["fields"]) == {f"answers.{diet['id']}"}
    assert member.get(path).get_json() == {"status": None, "guests": 0}
    assert owner.get(f"meetups/{m['id']}").get_json()["going_count"] == 0
    # maybe / not going need no answers
    assert member.put(path, {"status": "maybe"}).get_json()["status"] == "maybe"
    ok = member.put(path, {"status": "going", "answers": {str(diet["id"]): "x" * 1000}})
    assert ok.status_code == 200 and ok.get_json()["status"] == "going"
    # answered once: going again (e.g. more guests) keeps the stored answers
    assert member.put(path, {"status": "going"}).status_code == 200


def test_only_organisers_see_answers_and_waitlisted_answers_are_kept(crowd: Any, new_meetup: Any) -> None:
    tribe, owner, (first, second, watcher) = crowd(3)
    m = _meetup(owner, tribe, new_meetup, capacity=1)
    diet, company = m["questions"]
    assert first.put(f"meetups/{m['id']}/rsvp", {"status": "going", "answers": {
        str(diet["id"]): "vegetarian", str(company["id"]): "Nordwind GmbH"}}).get_json()["status"] == "going"
    second_answer = second.put(f"meetups/{m['id']}/rsvp", {"status": "going", "answers": {str(diet["id"]): "halal"}})
    assert second_answer.get_json()["status"] == "waitlisted"
    organiser_view = owner.get(f"meetups/{m['id']}/attendees").get_json()["items"]
    assert [p["answers"] for p in organiser_view] == [
        {str(diet["id"]): "vegetarian", str(company["id"]): "Nordwind GmbH"}, {str(diet["id"]): "halal"}]
    others = {first: ("halal",), second: ("Nordwind", "vegetarian"), watcher: ("Nordwind", "vegetarian", "halal")}
    for reader, secrets in others.items():
        body = reader.get(f"meetups/{m['id']}/attendees").get_data(as_text=True)
        assert "vegetarian" not in body and "Nordwind" not in body and "halal" not in body
        items = reader.get(f"meetups/{m['id']}/attendees").get_json()["items"]
        assert all("answers" not in p for p in items) and all("checked_in" in p for p in items)
        page = reader.http.get(f"/meetups/{m['id']}").get_data(as_text=True)
        assert not any(secret in page for secret in secrets)  # my own answers are in my form, no one else's
    # an admin made organiser sees them too
    owner.patch(f"tribes/{tribe['slug']}/members/{watcher.user['id']}", {"role": "organiser"})
    assert "Nordwind GmbH" in watcher.get(f"meetups/{m['id']}/attendees").get_data(as_text=True)


def test_my_export_contains_my_answers_only(crowd: Any, new_meetup: Any) -> None:
    tribe, owner, (me, other) = crowd(2)
    m = _meetup(owner, tribe, new_meetup)
    diet, _company = m["questions"]
    me.put(f"meetups/{m['id']}/rsvp", {"status": "going", "answers": {str(diet["id"]): "no nuts please"}})
    other.put(f"meetups/{m['id']}/rsvp", {"status": "going", "answers": {str(diet["id"]): "gluten free"}})
    export = me.get("me/export")
    assert export.status_code == 200
    text = export.get_data(as_text=True)
    assert "gluten free" not in text
    mine = [r for r in export.get_json()["rsvps"] if r["meetup_id"] == m["id"]][0]
    assert mine["answers"] == [{"question_id": diet["id"], "question": "Dietary needs?", "answer": "no nuts please"}]


def test_rsvp_form_shows_questions_and_errors_in_my_language(crowd: Any, new_meetup: Any) -> None:
    tribe, owner, (member,) = crowd(1)
    m = _meetup(owner, tribe, new_meetup)
    diet, company = m["questions"]
    page = member.http.get(f"/meetups/{m['id']}").get_data(as_text=True)
    assert "Dietary needs? <span class=\"required\">(required)</span>" in page and f'name="answer-{company["id"]}"' in page
    token = {"csrf_token": member.csrf}
    missed = member.http.post(f"/meetups/{m['id']}/rsvp", data={**token, "status": "going"}, follow_redirects=True)
    assert "Dietary needs?: Please answer this question." in missed.get_data(as_text=True)
    assert member.get(f"meetups/{m['id']}/rsvp").get_json()["status"] is None
    assert member.patch("me", {"locale": "de"}).status_code == 200
    german = member.http.post(f"/meetups/{m['id']}/rsvp", data={**token, "status": "going"}, follow_redirects=True)
    assert "Dietary needs?: Bitte beantworte diese Frage." in german.get_data(as_text=True)
    done = member.http.post(f"/meetups/{m['id']}/rsvp", data={
        **token, "status": "going", f"answer-{diet['id']}": "Vegan", f"answer-{company['id']}": ""})
    assert done.status_code == 302
    assert member.get(f"meetups/{m['id']}/rsvp").get_json()["status"] == "going"
    assert owner.get(f"meetups/{m['id']}/attendees").get_json()["items"][0]["answers"] == {str(diet["id"]): "Vegan"}
    assert "Vegan</textarea>" in member.http.get(f"/meetups/{m['id']}").get_data(as_text=True)


def test_organiser_form_sets_and_keeps_questions(crowd: Any, new_meetup: Any) -> None:
    tribe, owner, (member,) = crowd(1)
    m = _meetup(owner, tribe, new_meetup)
    diet, company = m["questions"]
    edit = owner.http.get(f"/meetups/{m['id']}/edit").get_data(as_text=True)
    assert 'value="Dietary needs?"' in edit and f'name="q0-id" value="{diet["id"]}"' in edit
    changed = owner.http.post(f"/meetups/{m['id']}/edit", data={
        "csrf_token": owner.csrf, "title": "Theme evening", "starts_at": "2030-02-01T18:00", "ends_at": "2030-02-01T20:00",
        "timezone": "Europe/Berlin", "q0-id": str(diet["id"]), "q0-text": "Dietary needs?", "q1-id": str(company["id"]),
        "q1-text": "", "q2-text": "Arriving by bike?", "q2-required": "on"})
    assert changed.status_code == 302
    after = owner.get(f"meetups/{m['id']}").get_json()["questions"]
    assert [(q["text"], q["required"]) for q in after] == [("Dietary needs?", False), ("Arriving by bike?", True)]
    assert after[0]["id"] == diet["id"]
    bad = owner.http.post(f"/meetups/{m['id']}/edit", data={
        "csrf_token": owner.csrf, "title": "Theme evening", "starts_at": "2030-02-01T18:00", "ends_at": "2030-02-01T20:00",
        "timezone": "Europe/Berlin", "q0-text": "x" * 301})
    assert bad.status_code == 422 and "Use 1 to 300 characters." in bad.get_data(as_text=True)
    assert member.http.get(f"/meetups/{m['id']}/edit").status_code == 403


def test_a_mailed_going_link_needs_the_required_answers_first(app: Any, crowd: Any, new_meetup: Any) -> None:
    from tribes.meetups.rsvp_links import make_token

    tribe, owner, (member, answered) = crowd(2)
    m = _meetup(owner, tribe, new_meetup)
    diet, _company = m["questions"]
    with app.app_context():
        token = make_token(member.user["id"], m["id"], "going")
        again = make_token(answered.user["id"], m["id"], "going")
    refused = member.http.post(f"/rsvp/{token}")
    assert refused.status_code == 422
    assert "please answer them on the meetup&#39;s page" in refused.get_data(as_text=True)
    assert member.get(f"meetups/{m['id']}/rsvp").get_json()["status"] is None
    # someone who answered before (then said maybe) can say "going" again by link: the answers stay
    answered.put(f"meetups/{m['id']}/rsvp", {"status": "going", "answers": {str(diet["id"]): "fish"}})
    answered.put(f"meetups/{m['id']}/rsvp", {"status": "maybe"})
    assert answered.http.post(f"/rsvp/{again}").status_code == 200
    assert owner.get(f"meetups/{m['id']}/attendees").get_json()["items"][0]["answers"] == {str(diet["id"]): "fish"}


def test_concurrent_rsvps_with_answers_stay_within_capacity_and_keep_every_answer(
    app: Any, crowd: Any, new_meetup: Any
) -> None:
    from tests.meetups.test_meetups_race import _fire

    tribe, owner, members = crowd(20)
    m = _meetup(owner, tribe, new_meetup, capacity=5)
    diet = str(m["questions"][0]["id"])
    barrier_calls = [(member, {"status": "going", "answers": {diet: f"answer of {member.user['id']}"}})
                     for member in members]
    import threading

    results: list[Any] = [None] * len(barrier_calls)
    barrier = threading.Barrier(len(barrier_calls))

    def run(i: int, member: Any, body: dict[str, Any]) -> None:
        barrier.wait()
        results[i] = member.put(f"meetups/{m['id']}/rsvp", body)

    threads = [threading.Thread(target=run, args=(i, c, b)) for i, (c, b) in enumerate(barrier_calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert all(r.status_code == 200 for r in results), [r.get_json() for r in results if r.status_code != 200]
    statuses = [r.get_json()["status"] for r in results]
    assert statuses.count("going") == 5 and statuses.count("waitlisted") == 15
    people = owner.get(f"meetups/{m['id']}/attendees?limit=100").get_json()["items"]
    assert sorted(p["answers"][diet] for p in people) == sorted(f"answer of {c.user['id']}" for c in members)
    # a required answer missing under the same race: refused, and takes no seat
    late = _fire(members[:3], "put", f"meetups/{m['id']}/rsvp", {"status": "going", "answers": {}})
    assert [r.status_code for r in late] == [422, 422, 422]
    assert owner.get(f"meetups/{m['id']}").get_json()["going_count"] == 5
