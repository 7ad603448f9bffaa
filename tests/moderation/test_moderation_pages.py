"""Admin pages: queue with resolve, audit log, member management, invite tree and branch bans."""

from __future__ import annotations

import re
from typing import Any

from tests.conftest import join
from tests.moderation.test_reports_api import post_message


def page(client: Any, path: str) -> Any:
    """GET an HTML page."""
    return client.http.get(path)


def form(client: Any, path: str, **data: Any) -> Any:
    """POST a form with the CSRF token, following the redirect."""
    return client.http.post(path, data={"csrf_token": client.csrf, **data}, follow_redirects=True)


def test_admin_resolves_from_the_queue_and_reads_the_audit_log(make_user, make_tribe):
    member, troll = make_user(), make_user()
    tribe = make_tribe(members=[member, troll])
    owner, slug = tribe["owner"], tribe["slug"]
    home = page(owner, f"/t/{slug}/admin").get_data(as_text=True)  # the tribe's Admin tab
    assert f"/t/{slug}/moderation" in home
    assert f"/t/{slug}/admin" not in page(member, f"/t/{slug}").get_data(as_text=True)
    assert page(member, f"/t/{slug}/admin").status_code == 403
    message = post_message(troll, slug, "<b>nasty</b> words")
    reported = form(member, f"/t/{slug}/report", target_type="message", target_id=message["id"], reason="rude")
    assert "The admins will look at your report" in reported.get_data(as_text=True)
    assert 'aria-label="1 open"' in page(owner, f"/t/{slug}/admin").get_data(as_text=True)
    queue = page(owner, f"/t/{slug}/moderation").get_data(as_text=True)
    assert "&lt;b&gt;nasty&lt;/b&gt; words" in queue and "<b>nasty" not in queue
    report_id = owner.get(f"tribes/{slug}/reports").get_json()["items"][0]["id"]
    done = form(owner, f"/t/{slug}/moderation/reports/{report_id}/resolve", action="delete_content", note="no")
    assert "Report resolved." in done.get_data(as_text=True)
    assert owner.get(f"tribes/{slug}/messages").get_json()["items"][0]["deleted"] is True
    audit = page(owner, f"/t/{slug}/moderation/audit").get_data(as_text=True)
    assert "report resolved" in audit and "message deleted" in audit
    assert page(member, f"/t/{slug}/moderation").status_code == 403
    assert page(member, f"/t/{slug}/moderation/audit").status_code == 403
    assert page(make_user(), f"/t/{slug}/moderation").status_code == 404


def test_member_management_page(make_user, make_tribe):
    a, b = make_user(), make_user()
    tribe = make_tribe(members=[a, b])
    owner, slug = tribe["owner"], tribe["slug"]
    base = f"/t/{slug}/moderation/members"
    assert "Mute" in page(owner, base).get_data(as_text=True)
    assert "Role changed." in form(owner, f"{base}/{a.user['id']}/role", role="organiser").get_data(as_text=True)
    assert a.get(f"tribes/{slug}").get_json()["my_role"] == "organiser"
    muted = form(owner, f"{base}/{b.user['id']}/mute", minutes="15")
    assert "Member muted." in muted.get_data(as_text=True) and "Unmute" in muted.get_data(as_text=True)
    assert b.post(f"tribes/{slug}/messages", {"body": "hi", "client_id": "x"}).get_json()["error"]["code"] == "muted"
    bad = form(owner, f"{base}/{b.user['id']}/mute", minutes="-3")
    assert "minutes" in bad.get_data(as_text=True)
    assert "Mute lifted." in form(owner, f"{base}/{b.user['id']}/unmute").get_data(as_text=True)
    assert "Member removed." in form(owner, f"{base}/{b.user['id']}/remove").get_data(as_text=True)
    assert b.get(f"tribes/{slug}").status_code == 404
    # an owner cannot be removed by themselves through this page: nothing to click, and a crafted post fails
    assert form(owner, f"{base}/{owner.user['id']}/remove").status_code == 200
    assert owner.get(f"tribes/{slug}").status_code == 200


