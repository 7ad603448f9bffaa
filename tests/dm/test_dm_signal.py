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
