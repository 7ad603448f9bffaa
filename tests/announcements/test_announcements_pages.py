"""Announcement pages: the list for members, the composer (check audience, confirm, send), the
meetup page's link, the tribe home section, the notifications page."""

from __future__ import annotations

import re
from typing import Any

from tests.announcements.conftest import announced, announcement_notes


def form(client: Any, path: str, data: dict[str, Any]) -> Any:
    """Post an HTML form with the session's CSRF token."""
    return client.http.post(path, data={"csrf_token": client.csrf, **data})


def test_composer_checks_the_audience_then_sends_after_confirmation(make_user: Any, make_tribe: Any,
                                                                    new_meetup: Any) -> None:
    olga, ria, max_ = make_user("Olga"), make_user("Ria"), make_user("Max")
    tribe = make_tribe(olga, [ria, max_], name="Chess Club", visibility="listed")
    slug = tribe["slug"]
    meetup = new_meetup(olga, slug, title="Blitz night")
    ria.put(f"meetups/{meetup['id']}/rsvp", {"status": "going"})
    max_.put(f"meetups/{meetup['id']}/rsvp", {"status": "maybe"})

    meetup_page = olga.http.get(f"/meetups/{meetup['id']}").get_data(as_text=True)
    link = f"/t/{slug}/announcements/new?meetup_id={meetup['id']}"
    assert "Message the people going" in meetup_page and link.replace("?", "?").replace("&", "&amp;") in meetup_page
    assert "Message the people going" not in ria.http.get(f"/meetups/{meetup['id']}").get_data(as_text=True)

    composer = olga.http.get(link).get_data(as_text=True)
    assert f'<option value="{meetup["id"]}" selected>' in composer
    assert re.search(r'id="rsvp-going" name="rsvp" value="going" checked', composer)
    assert "Send announcement" not in composer and "<script>" not in composer

    fields = {"title": "Bring boards", "body": "Everyone brings a **board**.", "meetup_id": str(meetup["id"]),
              "rsvp": ["going", "maybe"], "essential": "1"}
    checked = form(olga, f"/t/{slug}/announcements/new", {**fields, "step": "check"})
    html = checked.get_data(as_text=True)
    assert checked.status_code == 200 and "This announcement reaches 2 people." in html
    assert "Send announcement" in html and announcement_notes(ria) == []

    unconfirmed = form(olga, f"/t/{slug}/announcements/new", {**fields, "step": "send"})
    assert unconfirmed.status_code == 422 and announcement_notes(ria) == []

    sent = form(olga, f"/t/{slug}/announcements/new", {**fields, "step": "send", "confirm": "1"})
    assert sent.status_code == 302 and f"/t/{slug}/announcements#announcement-" in sent.headers["Location"]
    assert [n["data"]["title"] for n in announcement_notes(ria)] == ["Bring boards"]
    assert [n["data"]["title"] for n in announcement_notes(max_)] == ["Bring boards"]

    listed = ria.http.get(f"/t/{slug}/announcements").get_data(as_text=True)
    assert "Bring boards" in listed and "<strong>board</strong>" in listed and "Essential" in listed
    assert "New announcement" not in listed and "reached" not in listed
    assert "reached 2 people" in olga.http.get(f"/t/{slug}/announcements").get_data(as_text=True)


def test_composer_errors_and_access(make_user: Any, make_tribe: Any) -> None:
    olga, ria = make_user("Olga"), make_user("Ria")
    tribe = make_tribe(olga, [ria], name="Chess Club", visibility="listed")
    slug = tribe["slug"]
    assert ria.http.get(f"/t/{slug}/announcements/new").status_code == 403
    assert make_user().http.get(f"/t/{slug}/announcements").status_code == 404
    bad = form(olga, f"/t/{slug}/announcements/new", {"title": "Hi", "body": "x", "meetup_id": "", "essential": "1",
                                                         "step": "check"})
    assert bad.status_code == 422 and "practical changes can be essential" in bad.get_data(as_text=True)
    whole = form(olga, f"/t/{slug}/announcements/new", {"title": "Hi", "body": "All of you", "meetup_id": "",
                                                           "step": "check"})
    assert "This announcement reaches 1 person." in whole.get_data(as_text=True)


def test_cap_shows_on_the_page_and_nothing_is_sent(app: Any, make_user: Any, make_tribe: Any) -> None:
    app.config["LIMIT_ANNOUNCEMENTS"] = "1 per week"
    olga, ria = make_user("Olga"), make_user("Ria")
    slug = make_tribe(olga, [ria], name="Chess Club", visibility="listed")["slug"]
    announced(olga, slug, title="First")
    refused = form(olga, f"/t/{slug}/announcements/new", {"title": "Second", "body": "x", "step": "send",
                                                            "confirm": "1"})
    assert refused.status_code == 422
    assert "as many announcements as it may" in refused.get_data(as_text=True)
    assert [n["data"]["title"] for n in announcement_notes(ria)] == ["First"]