def test_invite_tree_and_ban_with_branch_preview_then_confirm(make_user, make_tribe):
    recruiter, bot1, bot2, bystander = make_user("Recruiter"), make_user("Bot One"), make_user("Bot Two"), make_user("Bystander")
    tribe = make_tribe(members=[recruiter, bystander], invite_policy="members")
    owner, slug = tribe["owner"], tribe["slug"]
    owner.patch(f"tribes/{slug}", {"new_member_hours": 0})
    for inviter, invitee in ((recruiter, bot1), (bot1, bot2)):
        join(inviter, invitee, slug)
    tree = page(owner, f"/t/{slug}/moderation/invite-tree").get_data(as_text=True)
    assert tree.index("Recruiter") < tree.index("Bot One") < tree.index("Bot Two")
    bans = set(re.findall(r"/moderation/ban/(\d+)\?with_branch=1", tree))
    assert bans == {str(u.user["id"]) for u in (recruiter, bystander, bot1, bot2)}  # everyone but me
    preview = page(owner, f"/t/{slug}/moderation/ban/{recruiter.user['id']}?with_branch=1").get_data(as_text=True)
    for name in ("Recruiter", "Bot One", "Bot Two"):
        assert f"<li>{name}</li>" in preview
    assert "Bystander" not in preview and "Confirm the ban (3)" in preview
    assert bot2.get(f"tribes/{slug}").status_code == 200  # the preview changed nothing
    done = form(owner, f"/t/{slug}/moderation/ban/{recruiter.user['id']}", with_branch="1", reason="bot ring")
    assert "Banned." in done.get_data(as_text=True)
    for gone in (recruiter, bot1, bot2):
        assert gone.get(f"tribes/{slug}").status_code == 404
    assert bystander.get(f"tribes/{slug}").status_code == 200
    banned = [e for e in owner.get(f"tribes/{slug}/audit-log").get_json()["items"] if e["action"] == "member_banned"]
    assert len(banned) == 3 and all(e["details"]["reason"] == "bot ring" for e in banned)


def test_report_form_pages_its_member_list(make_user, make_tribe, monkeypatch):
    from tribes.moderation import views

    monkeypatch.setattr(views, "PAGE_SIZE", 1)
    members = [make_user() for _ in range(3)]
    tribe = make_tribe(members=members)
    slug, reporter = tribe["slug"], members[0]
    first = page(reporter, f"/t/{slug}/report").get_data(as_text=True)
    assert first.count("<option ") == 2 and 'rel="next"' in first
    link = first.split('rel="next" href="')[1].split('"')[0].replace("&amp;", "&")
    second = page(reporter, link).get_data(as_text=True)
    assert second.count("<option ") == 1 and 'rel="next"' not in second


# ---------------------------------------------------------------- settings, bans, ownership, leaving


def test_tribe_settings_page_for_admins_only(make_user, make_tribe):
    admin, member = make_user(), make_user()
    tribe = make_tribe(members=[admin, member])
    owner, slug = tribe["owner"], tribe["slug"]
    owner.patch(f"tribes/{slug}/members/{admin.user['id']}", {"role": "admin"})
    path = f"/t/{slug}/admin/settings"
    assert page(member, path).status_code == 403
    assert page(make_user(), path).status_code == 404
    as_admin = page(admin, path).get_data(as_text=True)
    assert 'name="new_member_hours"' in as_admin and "Delete the tribe" not in as_admin
    assert "Hand over ownership" not in as_admin
    bad = admin.http.post(path, data={"csrf_token": admin.csrf, "name": "X Tribe", "description": "",
                                      "visibility": "listed", "invite_policy": "members",
                                      "max_guests": "99", "new_member_hours": "12"})
    assert bad.status_code == 422 and 'id="max_guests-error"' in bad.get_data(as_text=True)
    saved = form(admin, path, name="Rhein-Main Designers", description="Wir treffen uns monatlich.",
                 visibility="listed", invite_policy="members", max_guests="2", new_member_hours="12")
    assert "settings are saved" in saved.get_data(as_text=True)
    got = owner.get(f"tribes/{slug}").get_json()
    assert (got["name"], got["visibility"], got["invite_policy"]) == ("Rhein-Main Designers", "listed", "members")
    assert "tribe updated" in page(owner, f"/t/{slug}/moderation/audit").get_data(as_text=True)
    assert f"/t/{slug}/admin/settings" in page(owner, f"/t/{slug}/moderation").get_data(as_text=True)


def test_delete_tribe_requires_the_typed_name(make_user, make_tribe):
    admin = make_user()
    tribe = make_tribe(members=[admin], name="Kölner Runde")
    owner, slug = tribe["owner"], tribe["slug"]
    owner.patch(f"tribes/{slug}/members/{admin.user['id']}", {"role": "admin"})
    settings = page(owner, f"/t/{slug}/admin/settings").get_data(as_text=True)
    assert "Delete the tribe" in settings and 'data-confirm="Delete Kölner Runde for everyone?"' in settings
    assert admin.http.post(f"/t/{slug}/admin/delete", data={"csrf_token": admin.csrf,
                                                            "confirm_name": "Kölner Runde"}).status_code == 403
    wrong = owner.http.post(f"/t/{slug}/admin/delete", data={"csrf_token": owner.csrf, "confirm_name": "kölner"})
    assert wrong.status_code == 422 and 'id="confirm_name-error"' in wrong.get_data(as_text=True)
    assert owner.get(f"tribes/{slug}").status_code == 200
    gone = form(owner, f"/t/{slug}/admin/delete", confirm_name="Kölner Runde")
    assert "is deleted" in gone.get_data(as_text=True)
    assert owner.get(f"tribes/{slug}").status_code == 404


