"""Meet-up mails: the .ics (iTIP) attachment, the RSVP links, times in the reader's zone and
language, and the `meetup_created` notification that goes to the whole tribe."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import Calendar
from sqlalchemy import func, select

from tests.meetups.conftest import iso, soon
from tests.meetups.mails import ics_of, mails_of, rsvp_links, text_of
from tribes.db import utcnow
from tribes.extensions import db
from tribes.groups.models import Tribe
from tribes.meetups.reminders import send_due_reminders
from tribes.meetups.service import create_meetup
from tribes.notifications.models import Notification


def one_event(mail: Any) -> Any:
    cal, part = ics_of(mail)
    [event] = list(cal.walk("VEVENT"))
    return cal, part, event


def test_change_mails_keep_the_uid_carry_the_current_sequence_and_two_links(app, crowd, new_meetup, smtp_server):
    tribe, owner, [member] = crowd(1, discreet_email=False)
    meetup = new_meetup(owner, tribe["slug"], location="Cafe Anna")
    assert member.put(f"meetups/{meetup['id']}/rsvp", {"status": "going"}).status_code == 200
    start = soon(days=5).replace(hour=17)
    assert owner.patch(f"meetups/{meetup['id']}", {"starts_at": iso(start),
                                                   "ends_at": iso(start + timedelta(hours=2))}).status_code == 200
    assert len(mails_of(app, smtp_server, member, "meetup_changed")) == 1  # mailed as it happens
    assert owner.patch(f"meetups/{meetup['id']}", {"location": "Betahaus"}).status_code == 200
    assert len(mails_of(app, smtp_server, member, "meetup_changed")) == 2
    [exported] = Calendar.from_ical(owner.get(f"meetups/{meetup['id']}/ics").get_data()).walk("VEVENT")
    uid = str(exported["UID"])

    first, second = mails_of(app, smtp_server, member, "meetup_changed")
    sequences = []
    for mail in (first, second):
        cal, part, event = one_event(mail)
        assert part.get_content_type() == "text/calendar" and part.get_param("method") == "REQUEST"
        assert part.get_filename() == "meetup.ics" and part.get_content_charset() == "utf-8"
        assert str(cal["METHOD"]) == "REQUEST"
        assert str(event["UID"]) == uid
        assert event["DTSTART"].params["TZID"] == "Europe/Berlin" and list(cal.walk("VTIMEZONE"))
        assert str(event["ORGANIZER"]).startswith("mailto:")
        assert str(event["ATTENDEE"]) == f"mailto:{member.user['email']}"
        assert event["ATTENDEE"].params["PARTSTAT"] == "ACCEPTED" and event["ATTENDEE"].params["RSVP"] == "FALSE"
        sequences.append(int(event["SEQUENCE"]))
        links = rsvp_links(mail)
        assert len(links) == 2 and links[0] != links[1]
        assert "Your answer so far: going." in text_of(mail)
    assert sequences == [1, 2] and owner.get(f"meetups/{meetup['id']}").get_json()["sequence"] == 2
    assert "Where: Cafe Anna" in text_of(first)
    assert "Where: Betahaus" in text_of(second)


def test_cancellation_mail_says_cancelled_with_method_cancel_and_no_links(app, crowd, new_meetup, smtp_server):
    tribe, owner, [member] = crowd(1, discreet_email=False)
    meetup = new_meetup(owner, tribe["slug"])
    member.put(f"meetups/{meetup['id']}/rsvp", {"status": "going"})
    assert owner.post(f"meetups/{meetup['id']}/cancel", {"reason": "Speaker ill"}).status_code in (200, 204)
    [mail] = mails_of(app, smtp_server, member, "meetup_cancelled")
    cal, part, event = one_event(mail)
    assert part.get_param("method") == "CANCEL" and str(cal["METHOD"]) == "CANCEL"
    assert str(event["STATUS"]) == "CANCELLED"
    assert int(event["SEQUENCE"]) == owner.get(f"meetups/{meetup['id']}").get_json()["sequence"] == 1
    assert "ATTENDEE" in event and "ORGANIZER" in event
    assert rsvp_links(mail) == [] and "/rsvp/" not in text_of(mail)
    assert "Reason: Speaker ill" in text_of(mail)


def test_reminder_mail_in_german_with_the_readers_time_zone(app, crowd, new_meetup, smtp_server, session):
    tribe, owner, [member] = crowd(1, discreet_email=False)
    assert member.patch("me", {"locale": "de", "timezone": "America/New_York"}).status_code == 200
    start = (utcnow() + timedelta(hours=3)).replace(second=0, microsecond=0)
    meetup = owner.post(f"tribes/{tribe['slug']}/meetups", {
        "title": "Stammtisch", "starts_at": iso(start), "ends_at": iso(start + timedelta(minutes=30)),
        "timezone": "Europe/Berlin", "location": "Zur Linde"}).get_json()
    in_new_york = start.astimezone(ZoneInfo("America/New_York"))
    member.put(f"meetups/{meetup['id']}/rsvp", {"status": "going"})
    assert send_due_reminders(session, utcnow(), lead_minutes=24 * 60) == 1
    session.commit()
    [mail] = mails_of(app, smtp_server, member, "meetup_reminder")
    text = text_of(mail)
    assert "Wann:" in text and "Wo: Zur Linde" in text
    assert f"{in_new_york:%H:%M}" in text and in_new_york.tzname() in text  # the reader's zone, not Berlin's
    assert f"{start.astimezone(ZoneInfo('Europe/Berlin')):%H:%M}" not in text
    assert "Ich komme: http" in text and len(rsvp_links(mail)) == 2
    assert "Deine bisherige Antwort: Ich komme." in text
    _cal, part, event = one_event(mail)
    assert part.get_param("method") == "REQUEST" and str(event["SUMMARY"]) == "Stammtisch"


def test_meetup_created_reaches_members_but_not_the_creator_nor_outsiders(
    app, crowd, make_user, make_tribe, new_meetup, smtp_server, session,
):
    tribe, owner, members = crowd(2, discreet_email=False)
    outsider = make_user()
    make_tribe(owner=outsider)
    meetup = new_meetup(owner, tribe["slug"], title="Stammtisch")
    rows = session.execute(select(Notification.user_id, Notification.data).where(
        Notification.kind == "meetup_created")).all()
    assert sorted(uid for uid, _ in rows) == sorted(m.user["id"] for m in members)
    assert all(data["meetup_id"] == meetup["id"] for _, data in rows)
    [seen] = [n for n in members[0].get("notifications").get_json()["items"] if n["kind"] == "meetup_created"]
    owner_name, tribe_name = owner.user["display_name"], tribe["name"]
    assert seen["text"].startswith(f"{owner_name} scheduled 'Stammtisch' in {tribe_name} for ")
    assert not [n for n in owner.get("notifications").get_json()["items"] if n["kind"] == "meetup_created"]
    assert not [n for n in outsider.get("notifications").get_json()["items"] if n["kind"] == "meetup_created"]
    assert "meetup_created" in members[0].get("me/notification-settings").get_json()["email"]

    [mail] = mails_of(app, smtp_server, members[0], "meetup_created")
    cal, part, event = one_event(mail)
    assert part.get_param("method") == "PUBLISH" and "ATTENDEE" not in event and "ORGANIZER" in event
    assert len(rsvp_links(mail)) == 2 and "Your answer so far" not in text_of(mail)


def _create_and_count(session: Any, count_queries: Any, slug: str, owner_id: int) -> int:
    """Statements of scheduling a meetup (service call and flush), rolled back afterwards."""
    tribe = session.scalars(select(Tribe).where(Tribe.slug == slug)).one()
    start = soon()
    count_queries.reset()
    create_meetup(session, tribe, owner_id, {"title": "Stammtisch", "starts_at": start,
                                            "ends_at": start + timedelta(hours=2), "timezone": "Europe/Berlin"})
    session.flush()
    statements = count_queries.count
    assert session.scalar(select(func.count()).where(Notification.kind == "meetup_created")) > 0
    session.rollback()
    return statements


def test_scheduling_for_many_members_costs_the_same_statements(crowd, count_queries, session):
    counts = [_create_and_count(session, count_queries, tribe["slug"], owner.user["id"])
              for tribe, owner, _members in (crowd(2, discreet_email=False), crowd(12, discreet_email=False))]
    assert counts[0] == counts[1], counts  # the notifications are one INSERT, however many members


def test_the_whole_request_costs_the_same_statements_for_many_members(crowd, new_meetup, count_queries):
    counts = []
    for size in (2, 12):
        tribe, owner, _members = crowd(size, discreet_email=False)
        count_queries.reset()
        new_meetup(owner, tribe["slug"])
        counts.append(count_queries.count)
    assert counts[0] == counts[1], counts


def test_no_extras_for_someone_who_left_the_tribe(app, crowd, new_meetup, smtp_server):
    """The mail went out with the notification, links included; built again after the person
    left (a queued mail rebuilt, a digest), it would carry no calendar file and no RSVP link."""
    from tribes.accounts.models import User
    from tribes.notifications.mailing import extras_for

    tribe, owner, [member] = crowd(1, discreet_email=False)
    new_meetup(owner, tribe["slug"])
    [mail] = mails_of(app, smtp_server, member, "meetup_created")
    assert len(rsvp_links(mail)) == 2                       # a member when it happened
    assert member.delete(f"tribes/{tribe['slug']}/members/{member.user['id']}").status_code == 204
    with app.app_context():
        notification = db.session.scalars(select(Notification).where(
            Notification.user_id == member.user["id"], Notification.kind == "meetup_created")).one()
        extras = extras_for(db.session, notification, db.session.get(User, member.user["id"]))
        assert extras.attachments == [] and extras.paragraphs == []
        db.remove()
