"""Instant notification mail, against a real SMTP server: who gets it, in which words, and never
more than the person chose; a discreet tribe's mail names nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.notifications.conftest import BASE, everything_in, html_of, text_of
from tribes.extensions import db
from tribes.notifications.kinds import KINDS
from tribes.notifications.service import notify


def say(author: Any, slug: str, body: str) -> dict[str, Any]:
    """Post a chat message (a mention when the body names someone with @)."""
    response = author.post(f"tribes/{slug}/messages", {"body": body, "client_id": body[:60]})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def latest_text(client: Any) -> str:
    """The sentence of the client's newest notification, as the API gives it."""
    return client.get("notifications").get_json()["items"][0]["text"]


def test_a_mention_mails_its_sentence_with_an_absolute_link_and_one_click_headers(mailbox, make_user, make_tribe):
    author, reader = make_user("Ada Author"), make_user("Rob Reader")
    tribe = make_tribe(author, [reader], name="Listed Crew", visibility="listed")
    say(author, tribe["slug"], "Hello @Rob Reader, see you")
    [mail] = mailbox.of(reader)
    assert mail["Subject"] == latest_text(reader) == "Ada Author mentioned you in Listed Crew."
    body = text_of(mail)
    assert f"{BASE}/t/{tribe['slug']}#message-" in body
    assert mail["List-Unsubscribe"].startswith(f"<{BASE}/unsubscribe/")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/settings#email" in body
    html = html_of(mail)
    assert "<img" not in html and "Ada Author mentioned you in Listed Crew." in html
    assert mailbox.of(author) == []


def test_the_mail_speaks_the_readers_language(mailbox, make_user, make_tribe):
    author, reader = make_user("Ada"), make_user("Ben Leser")
    assert reader.patch("me", {"locale": "de"}).status_code == 200
    tribe = make_tribe(author, [reader], name="Runde", visibility="listed")
    say(author, tribe["slug"], "Hallo @Ben Leser")
    [mail] = mailbox.of(reader)
    assert mail["Subject"] == "Ada hat dich in Runde erwähnt." == latest_text(reader)
    assert "Ändere, was Tribes dir mailt" in text_of(mail)


@pytest.mark.parametrize("locale", ["en", "de"])
def test_every_kind_mails_its_own_sentence_as_subject(app, mailbox, make_user, make_tribe, locale):
    reader, other = make_user("Rhea"), make_user("Otto")
    reader.patch("me", {"locale": locale})
    tribe = make_tribe(other, [reader], name="Open House", visibility="listed")
    instant = {kind.name: "instant" for kind in KINDS}
    assert reader.patch("me/notification-settings", {"email": instant}).status_code == 200
    data = {"tribe": {"slug": tribe["slug"], "name": tribe["name"]}, "by": {"id": other.user["id"], "display_name": "Otto"},
            "from": {"id": other.user["id"], "display_name": "Otto"}, "user": {"id": other.user["id"], "display_name": "Otto"},
            "invited_by": {"id": other.user["id"], "display_name": "Otto"}, "title": "Picnic",
            "starts_at": "2030-06-01T10:00:00+00:00", "until": "2030-06-01T10:00:00+00:00", "changed": ["starts_at"]}
    subjects = []
    for kind in KINDS:
        with app.app_context():
            notify(db.session, reader.user["id"], kind.name, data)
            db.session.commit()
            db.remove()
        mails = mailbox.of(reader)
        assert len(mails) == len(subjects) + 1, kind.name
        subjects.append(mails[-1]["Subject"])
        assert subjects[-1] == latest_text(reader), kind.name
    assert len(set(subjects)) == len(KINDS)
    if locale == "de":
        assert "Otto hat dich in Open House erwähnt." in subjects


def test_a_kind_turned_off_sends_nothing_and_the_others_still_arrive(mailbox, make_user, make_tribe):
    author, reader = make_user("Ada"), make_user("Ria")
    tribe = make_tribe(author, [reader], visibility="listed")
    assert reader.patch("me/notification-settings", {"email": {"mention": "off"}}).status_code == 200
    say(author, tribe["slug"], "hi @Ria")
    assert mailbox.of(reader) == []
    assert author.post("contacts/requests", {"user_id": reader.user["id"]}).status_code == 202
    [mail] = mailbox.of(reader)
    assert mail["Subject"] == "Ada would like to be your contact."


def test_a_tribe_set_to_none_sends_nothing_and_mentions_only_personal_news(app, mailbox, make_user, make_tribe):
    author, reader = make_user("Ada"), make_user("Ria")
    quiet = make_tribe(author, [reader], visibility="listed")
    assert reader.patch(f"tribes/{quiet['slug']}/my-settings", {"email": "none"}).status_code == 200
    say(author, quiet["slug"], "hi @Ria")
    assert mailbox.of(reader) == []
    assert reader.patch(f"tribes/{quiet['slug']}/my-settings", {"email": "mentions"}).status_code == 200
    reader.patch("me/notification-settings", {"email": {"report_filed": "instant"}})
    with app.app_context():
        notify(db.session, reader.user["id"], "report_filed", {"tribe": {"slug": quiet["slug"], "name": "x"}})
        db.session.commit()
        db.remove()
    assert mailbox.of(reader) == []  # tribe-wide news is not personal
    say(author, quiet["slug"], "again @Ria")
    assert [m["Subject"] for m in mailbox.of(reader)] == [latest_text(reader)]


