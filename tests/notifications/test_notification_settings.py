"""Mail preferences: defaults, PATCH of any subset, 422s, per-tribe volume, `mail_mode`, export, deletion."""

from __future__ import annotations

import re

from tests.conftest import PASSWORD
from tribes.extensions import db
from tribes.notifications.kinds import KINDS, NAMES
from tribes.notifications.preferences import mail_mode

INSTANT = {"contact_request", "contact_accepted", "mention", "meetup_created", "meetup_changed", "meetup_cancelled",
           "meetup_reminder", "meetup_promoted", "tribe_invite", "join_request", "join_accepted", "direct_message",
           "announcement"}


def test_defaults_list_every_kind_the_server_sends(make_user):
    me = make_user()
    response = me.get("me/notification-settings")
    assert response.status_code == 200
    body = response.get_json()
    assert body["digest"] == "daily"
    assert set(body["email"]) == set(NAMES)
    assert {k for k, v in body["email"].items() if v == "instant"} == INSTANT
    assert {k for k, v in body["email"].items() if v == "digest"} == set(NAMES) - INSTANT


def test_every_kind_has_a_sentence_of_its_own(app, make_user):
    """The kinds list is the one texts.py reads: none of them falls through to the generic text."""
    from tribes.notifications.models import Notification
    from tribes.notifications.texts import Reader, describe

    with app.test_request_context():
        notes = [Notification(id=i + 1, user_id=1, kind=k.name, data={}) for i, k in enumerate(KINDS)]
        texts = describe(db.session, notes, Reader(1))
    for kind, (text, _url) in zip(KINDS, texts, strict=True):
        assert text != kind.name.replace("_", " "), kind.name


def test_patch_a_subset_answers_the_whole_settings_and_keeps_them(make_user):
    me, other = make_user(), make_user()
    response = me.patch("me/notification-settings", {"email": {"mention": "off"}})
    assert response.status_code == 200
    body = response.get_json()
    assert body["email"]["mention"] == "off" and body["email"]["contact_request"] == "instant"
    assert set(body["email"]) == set(NAMES) and body["digest"] == "daily"
    body = me.patch("me/notification-settings", {"digest": "weekly"}).get_json()
    assert body["digest"] == "weekly" and body["email"]["mention"] == "off"
    body = me.patch("me/notification-settings", {"email": {"report_filed": "instant", "mention": "digest"}}).get_json()
    assert body["email"]["mention"] == "digest" and body["email"]["report_filed"] == "instant"
    assert me.patch("me/notification-settings", {}).get_json() == body
    assert me.get("me/notification-settings").get_json() == body
    assert other.get("me/notification-settings").get_json()["email"]["mention"] == "instant"


def test_unknown_kind_or_mode_is_422_and_changes_nothing(make_user):
    me = make_user()
    before = me.get("me/notification-settings").get_json()
    for payload, field in (
        ({"email": {"newsletter": "off"}}, "email.newsletter"),
        ({"email": {"mention": "loud"}}, "email.mention"),
        ({"email": {"mention": None}}, "email.mention"),
        ({"digest": "monthly"}, "digest"),
        ({"email": "off"}, "email"),
    ):
        response = me.patch("me/notification-settings", payload)
        assert response.status_code == 422, payload
        error = response.get_json()["error"]
        assert error["code"] == "validation_failed" and field in error["fields"], error
    assert me.patch("me/notification-settings", {"email": {"mention": "off", "nonsense": "off"}}).status_code == 422
    assert me.get("me/notification-settings").get_json() == before
    assert me.patch("me", {"locale": "de"}).status_code == 200
    fields = me.patch("me/notification-settings", {"email": {"newsletter": "off", "mention": "loud"}}
                      ).get_json()["error"]["fields"]
    assert fields["email.newsletter"] == "Dieses Feld gibt es hier nicht."
    assert fields["email.mention"].startswith("Wähle eins davon:") and "instant" in fields["email.mention"]


def test_settings_need_a_login(client):
    assert client.get("me/notification-settings").status_code == 401
    assert client.patch("me/notification-settings", {"digest": "weekly"}).status_code in (401, 403)


def test_tribe_volume_for_members_only(make_user, make_tribe):
    member, outsider = make_user(), make_user()
    secret = make_tribe(members=[member])
    listed = make_tribe(visibility="listed")
    response = member.patch(f"tribes/{secret['slug']}/my-settings", {"email": "mentions"})
    assert response.status_code == 200 and response.get_json() == {"email": "mentions"}
    for slug in (secret["slug"], listed["slug"], "no-such-tribe"):
        response = outsider.patch(f"tribes/{slug}/my-settings", {"email": "none"})
        assert response.status_code == 404, slug
        assert response.get_json()["error"]["code"] == "not_found"
    assert outsider.patch(f"tribes/{secret['slug']}/my-settings", {"email": "loud"}).status_code == 404
    bad = member.patch(f"tribes/{secret['slug']}/my-settings", {"email": "loud"})
    assert bad.status_code == 422 and "email" in bad.get_json()["error"]["fields"]