def test_ban_list_and_lift_ban(make_user, make_tribe):
    troll, member = make_user("Tom Troll"), make_user()
    tribe = make_tribe(members=[troll, member])
    owner, slug = tribe["owner"], tribe["slug"]
    owner.post(f"tribes/{slug}/bans", {"user_id": troll.user["id"], "reason": "spam links"})
    assert page(member, f"/t/{slug}/admin/bans").status_code == 403
    assert page(make_user(), f"/t/{slug}/admin/bans").status_code == 404
    listed = page(owner, f"/t/{slug}/admin/bans").get_data(as_text=True)
    assert "Tom Troll" in listed and "spam links" in listed and "Lift ban" in listed and "data-confirm" in listed
    lifted = form(owner, f"/t/{slug}/moderation/bans/{troll.user['id']}/lift")
    assert "Ban lifted." in lifted.get_data(as_text=True) and "Nobody is banned" in lifted.get_data(as_text=True)
    assert owner.get(f"tribes/{slug}/bans").get_json()["items"] == []


def test_hand_over_ownership_then_leave(make_user, make_tribe):
    heir, member = make_user("Hanna Heir"), make_user()
    tribe = make_tribe(members=[heir, member])
    owner, slug = tribe["owner"], tribe["slug"]
    blocked = page(owner, f"/t/{slug}/leave").get_data(as_text=True)
    assert "You are the only owner" in blocked and 'name="csrf_token"' not in blocked.split("<main")[-1]
    refused = owner.http.post(f"/t/{slug}/leave", data={"csrf_token": owner.csrf})
    assert refused.status_code == 409 and owner.get(f"tribes/{slug}").status_code == 200
    assert heir.http.post(f"/t/{slug}/admin/ownership",
                          data={"csrf_token": heir.csrf, "user_id": member.user["id"]}).status_code == 403
    settings = page(owner, f"/t/{slug}/admin/settings").get_data(as_text=True)
    assert "Hanna Heir" in settings
    done = form(owner, f"/t/{slug}/admin/ownership", user_id=heir.user["id"], step_down="1")
    assert "Hanna Heir is now an owner" in done.get_data(as_text=True)
    roles = {m["user"]["id"]: m["role"] for m in owner.get(f"tribes/{slug}/members").get_json()["items"]}
    assert roles[heir.user["id"]] == "owner" and roles[owner.user["id"]] == "admin"
    assert page(owner, f"/t/{slug}/admin/settings").get_data(as_text=True).count("Hand over ownership") == 0
    left = form(owner, f"/t/{slug}/leave")
    assert "You left" in left.get_data(as_text=True)
    assert owner.get(f"tribes/{slug}").status_code == 404


def test_any_member_leaves(make_user, make_tribe):
    member = make_user()
    tribe = make_tribe(members=[member])
    slug = tribe["slug"]
    assert page(make_user(), f"/t/{slug}/leave").status_code == 404
    confirm = page(member, f"/t/{slug}/leave").get_data(as_text=True)
    assert "data-confirm" in confirm and "Leave the tribe" in confirm
    left = form(member, f"/t/{slug}/leave")
    assert "You left" in left.get_data(as_text=True)
    assert member.get(f"tribes/{slug}").status_code == 404
    assert tribe["owner"].get(f"tribes/{slug}").get_json()["member_count"] == 1


def test_audit_log_details_read_as_words_in_my_language_and_time_zone(make_user, make_tribe):
    """The Details column names things in the reader's language, shows times in the reader's
    zone and format, and never an internal id, a raw ISO time or a Python dict."""
    import re

    troll = make_user()
    tribe = make_tribe(members=[troll])
    owner, slug = tribe["owner"], tribe["slug"]
    assert owner.post(f"tribes/{slug}/invites", {"max_uses": 3}).status_code == 201
    assert owner.post(f"tribes/{slug}/mutes", {"user_id": troll.user["id"], "minutes": 60}).status_code in (200, 201)
    assert owner.patch(f"tribes/{slug}", {"visibility": "listed"}).status_code == 200
    english = page(owner, f"/t/{slug}/moderation/audit").get_data(as_text=True)
    assert "visibility: secret → listed" in english and "uses: 3" in english
    assert "deleted member" not in english  # a settings change is about nobody, no account was deleted
    owner.patch("me", {"locale": "de", "timezone": "Asia/Tokyo"})
    german = page(owner, f"/t/{slug}/moderation/audit").get_data(as_text=True)
    assert "Sichtbarkeit: geheim → öffentlich" in german and "Nutzungen: 3" in german
    for shown in (english, german):
        assert "invite_id" not in shown and "max_uses" not in shown and "{&#39;from&#39;" not in shown
        assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d", shown), "a raw ISO time on the page"
    mute = owner.get(f"tribes/{slug}/mutes").get_json()["items"][0]
    from datetime import datetime
    from zoneinfo import ZoneInfo

    until = datetime.fromisoformat(mute["until"]).astimezone(ZoneInfo("Asia/Tokyo"))
    assert f"bis: {until:%d.%m.%y}, {until:%H:%M}" in german
