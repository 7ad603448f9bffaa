"""Announcement mail through the real SMTP server: instant, digest or off as each person chose,
the tribe's volume honoured, `essential` overriding "off", discreet tribes neutral, unverified
addresses never mailed."""

from __future__ import annotations

from typing import Any

import pytest

from tests.announcements.conftest import announced
from tests.notifications.conftest import BASE, everything_in, text_of
from tribes.db import utcnow
from tribes.digest.jobs import run_digests


@pytest.fixture
def club(make_user: Any, make_tribe: Any, new_meetup: Any) -> Any:
    """A listed (not discreet) tribe: Olga the owner, members Ria and Max going to a meetup."""
    olga, ria, max_ = make_user("Olga Owner"), make_user("Ria"), make_user("Max")
    tribe = make_tribe(olga, [ria, max_], name="Chess Club", visibility="listed")
    meetup = new_meetup(olga, tribe["slug"], title="Blitz night")
    for who in (ria, max_):
        assert who.put(f"meetups/{meetup['id']}/rsvp", {"status": "going"}).status_code == 200
    return {"slug": tribe["slug"], "olga": olga, "ria": ria, "max": max_, "meetup": meetup}


def set_mode(client: Any, mode: str) -> None:
    response = client.patch("me/notification-settings", {"email": {"announcement": mode}})
    assert response.status_code == 200 and response.get_json()["email"]["announcement"] == mode


def test_instant_by_default_with_title_body_and_link(mailbox: Any, club: Any) -> None:
    out = announced(club["olga"], club["slug"], title="New venue", body="From March we play at **Café Zug**.")
    [mail] = [m for m in mailbox.of(club["ria"]) if m["Subject"] == "Olga Owner in Chess Club: New venue"]
    text = text_of(mail)
    assert "From March we play at **Café Zug**." in text
    assert f"{BASE}/t/{club['slug']}/announcements#announcement-{out['id']}" in text
    assert mail["List-Unsubscribe"].startswith(f"<{BASE}/unsubscribe/")
    assert not [m for m in mailbox.of(club["olga"]) if "New venue" in str(m["Subject"])]


def test_digest_mode_waits_for_the_digest(app: Any, mailbox: Any, club: Any) -> None:
    set_mode(club["ria"], "digest")
    announced(club["olga"], club["slug"], title="Season plan", body="Twelve rounds.")
    assert not [m for m in mailbox.of(club["ria"]) if "Season plan" in str(m["Subject"])]
    assert [m for m in mailbox.of(club["max"]) if "Season plan" in str(m["Subject"])]
    run_digests(app, utcnow(), by_clock=False)
    digests = [m for m in mailbox.of(club["ria"]) if "digest" in str(m["Subject"])]
    assert len(digests) == 1 and "Olga Owner in Chess Club: Season plan" in text_of(digests[0])


def test_off_sends_nothing_but_essential_still_arrives(mailbox: Any, club: Any) -> None:
    set_mode(club["ria"], "off")
    announced(club["olga"], club["slug"], title="Casual note", meetup_id=club["meetup"]["id"])
    announced(club["olga"], club["slug"], title="Room moved", body="Room 7, second floor.",
              meetup_id=club["meetup"]["id"], essential=True)
    subjects = [str(m["Subject"]) for m in mailbox.of(club["ria"])]
    assert not any("Casual note" in s for s in subjects)
    [essential] = [m for m in mailbox.of(club["ria"]) if "Room moved" in str(m["Subject"])]
    text = text_of(essential)
    assert "Room 7, second floor." in text and "essential" in text
    # Max left his settings alone: both arrive
    assert sum("Casual note" in str(m["Subject"]) or "Room moved" in str(m["Subject"])
               for m in mailbox.of(club["max"])) == 2