def _tribe_id(app, slug):
    from sqlalchemy import select

    from tribes.groups.models import Tribe

    with app.app_context():
        return db.session.scalar(select(Tribe.id).where(Tribe.slug == slug))


def _mode(app, user_id, kind, tribe_id=None):
    with app.app_context():
        try:
            return mail_mode(db.session, user_id, kind, tribe_id)
        finally:
            db.session.rollback()


def test_mail_mode_follows_kind_then_tribe(app, make_user, make_tribe):
    me = make_user()
    tribe = make_tribe(members=[me])
    uid, tid = me.user["id"], _tribe_id(app, tribe["slug"])
    assert _mode(app, uid, "mention") == "instant"
    assert _mode(app, uid, "report_filed") == "digest"
    assert _mode(app, uid, "no_such_kind") == "off"
    assert _mode(app, uid, "mention", tid) == "instant"
    me.patch("me/notification-settings", {"email": {"mention": "digest", "meetup_reminder": "off"}})
    assert _mode(app, uid, "mention", tid) == "digest"
    assert _mode(app, uid, "meetup_reminder") == "off"

    me.patch(f"tribes/{tribe['slug']}/my-settings", {"email": "mentions"})
    assert _mode(app, uid, "mention", tid) == "digest"
    assert _mode(app, uid, "meetup_cancelled", tid) == "instant"
    assert _mode(app, uid, "report_filed", tid) == "off"
    assert _mode(app, uid, "report_filed") == "digest"  # mail from no tribe keeps the kind's mode

    me.patch(f"tribes/{tribe['slug']}/my-settings", {"email": "none"})
    assert _mode(app, uid, "mention", tid) == "off"
    assert _mode(app, uid, "meetup_cancelled", tid) == "off"
    assert _mode(app, uid, "contact_request") == "instant"

    other = make_tribe()  # not a member: an invite to it follows the kind's mode
    assert _mode(app, uid, "tribe_invite", _tribe_id(app, other["slug"])) == "instant"


def test_export_lists_settings_and_deletion_removes_them(app, make_user, make_tribe):
    from tribes.notifications.models import NotificationSettings

    me = make_user()
    tribe = make_tribe(members=[me])
    me.patch("me/notification-settings", {"email": {"mention": "off"}, "digest": "weekly"})
    me.patch(f"tribes/{tribe['slug']}/my-settings", {"email": "mentions"})
    document = me.get("me/export").get_json()
    assert document["notification_settings"]["email"]["mention"] == "off"
    assert document["notification_settings"]["digest"] == "weekly"
    assert [m["email"] for m in document["memberships"] if m["tribe"] == tribe["slug"]] == ["mentions"]
    uid = me.user["id"]
    assert me.delete("me", {"password": PASSWORD}).status_code == 204
    with app.app_context():
        from sqlalchemy import select

        assert db.session.scalars(select(NotificationSettings).where(NotificationSettings.user_id == uid)).all() == []


def test_settings_page_shows_and_saves_every_kind(make_user):
    me = make_user()
    page = me.http.get("/settings")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'id="email-h"' in html
    for name in NAMES:
        assert f'name="kind-{name}"' in html
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    form = {"csrf_token": token, "digest": "weekly", **{f"kind-{n}": "digest" for n in NAMES}}
    form["kind-mention"] = "off"
    saved = me.http.post("/settings/email", data=form, follow_redirects=True)
    assert saved.status_code == 200
    body = me.get("me/notification-settings").get_json()
    assert body["digest"] == "weekly" and body["email"]["mention"] == "off"
    assert body["email"]["contact_request"] == "digest"
    html = saved.get_data(as_text=True)
    assert re.search(r'<option value="off" selected>[^<]*</option>', html.split('name="kind-mention"')[1].split("</select>")[0])
    bad = me.http.post("/settings/email", data={**form, "kind-mention": "loud"}, follow_redirects=True)
    assert me.get("me/notification-settings").get_json()["email"]["mention"] == "off"
    assert bad.status_code in (200, 422)


def test_settings_page_in_german(make_user):
    me = make_user()
    assert me.patch("me", {"locale": "de"}).status_code == 200
    html = me.http.get("/settings").get_data(as_text=True)
    assert "Jemand hat dich erwähnt" in html


def test_members_page_sets_the_tribe_volume(make_user, make_tribe):
    me = make_user()
    tribe = make_tribe(members=[me])
    page = me.http.get(f"/t/{tribe['slug']}/members")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'name="email"' in html
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    done = me.http.post(f"/t/{tribe['slug']}/my-settings", data={"csrf_token": token, "email": "none"},
                        follow_redirects=True)
    assert done.status_code == 200
    assert re.search(r'<option value="none" selected>', done.get_data(as_text=True))
    outsider = make_user()
    html = outsider.http.get("/settings").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    assert outsider.http.post(f"/t/{tribe['slug']}/my-settings",
                              data={"csrf_token": token, "email": "all"}).status_code == 404
