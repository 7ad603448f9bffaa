"""The online link is for people going (and organisers): everything a member who is not going
can read — meetup JSON, lists, pages, .ics, the private feed, notifications, the export, mails
and the RSVP-link pages from those mails — is compared with what a going member reads."""

from __future__ import annotations

import re
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

from tests.meetups.conftest import iso
from tests.meetups.mails import rsvp_links
from tribes.db import utcnow
from tribes.mail.outbox import send_due
from tribes.meetups.reminders import send_due_reminders

URL = "https://video.example.test/room-7f3k9"


def _mail_texts(mail: EmailMessage) -> list[str]:
    """Every decoded part of a mail (text, HTML, the .ics) and its headers."""
    texts = [str(mail.items())]
    for part in mail.walk():
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            texts.append(payload.decode("utf-8", "replace"))
    return texts


def page(person: Any, path: str) -> str:
    """A page as the person sees it (a fresh app context: the `session` fixture's one must not
    lend its cached user to the request)."""
    with person.http.application.app_context():
        return str(person.http.get(path).get_data(as_text=True))


def readable(app: Any, smtp_server: Any, person: Any, tribe: dict[str, Any], meetup_id: int) -> dict[str, str]:
    """Everything the person can read about the meetup, by where it was read."""
    api = [f"meetups/{meetup_id}", f"tribes/{tribe['slug']}/meetups", "me/meetups", f"meetups/{meetup_id}/attendees",
           f"meetups/{meetup_id}/rsvp", f"meetups/{meetup_id}/ics", "notifications", "me/export"]
    pages = [f"/meetups/{meetup_id}", "/meetups", f"/t/{tribe['slug']}/meetups", f"/meetups/{meetup_id}/here",
             "/notifications"]
    seen = {path: person.get(path).get_data(as_text=True) for path in api}
    seen |= {path: page(person, path) for path in pages}
    feed = person.post("me/calendar-token").get_json()["url"]
    seen["feed"] = page(person, feed.removeprefix("http://localhost"))
    send_due(app)
    for n, mail in enumerate(smtp_server.handler.to(person.user["email"])):
        seen[f"mail {n} {mail['Subject']}"] = "\n".join(_mail_texts(mail))
        body = mail.get_body(("plain",))
        for link in rsvp_links(mail) if body is not None else []:
            path = re.sub(r"^https?://[^/]+", "", link)
            seen[f"mail {n} link {path}"] = page(person, path)
    return seen


def _leaks(seen: dict[str, str]) -> list[str]:
    return [where for where, text in seen.items() if URL in text or URL.replace("/", "\\/") in text]


def test_no_one_who_is_not_going_reads_the_online_link(app: Any, crowd: Any, smtp_server: Any, session: Any) -> None:
    tribe, owner, (going, maybe, not_going, waiting, silent) = crowd(5, discreet_email=False)
    start = (utcnow() + timedelta(hours=3)).replace(second=0, microsecond=0)
    m = owner.post(f"tribes/{tribe['slug']}/meetups", {
        "title": "Remote clinic", "starts_at": iso(start), "ends_at": iso(start + timedelta(hours=1)),
        "timezone": "Europe/Berlin", "online_url": URL, "capacity": 1}).get_json()
    assert m["online_url"] == URL  # the organiser sees it
    for person, status in ((going, "going"), (maybe, "maybe"), (not_going, "not_going"), (waiting, "going")):
        person.put(f"meetups/{m['id']}/rsvp", {"status": status})
    assert waiting.get(f"meetups/{m['id']}/rsvp").get_json()["status"] == "waitlisted"
    # a change (mailed to going and waitlisted), a reminder (to going): mails of every kind
    assert owner.patch(f"meetups/{m['id']}", {"location": "Room 2 and online"}).status_code == 200
    assert send_due_reminders(session, utcnow(), lead_minutes=24 * 60) == 1
    session.commit()

    for person in (maybe, not_going, waiting, silent):
        seen = readable(app, smtp_server, person, tribe, m["id"])
        assert any(where.startswith("mail") for where in seen), "every member got at least the new-meetup mail"
        assert _leaks(seen) == [], person.user["display_name"]
        assert person.get(f"meetups/{m['id']}").get_json()["online_url"] is None

    mine = readable(app, smtp_server, going, tribe, m["id"])
    assert {f"meetups/{m['id']}", f"meetups/{m['id']}/ics", f"/meetups/{m['id']}", "feed"} <= set(_leaks(mine))
    assert any(where.startswith("mail") for where in _leaks(mine))  # change and reminder mails carry it
    assert URL in readable(app, smtp_server, owner, tribe, m["id"])[f"/meetups/{m['id']}"]

    # going away takes the link away again (mails already received stay what they were)
    going.put(f"meetups/{m['id']}/rsvp", {"status": "not_going"})
    after = {k: v for k, v in readable(app, smtp_server, going, tribe, m["id"]).items() if not k.startswith("mail")}
    assert _leaks(after) == []
    # ...and the promoted member now reads it
    assert waiting.get(f"meetups/{m['id']}").get_json()["online_url"] == URL


def test_live_broadcast_to_the_tribe_carries_no_link(app: Any, crowd: Any, new_meetup: Any) -> None:
    from tribes.extensions import db
    from tribes.meetups import service
    from tribes.meetups.models import Meetup

    tribe, owner, _ = crowd(1)
    m = new_meetup(owner, tribe["slug"], online_url=URL)
    with app.app_context():
        meetup = db.session.get(Meetup, m["id"])
        payload = service.meetup_out(db.session, meetup, None).model_dump(mode="json")
        db.session.rollback()
    assert payload["online_url"] is None and "checkin_code" not in payload