def test_tribe_tab_and_notifications_page(make_user: Any, make_tribe: Any) -> None:
    olga, ria = make_user("Olga"), make_user("Ria")
    slug = make_tribe(olga, [ria], name="Chess Club", visibility="listed")["slug"]
    out = announced(olga, slug, title="Season opener")
    home = ria.http.get(f"/t/{slug}").get_data(as_text=True)
    assert f'<a href="/t/{slug}/announcements">Announcements</a>' in home      # a tab of the tribe
    listed = ria.http.get(f"/t/{slug}/announcements").get_data(as_text=True)
    assert "Season opener" in listed and f'id="announcement-{out["id"]}"' in listed
    assert f'<a href="/t/{slug}/announcements" aria-current="page">Announcements</a>' in listed
    notes = ria.http.get("/notifications").get_data(as_text=True)
    assert "Olga in Chess Club: Season opener" in notes
    [opener] = re.findall(r'<li class="notification unread" data-kind="announcement">\s*<a href="([^"]+)"', notes)
    opened = ria.http.get(opener)
    assert opened.status_code in (302, 303)
    assert opened.headers["Location"].endswith(f"/t/{slug}/announcements#announcement-{out['id']}")


def test_german_pages(make_user: Any, make_tribe: Any) -> None:
    olga = make_user("Olga")
    assert olga.patch("me", {"locale": "de"}).status_code == 200
    slug = make_tribe(olga, [make_user()], name="Schachclub", visibility="listed")["slug"]
    composer = olga.http.get(f"/t/{slug}/announcements/new").get_data(as_text=True)
    assert "Empfänger prüfen" in composer and "Der ganze Tribe" in composer
    assert "Noch keine Ankündigungen." in olga.http.get(f"/t/{slug}/announcements").get_data(as_text=True)


def test_the_audit_log_page_names_the_action(make_user: Any, make_tribe: Any) -> None:
    olga = make_user("Olga")
    assert olga.patch("me", {"locale": "de"}).status_code == 200
    slug = make_tribe(olga, [make_user()], name="Chess Club", visibility="listed")["slug"]
    announced(olga, slug, title="Season opener")
    html = olga.http.get(f"/t/{slug}/moderation/audit").get_data(as_text=True)
    row = next(line for line in html.splitlines() if "Ankündigung verschickt" in line)
    assert "Titel: Season opener" in html and "Empfänger:innen: 1" in html and "count: 1" not in html
    assert "gelöschtes Mitglied" not in html.split("Ankündigung verschickt", 1)[1].split("</tr>", 1)[0], row


def test_composer_opened_from_a_meetup_beyond_the_choices_offers_that_meetup(
        make_user: Any, make_tribe: Any, new_meetup: Any, monkeypatch: Any) -> None:
    from tribes.announcements import views

    olga, ria = make_user("Olga"), make_user("Ria")
    slug = make_tribe(olga, [ria], name="Chess Club")["slug"]
    soon = new_meetup(olga, slug, title="Soon", starts_at="2027-03-01T19:00:00+01:00",
                      ends_at="2027-03-01T21:00:00+01:00")
    later = new_meetup(olga, slug, title="Later", starts_at="2027-06-01T19:00:00+02:00",
                       ends_at="2027-06-01T21:00:00+02:00")
    monkeypatch.setattr(views, "MEETUP_CHOICES", 1)  # only the soonest fits the list
    plain = olga.http.get(f"/t/{slug}/announcements/new").get_data(as_text=True)
    assert f'value="{soon["id"]}"' in plain and f'value="{later["id"]}"' not in plain
    composer = olga.http.get(f"/t/{slug}/announcements/new?meetup_id={later['id']}").get_data(as_text=True)
    assert f'<option value="{later["id"]}" selected>' in composer
    # a meetup of another tribe is never offered, nor an id beyond the contract
    elsewhere = new_meetup(olga, make_tribe(olga, [], name="Elsewhere")["slug"], title="Elsewhere night")
    for wanted in (elsewhere["id"], "99999999999999999999"):
        page = olga.http.get(f"/t/{slug}/announcements/new?meetup_id={wanted}")
        assert page.status_code == 200 and f'value="{wanted}"' not in page.get_data(as_text=True)
