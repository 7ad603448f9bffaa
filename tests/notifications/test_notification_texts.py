"""Notifications say what happened: a sentence per kind in the reader's language (en/de) and
time zone, a link to the page, and nothing the reader may not see (secret tribe names)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

SECRET = "Geheimer Kreis"
TITLE = "Portfolio clinic"


def texts(client: Any) -> dict[str, dict[str, Any]]:
    """The newest notification of each kind, as the API gives it."""
    found: dict[str, dict[str, Any]] = {}
    for n in client.get("notifications?limit=200").get_json()["items"]:
        found.setdefault(n["kind"], n)
    return found


@pytest.fixture
def story(make_user: Any, make_tribe: Any) -> dict[str, Any]:
    """Ada runs a secret tribe; Bo is in it and is told about everything that can happen."""
    ada, bo, cy = make_user("Ada"), make_user("Bo"), make_user("Cy")
    tribe = make_tribe(ada, [bo, cy], name=SECRET, visibility="secret")
    slug = tribe["slug"]
    bo.patch("me", {"timezone": "Europe/Berlin"})
    # contacts: Ada asks, Bo accepts (Bo is told of the request, Ada of the accept)
    ada.post("contacts/requests", {"user_id": bo.user["id"]})
    request_id = bo.get("contacts/requests/incoming").get_json()["items"][0]["id"]
    assert bo.post(f"contacts/requests/{request_id}/accept").status_code in (200, 204)
    cy.post("contacts/requests", {"user_id": bo.user["id"]})
    # a mention
    message = ada.post(f"tribes/{slug}/messages", {"body": "Hallo @Bo, kommst du?", "client_id": uuid.uuid4().hex})
    assert message.status_code == 201
    # a meet-up Bo goes to, moved, and one Cy is promoted into, then cancelled
    meetup = ada.post(f"tribes/{slug}/meetups", {
        "title": TITLE, "starts_at": "2030-03-14T18:00:00", "ends_at": "2030-03-14T20:00:00",
        "timezone": "Europe/Berlin", "capacity": 1,
    }).get_json()
    assert bo.put(f"meetups/{meetup['id']}/rsvp", {"status": "going"}).status_code == 200
    assert cy.put(f"meetups/{meetup['id']}/rsvp", {"status": "going"}).get_json()["status"] == "waitlisted"
    assert ada.patch(f"meetups/{meetup['id']}", {"starts_at": "2030-03-14T19:00:00"}).status_code == 200
    # Bo reports Ada's message; Ada (owner) is told; she resolves it and Bo is told
    report = bo.post("reports", {"tribe": slug, "target_type": "message",
                                 "target_id": message.get_json()["id"], "reason": "test"}).get_json()
    assert ada.post(f"reports/{report['id']}/resolve", {"action": "dismiss"}).status_code == 200
    assert ada.post(f"tribes/{slug}/mutes", {"user_id": bo.user["id"], "minutes": 60}).status_code in (200, 201, 204)
    assert bo.put(f"meetups/{meetup['id']}/rsvp", {"status": "not_going"}).status_code == 200
    assert ada.post(f"meetups/{meetup['id']}/cancel", {"reason": "Krank"}).status_code == 200
    # a targeted invite to a second secret tribe
    other = make_tribe(ada, [], name="Zweiter Kreis", visibility="secret")
    make_tribe(cy, [ada], name="Common ground")  # Ada and Cy share a tribe now
    invite = ada.post(f"tribes/{other['slug']}/invites", {"for_user_id": cy.user["id"]})
    assert invite.status_code == 201, invite.get_json()
    return {"ada": ada, "bo": bo, "cy": cy, "slug": slug, "meetup": meetup, "message": message.get_json(),
            "other": other, "invite": invite.get_json()}


def test_every_kind_has_a_sentence_and_a_link_in_english_and_german(story: dict[str, Any]) -> None:
    ada, bo, cy, slug = story["ada"], story["bo"], story["cy"], story["slug"]
    meetup_url = f"/meetups/{story['meetup']['id']}"
    bo_en = texts(bo)
    assert bo_en["contact_request"]["text"] == "Cy would like to be your contact."
    assert bo_en["contact_request"]["url"] == "/contacts"
    assert bo_en["mention"]["text"] == f"Ada mentioned you in {SECRET}."
    assert bo_en["mention"]["url"] == f"/t/{slug}#message-{story['message']['id']}"
    # moved to 19:00 Berlin time, told in Bo's time zone
    assert bo_en["meetup_changed"]["text"] == f"Ada moved '{TITLE}' in {SECRET} to Thu, Mar 14, 7:00\u202fPM."
    assert bo_en["meetup_changed"]["url"] == meetup_url
    assert bo_en["report_handled"]["text"] == f"A moderator of {SECRET} handled your report."
    assert bo_en["muted"]["text"].startswith(f"You were muted in {SECRET} until ")
    assert bo_en["muted"]["url"] == f"/t/{slug}"
    ada_en = texts(ada)
    assert ada_en["contact_accepted"]["text"] == "Bo accepted your contact request."
    assert ada_en["contact_accepted"]["url"] == f"/u/{bo.user['id']}"
    assert ada_en["report_filed"]["text"] == f"Someone reported content in {SECRET}."
    assert ada_en["report_filed"]["url"] == f"/t/{slug}/moderation"
    cy_en = texts(cy)
    assert cy_en["meetup_promoted"]["text"].startswith(f"A seat became free: you are going to '{TITLE}' in {SECRET}")
    assert cy_en["meetup_cancelled"]["text"] == f"Ada cancelled '{TITLE}' in {SECRET} on Thu, Mar 14, 6:00\u202fPM."
    assert cy_en["meetup_cancelled"]["url"] == meetup_url
    assert cy_en["tribe_invite"]["text"] == "Ada invited you to Zweiter Kreis."
    assert cy_en["tribe_invite"]["url"] is None  # the link itself comes from Ada

    for client in (ada, bo, cy):
        assert client.patch("me", {"locale": "de"}).status_code == 200
    bo_de, ada_de, cy_de = texts(bo), texts(ada), texts(cy)
    assert bo_de["contact_request"]["text"] == "Cy möchte sich mit dir vernetzen."
    assert bo_de["mention"]["text"] == f"Ada hat dich in {SECRET} erwähnt."
    assert bo_de["meetup_changed"]["text"] == f"Ada hat „{TITLE}“ in {SECRET} auf Do., 14. März, 19:00 verschoben."
    assert bo_de["report_handled"]["text"] == f"Eine Moderatorin oder ein Moderator von {SECRET} hat deine Meldung bearbeitet."
    assert bo_de["muted"]["text"].startswith(f"Du bist in {SECRET} bis ")
    assert ada_de["contact_accepted"]["text"] == "Bo hat deine Kontaktanfrage angenommen."
    assert ada_de["report_filed"]["text"] == f"Jemand hat Inhalte in {SECRET} gemeldet."
    assert cy_de["meetup_cancelled"]["text"] == f"Ada hat „{TITLE}“ in {SECRET} am Do., 14. März, 18:00 abgesagt."
    assert cy_de["tribe_invite"]["text"] == "Ada hat dich zu Zweiter Kreis eingeladen."
    assert cy_de["meetup_promoted"]["text"].startswith("Ein Platz ist frei geworden")
    # kinds and data never change with the language
    assert set(bo_de) == set(bo_en) and bo_de["mention"]["data"] == bo_en["mention"]["data"]


def test_texts_never_name_a_secret_tribe_to_someone_outside_it(story: dict[str, Any]) -> None:
    ada, bo, cy, slug = story["ada"], story["bo"], story["cy"], story["slug"]
    before = texts(bo)
    assert any(SECRET in n["text"] for n in before.values())
    assert ada.delete(f"tribes/{slug}/members/{bo.user['id']}").status_code == 204
    assert ada.delete(f"tribes/{slug}/members/{cy.user['id']}").status_code == 204
    assert ada.delete(f"tribes/{story['other']['slug']}/invites/{story['invite']['id']}").status_code in (200, 204)
    for client in (bo, cy):
        after = texts(client)
        assert set(after) == set(texts(client))
        for kind, n in after.items():
            assert SECRET not in n["text"] and TITLE not in n["text"] and "Zweiter Kreis" not in n["text"], kind
            assert n["url"] is None or not n["url"].startswith("/t/") and not n["url"].startswith("/meetups/"), kind
    assert texts(bo)["mention"]["text"] == "Ada mentioned you in a tribe."
    assert texts(cy)["tribe_invite"]["text"] == "Ada invited you to a tribe."
    # the data the API returns was stored for the member: the page shows the sentence, not the data
    page = bo.http.get("/notifications").get_data(as_text=True)
    assert SECRET not in page and "Ada mentioned you in a tribe." in page


def test_opening_a_notification_marks_it_read_and_goes_to_its_page(story: dict[str, Any]) -> None:
    bo, slug = story["bo"], story["slug"]
    mention = texts(bo)["mention"]
    page = bo.http.get("/notifications").get_data(as_text=True)
    assert f'href="/notifications/{mention["id"]}/open"' in page
    assert f"Ada mentioned you in {SECRET}." in page
    unread = bo.get("notifications?unread=1").get_json()["items"]
    assert mention["id"] in [n["id"] for n in unread]
    opened = bo.http.get(f"/notifications/{mention['id']}/open")
    assert opened.status_code == 302
    assert opened.headers["Location"].endswith(f"/t/{slug}#message-{story['message']['id']}")
    still_unread = [n["id"] for n in bo.get("notifications?unread=1").get_json()["items"]]
    assert mention["id"] not in still_unread and len(still_unread) == len(unread) - 1
    # someone else's notification is not found, and nothing changes
    ada = story["ada"]
    theirs = texts(ada)["report_filed"]["id"]
    assert bo.http.get(f"/notifications/{theirs}/open").status_code == 404
    assert theirs in [n["id"] for n in ada.get("notifications?unread=1").get_json()["items"]]