def test_an_unverified_address_gets_no_notification_mail(mailbox, make_user, make_tribe):
    author, reader = make_user("Ada"), make_user("Una", verified=False)
    tribe = make_tribe(author, [reader], visibility="listed")
    say(author, tribe["slug"], "hi @Una")
    assert author.post("contacts/requests", {"user_id": reader.user["id"]}).status_code == 202
    assert [m for m in mailbox.of(reader) if m["List-Unsubscribe"]] == []   # only its confirmation link (transactional)
    assert len(reader.get("notifications").get_json()["items"]) == 2


def test_a_discreet_tribe_mail_names_no_tribe_person_or_content(app, mailbox, make_user, make_tribe):
    author, reader = make_user("Zelda Quixote"), make_user("Reader")
    tribe = make_tribe(author, [reader], name="Hidden Orchard")  # secret: discreet by default
    assert reader.get(f"tribes/{tribe['slug']}").get_json()["discreet_email"] is True
    say(author, tribe["slug"], "@Reader the password is marmalade")
    [mail] = mailbox.of(reader)
    assert mail["Subject"] == "There is new activity in one of your tribes"
    seen = everything_in(mail)
    for secret in ("Hidden Orchard", tribe["slug"], "Zelda", "Quixote", "marmalade", "password is"):
        assert secret not in seen, secret
    assert f"{BASE}/notifications" in text_of(mail)
    assert not [p for p in mail.walk() if p.get_filename()]


def test_an_admin_can_make_a_listed_tribe_discreet(mailbox, make_user, make_tribe):
    author, reader = make_user("Ada"), make_user("Ria")
    tribe = make_tribe(author, [reader], name="Open Garden", visibility="listed")
    assert reader.get(f"tribes/{tribe['slug']}").get_json()["discreet_email"] is False
    assert reader.patch(f"tribes/{tribe['slug']}", {"discreet_email": True}).status_code == 403
    changed = author.patch(f"tribes/{tribe['slug']}", {"discreet_email": True})
    assert changed.status_code == 200 and changed.get_json()["discreet_email"] is True
    say(author, tribe["slug"], "hi @Ria")
    [mail] = mailbox.of(reader)
    assert "Open Garden" not in everything_in(mail)


def test_a_mention_storm_mails_once_and_leaves_the_rest_for_the_digest(app, mailbox, make_user, make_tribe):
    author, reader = make_user("Ada"), make_user("Ria")
    tribe = make_tribe(author, [reader], visibility="listed")
    for i in range(5):
        say(author, tribe["slug"], f"ping {i} @Ria")
    assert len(mailbox.of(reader)) == 1
    from sqlalchemy import select

    from tribes.notifications.models import Notification

    with app.app_context():
        mailed = db.session.scalars(select(Notification.mailed_at).where(Notification.user_id == reader.user["id"])).all()
        db.remove()
    assert sum(m is not None for m in mailed) == 1 and len(mailed) == 5


def _notify_all(app: Any, ids: list[int], slug: str) -> None:
    with app.app_context():
        for uid in ids:
            notify(db.session, uid, "mention", {"tribe": slug, "by": {"id": 1, "display_name": "Ada"}, "message_id": 1})
        db.session.commit()
        db.remove()


def test_a_notification_to_fifty_members_costs_the_same_queries_as_to_five(app, mailbox, make_user, make_tribe,
                                                                         count_queries):
    owner = make_user("Owner")
    members = [make_user(f"Member {i}") for i in range(50)]
    tribe = make_tribe(owner, members, visibility="listed")
    ids = [m.user["id"] for m in members]
    count_queries.reset()
    _notify_all(app, ids[:5], tribe["slug"])
    five = count_queries.count
    count_queries.reset()
    _notify_all(app, ids[5:], tribe["slug"])
    many = count_queries.count
    assert many <= five, (five, many)
    mailbox.deliver()
    assert len(mailbox.server.mails) == 50


def test_kinds_other_than_mentions_are_never_held_back(app, mailbox, make_user, make_tribe):
    reader, other = make_user("Rhea"), make_user("Otto")
    tribe = make_tribe(other, [reader], visibility="listed")
    for n in range(3):
        with app.app_context():
            notify(db.session, reader.user["id"], "meetup_changed",
                   {"tribe": tribe["slug"], "meetup_id": n + 1, "title": f"Meet {n}", "starts_at": "2030-06-01T10:00:00+00:00"})
            db.session.commit()
            db.remove()
    assert len(mailbox.of(reader)) == 3
