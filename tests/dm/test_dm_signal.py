"""The astroturfing signal sees direct messages: one account sending the same text to many people
files one report to the site admins about the account — saying what happened, not the text."""

from __future__ import annotations

from tests.dm.helpers import befriend, say, start
from tests.siteadmin.conftest import make_admin  # noqa: F401

PITCH = "Earn money fast with my crypto course, only today at example dot com"


def _site_reports(admin):  # type: ignore[no-untyped-def]
    return admin.get("site/reports").get_json()["items"]


def test_the_same_text_to_many_people_reaches_the_site_admins(app, make_user, make_tribe, make_admin):  # noqa: F811
    app.config["ASTROTURF_DM_RECIPIENTS"] = 4
    try:
        admin, spammer = make_admin(), make_user("Spammer")
        people = [make_user(f"Person {n}") for n in range(4)]
        for person in people:
            befriend(spammer, person, make_tribe)
        for person in people[:3]:
            say(spammer, start(spammer, person)["id"], PITCH)
        assert _site_reports(admin) == []                     # three people: not yet a pattern
        say(spammer, start(spammer, people[3])["id"], PITCH.upper() + "!!")   # near-identical
        listing = admin.get("site/reports")
        [report] = listing.get_json()["items"]
        assert report["target_type"] == "user" and report["target_user"]["id"] == spammer.user["id"]
        assert "4 people" in listing.get_data(as_text=True)
        assert "crypto" not in listing.get_data(as_text=True).lower()    # the admins never read the text
        extra = make_user("Person 5")
        befriend(spammer, extra, make_tribe)
        say(spammer, start(spammer, extra)["id"], PITCH)
        [again] = _site_reports(admin)                        # the same open report, brought up to date
        assert again["id"] == report["id"]
        assert "5 people" in admin.get("site/reports").get_data(as_text=True)
    finally:
        app.config.pop("ASTROTURF_DM_RECIPIENTS", None)


def test_different_messages_to_many_people_are_no_signal(app, make_user, make_tribe, make_admin):  # noqa: F811
    admin, host = make_admin(), make_user("Host")
    for n in range(6):
        person = make_user(f"Guest {n}")
        befriend(host, person, make_tribe)
        say(host, start(host, person)["id"], f"Looking forward to seeing you on day {n}, bring your notes please")
    assert _site_reports(admin) == []


def test_the_automatic_report_reads_in_the_admins_language(app, make_user, make_tribe, make_admin):  # noqa: F811
    """Stored once in English, shown in German to a German-speaking admin (API and page alike)."""
    app.config["ASTROTURF_DM_RECIPIENTS"] = 2
    try:
        admin, spammer = make_admin(), make_user("Spammer")
        people = [make_user(f"Person {n}") for n in range(2)]
        for person in people:
            befriend(spammer, person, make_tribe)
            say(spammer, start(spammer, person)["id"], PITCH)
        [english] = _site_reports(admin)
        assert english["reason"] == "Possible bot or astroturfing: the same text to many people by direct message."
        assert english["excerpt"].startswith("Sent the same text by direct message to 2 people within ")
        assert admin.patch("me", {"locale": "de"}).status_code == 200
        [german] = _site_reports(admin)
        assert german["reason"] == "Möglicher Bot oder Astroturfing: derselbe Text per Direktnachricht an viele Personen."
        assert german["excerpt"].startswith("Hat denselben Text innerhalb von ")
        assert german["excerpt"].endswith(" per Direktnachricht an 2 Personen geschickt.")
        page = admin.http.get("/admin/reports").get_data(as_text=True)
        assert "Automatisch: mögliches Astroturfing" in page and "an 2 Personen geschickt" in page
        assert "Possible" not in page and "crypto" not in page.lower()
    finally:
        app.config.pop("ASTROTURF_DM_RECIPIENTS", None)


def test_the_database_keeps_one_open_automatic_report_per_account(app, make_user):
    """Two messages filing at the same moment cannot both create a site report (tribe NULL)."""
    import pytest
    from sqlalchemy.exc import IntegrityError

    from tribes.db import utcnow
    from tribes.extensions import db
    from tribes.moderation.models import Report

    spammer = make_user("Spammer")
    uid = spammer.user["id"]

    def report() -> Report:
        now = utcnow()
        return Report(tribe_id=None, reporter_id=None, target_type="user", target_id=uid, target_user_id=uid,
                      reason="x", status="open", cluster_key=f"dm:{uid}", created_at=now, updated_at=now)

    with app.app_context():
        db.session.add(report())
        db.session.commit()
        db.session.add(report())
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
