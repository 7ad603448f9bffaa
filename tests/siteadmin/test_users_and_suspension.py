"""Users: search, suspend (sessions and sockets end at once, logins answer 403), unsuspend."""

from __future__ import annotations

import re

from tests.conftest import PASSWORD


def test_search_by_name_or_email_case_insensitively_with_tribe_counts(make_admin, make_user, make_tribe):
    admin = make_admin(display_name="Ada Admin")
    carla = make_user(display_name="Carla Mendes", email="carla@firm.test")
    make_user(display_name="Bruno", email="bruno@MENDES-law.test")
    make_user(display_name="100%_match", email="odd@example.test")
    make_tribe(owner=carla)
    make_tribe(owner=carla)
    found = admin.get("site/users?q=mEnDeS").get_json()["items"]
    assert [u["display_name"] for u in found] == ["Bruno", "Carla Mendes"]  # newest first
    assert found[1] == {
        "id": carla.user["id"], "display_name": "Carla Mendes", "email": "carla@firm.test",
        "created_at": found[1]["created_at"], "email_verified": True, "site_admin": False,
        "suspended": False, "suspended_at": None, "tribe_count": 2,
    }
    assert [u["display_name"] for u in admin.get("site/users?q=FIRM.test").get_json()["items"]] == ["Carla Mendes"]
    # LIKE wildcards are taken literally
    assert [u["display_name"] for u in admin.get("site/users?q=%25_").get_json()["items"]] == ["100%_match"]
    assert len(admin.get("site/users").get_json()["items"]) == 4
    page = admin.get("site/users?limit=3").get_json()
    rest = admin.get(f"site/users?limit=3&cursor={page['next_cursor']}").get_json()
    assert len(page["items"]) == 3 and len(rest["items"]) == 1 and rest["next_cursor"] is None
    html = admin.http.get("/admin/users?q=mendes").data.decode()
    assert "Carla Mendes" in html and "carla@firm.test" in html and "bruno@mendes-law.test" in html
    assert "odd@example.test" not in html


def test_suspension_ends_the_session_and_socket_at_once(make_admin, make_user, make_tribe, make_socket, make_client):
    admin = make_admin()
    carla = make_user(email="carla@example.test")
    make_tribe(owner=carla)
    other_device = make_client()
    assert other_device.login("carla@example.test").status_code == 200
    sock = make_socket(carla)
    assert sock.is_connected()
    assert carla.get("me").status_code == 200
    done = admin.post(f"site/users/{carla.user['id']}/suspend", {"reason": "spam"})
    assert done.status_code == 200
    assert done.get_json()["suspended"] is True and done.get_json()["suspended_at"]
    assert not sock.is_connected()
    assert carla.get("me").status_code == 401
    assert other_device.get("me").status_code == 401
    assert not make_socket(carla).is_connected()
    wrong = make_client().login("carla@example.test", "not the password")
    assert wrong.status_code == 401 and wrong.get_json()["error"]["code"] == "invalid_credentials"
    right = make_client().login("carla@example.test", PASSWORD)
    assert right.status_code == 403 and right.get_json()["error"]["code"] == "suspended"
    page = make_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.http.get("/login").data.decode()).group(1)
    refused = page.http.post("/login", data={"csrf_token": token, "email": "carla@example.test", "password": PASSWORD})
    assert refused.status_code == 403 and b"This account is suspended" in refused.data
    # twice: still suspended, one audit entry
    assert admin.post(f"site/users/{carla.user['id']}/suspend", {"reason": "again"}).status_code == 200
    lifted = admin.delete(f"site/users/{carla.user['id']}/suspend")
    assert lifted.status_code == 200 and lifted.get_json()["suspended"] is False
    assert admin.delete(f"site/users/{carla.user['id']}/suspend").status_code == 409
    back = make_client()
    assert back.login("carla@example.test").status_code == 200 and back.get("me").status_code == 200
    export = back.get("me/export").get_json()
    assert [(e["action"], e["details"]) for e in export["site_actions_about_me"]] == [
        ("user_suspended", {"reason": "spam"}), ("user_unsuspended", {})]
    assert str(admin.user["id"]) not in str(export["site_actions_about_me"])
    log = admin.get("site/audit-log").get_json()["items"]
    assert [(e["action"], e["details"]) for e in log] == [("user_unsuspended", {}), ("user_suspended", {"reason": "spam"})]
    assert all(e["actor"]["id"] == admin.user["id"] and e["target"]["id"] == carla.user["id"] for e in log)


def test_admins_cannot_suspend_themselves_or_each_other(make_admin, make_user):
    admin, other = make_admin(), make_admin()
    assert admin.post(f"site/users/{admin.user['id']}/suspend", {"reason": "x"}).status_code == 403
    assert admin.post(f"site/users/{other.user['id']}/suspend", {"reason": "x"}).status_code == 403
    assert admin.post("site/users/12345/suspend", {"reason": "x"}).status_code == 404
    assert admin.post(f"site/users/{make_user().user['id']}/suspend", {"reason": "  "}).status_code == 422
    assert admin.get("me").status_code == 200 and other.get("me").status_code == 200


def test_the_users_page_suspends_with_a_reason(make_admin, make_user):
    admin = make_admin()
    target = make_user(display_name="Tom Target")
    html = admin.http.get("/admin/users").data.decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    done = admin.http.post(f"/admin/users/{target.user['id']}/suspend", data={"csrf_token": token, "reason": "abuse"},
                           follow_redirects=True)
    assert "Tom Target is suspended." in done.data.decode()
    assert target.get("me").status_code == 401
    done = admin.http.post(f"/admin/users/{target.user['id']}/unsuspend", data={"csrf_token": token},
                           follow_redirects=True)
    assert "Tom Target can log in again." in done.data.decode()