def test_unsubscribing_turns_announcements_off_but_not_essential_ones(app: Any, mailbox: Any, club: Any) -> None:
    announced(club["olga"], club["slug"], title="First")
    [mail] = [m for m in mailbox.of(club["ria"]) if "First" in str(m["Subject"])]
    link = mail["List-Unsubscribe"].strip("<>").removeprefix(BASE)
    assert app.test_client().post(link, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    assert club["ria"].get("me/notification-settings").get_json()["email"]["announcement"] == "off"
    announced(club["olga"], club["slug"], title="Second")
    announced(club["olga"], club["slug"], title="Third", meetup_id=club["meetup"]["id"], essential=True)
    subjects = [str(m["Subject"]) for m in mailbox.of(club["ria"])]
    assert not any("Second" in s for s in subjects) and any("Third" in s for s in subjects)


def test_the_tribes_volume_is_honoured(mailbox: Any, club: Any) -> None:
    slug = club["slug"]
    assert club["ria"].patch(f"tribes/{slug}/my-settings", {"email": "mentions"}).status_code == 200
    assert club["max"].patch(f"tribes/{slug}/my-settings", {"email": "none"}).status_code == 200
    announced(club["olga"], slug, title="Tribe news")
    announced(club["olga"], slug, title="Bring boards", meetup_id=club["meetup"]["id"], essential=True)
    ria = [str(m["Subject"]) for m in mailbox.of(club["ria"])]
    max_ = [str(m["Subject"]) for m in mailbox.of(club["max"])]
    # "mentions": only news about them personally, and an essential change of their meetup is that
    assert not any("Tribe news" in s for s in ria) and any("Bring boards" in s for s in ria)
    # "none": nothing from this tribe by mail, essential or not (still in the app)
    assert not any("Tribe news" in s or "Bring boards" in s for s in max_)
    assert len([n for n in club["max"].get("notifications").get_json()["items"] if n["kind"] == "announcement"]) == 2


def test_a_discreet_tribe_gets_the_neutral_mail(mailbox: Any, make_user: Any, make_tribe: Any,
                                                new_meetup: Any) -> None:
    olga, ria = make_user("Zelda Quixote"), make_user("Ria")
    tribe = make_tribe(olga, [ria], name="Hidden Orchard")  # secret: discreet mail by default
    meetup = new_meetup(olga, tribe["slug"], title="Midnight harvest")
    ria.put(f"meetups/{meetup['id']}/rsvp", {"status": "going"})
    set_mode(ria, "off")
    announced(olga, tribe["slug"], title="Bring lanterns", body="The gate code is Xylophon-Quarz.",
              meetup_id=meetup["id"], essential=True)
    mails = mailbox.of(ria)
    assert mails, "the essential announcement is mailed, discreetly"
    for mail in mails:
        seen = everything_in(mail)
        for secret in ("Hidden Orchard", tribe["slug"], "Zelda", "Quixote", "lanterns", "Xylophon-Quarz", "Midnight"):
            assert secret not in seen, secret
    assert any(m["Subject"] == "There is new activity in one of your tribes" for m in mails)


def test_an_unverified_address_gets_nothing_even_essential(mailbox: Any, make_user: Any, make_tribe: Any,
                                                           new_meetup: Any) -> None:
    olga, ria = make_user("Olga Owner"), make_user("Ria", verified=False)
    tribe = make_tribe(olga, [ria], name="Chess Club", visibility="listed")
    meetup = new_meetup(olga, tribe["slug"])
    ria.put(f"meetups/{meetup['id']}/rsvp", {"status": "going"})
    announced(olga, tribe["slug"], title="Plain")
    announced(olga, tribe["slug"], title="Urgent", meetup_id=meetup["id"], essential=True)
    assert [m for m in mailbox.of(ria) if "Olga" in str(m["Subject"]) or "activity" in str(m["Subject"])] == []
    assert len([n for n in ria.get("notifications").get_json()["items"] if n["kind"] == "announcement"]) == 2


def test_german_readers_get_german_mail(mailbox: Any, club: Any) -> None:
    assert club["ria"].patch("me", {"locale": "de"}).status_code == 200
    announced(club["olga"], club["slug"], title="Neuer Ort", meetup_id=club["meetup"]["id"], essential=True)
    [mail] = [m for m in mailbox.of(club["ria"]) if "Neuer Ort" in str(m["Subject"])]
    assert "Olga Owner in Chess Club: Neuer Ort" == mail["Subject"]
    assert "wesentlich" in text_of(mail)


def test_someone_who_blocked_the_author_is_not_reached_and_the_author_cannot_tell(
        mailbox: Any, club: Any) -> None:
    """A block keeps the blocked person's announcements out of the blocker's notifications and
    mail (essential ones too; the tribe's Announcements tab still lists them), and everything the
    author reads stays as it was: the audience count and the recipient count."""
    from tests.announcements.conftest import announcement_notes

    olga, slug, meetup = club["olga"], club["slug"], club["meetup"]

    def seen_by_olga(out: dict[str, Any]) -> Any:
        counts = [olga.get(f"tribes/{slug}/announcements/audience", query_string=q).get_json()
                  for q in ({}, {"meetup_id": meetup["id"]})]
        return counts, out["recipient_count"], out["essential"]

    before = seen_by_olga(announced(olga, slug, title="Before", meetup_id=meetup["id"], essential=True))
    assert club["ria"].post("blocks", {"user_id": olga.user["id"]}).status_code in (200, 201)
    after = seen_by_olga(announced(olga, slug, title="After", meetup_id=meetup["id"], essential=True))
    announced(olga, slug, title="Tribe-wide after")
    assert after == before
    for title in ("After", "Tribe-wide after"):
        assert [n for n in announcement_notes(club["max"]) if n["data"]["title"] == title]
        assert not [n for n in announcement_notes(club["ria"]) if n["data"]["title"] == title]
        assert [m for m in mailbox.of(club["max"]) if title in str(m["Subject"])]
        assert not [m for m in mailbox.of(club["ria"]) if title in str(m["Subject"])]
    assert [n for n in announcement_notes(club["ria"]) if n["data"]["title"] == "Before"]
    listed = club["ria"].http.get(f"/t/{slug}/announcements").get_data(as_text=True)
    assert "Tribe-wide after" in listed
