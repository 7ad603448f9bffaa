"""Settings page: password, sessions, language and time zone; time zone from the browser at registration."""

from __future__ import annotations

import re
from typing import Any

from tests.conftest import PASSWORD
from tests.pages.conftest import flashes

NEW_PASSWORD = "an entirely new passphrase"


def post(user: Any, path: str, **data: Any) -> Any:
    return user.http.post(path, data={"csrf_token": user.csrf, **data})


def second_login(make_client: Any, user: Any) -> Any:
    other = make_client()
    assert other.login(user.user["email"]).status_code == 200
    return other


def test_change_password_ends_other_sessions(make_user, make_client):
    user = make_user()
    laptop = second_login(make_client, user)
    wrong = post(user, "/settings/password", current_password="not my password", new_password=NEW_PASSWORD)
    assert wrong.status_code == 422
    assert re.search(r'id="current_password-error">The current password is wrong', wrong.get_data(as_text=True))
    short = post(user, "/settings/password", current_password=PASSWORD, new_password="short")
    assert short.status_code == 422 and 'id="new_password-error"' in short.get_data(as_text=True)
    assert laptop.get("me").status_code == 200
    done = post(user, "/settings/password", current_password=PASSWORD, new_password=NEW_PASSWORD)
    assert done.status_code == 302 and done.headers["Location"].endswith("/settings#password")
    assert laptop.get("me").status_code == 401
    assert user.get("me").status_code == 200
    assert make_client().login(user.user["email"], NEW_PASSWORD).status_code == 200


def test_sessions_list_revoke_one_and_log_out_everywhere_else(make_user, make_client):
    user = make_user()
    phone, laptop = second_login(make_client, user), second_login(make_client, user)
    page = user.http.get("/settings").get_data(as_text=True)
    assert page.count('class="session"') == 3 and page.count(">this device<") == 1
    assert "Log out everywhere else" in page
    sessions = user.get("me/sessions").get_json()["items"]
    phone_id = next(s["id"] for s in sessions if not s["current"])
    others = [s["id"] for s in sessions if not s["current"]]
    gone = post(user, f"/settings/sessions/{phone_id}/revoke")
    assert gone.status_code == 302
    alive = [c.get("me").status_code for c in (phone, laptop)]
    assert sorted(alive) == [200, 401]
    assert user.http.get("/settings").get_data(as_text=True).count('class="session"') == 2
    assert post(user, "/settings/sessions/end-others").status_code == 302
    assert [c.get("me").status_code for c in (phone, laptop)] == [401, 401]
    assert user.get("me").status_code == 200
    assert len(user.get("me/sessions").get_json()["items"]) == 1
    # someone else's session id is not found
    stranger = make_user()
    assert post(stranger, f"/settings/sessions/{others[1]}/revoke").status_code == 404


def test_revoking_this_session_logs_me_out(make_user):
    user = make_user()
    mine = user.get("me/sessions").get_json()["items"][0]["id"]
    out = post(user, f"/settings/sessions/{mine}/revoke")
    assert out.status_code == 302 and "/login" in out.headers["Location"]
    assert user.get("me").status_code == 401


def test_time_zone_and_language_are_saved_and_used(make_user):
    user = make_user()
    page = user.http.get("/settings").get_data(as_text=True)
    assert "<h1>Settings</h1>" in page and "<option selected>UTC</option>" in page
    bad = post(user, "/settings/preferences", timezone="Mars/Olympus", locale="de")
    assert bad.status_code == 422 and 'id="timezone-error"' in bad.get_data(as_text=True)
    assert user.get("me").get_json()["timezone"] == "UTC"
    done = post(user, "/settings/preferences", timezone="Europe/Berlin", locale="de")
    assert done.status_code == 302
    me = user.get("me").get_json()
    assert (me["timezone"], me["locale"]) == ("Europe/Berlin", "de")
    german = user.http.get("/settings").get_data(as_text=True)
    assert "<h1>Einstellungen</h1>" in german and "<option selected>Europe/Berlin</option>" in german
    assert "Passwort ändern" in german
    # last seen is shown in the chosen zone and language (not UTC, not ISO)
    assert "Zuletzt gesehen" in german and "+00:00" not in german
    wrong = post(user, "/settings/password", current_password="nope", new_password="short")
    text = wrong.get_data(as_text=True)
    assert wrong.status_code == 422 and "Verwende mindestens 12 Zeichen." in text


def test_registration_takes_the_browsers_time_zone(make_client):
    browser = make_client()
    form = browser.http.get("/register").get_data(as_text=True)
    assert 'data-browser-timezone' in form and re.search(r"/static/timezone\.[0-9a-f]{12}\.js", form)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    done = browser.http.post("/register", data={
        "csrf_token": token, "display_name": "Vienna Person", "email": "wien@example.org",
        "password": PASSWORD, "timezone": "Europe/Vienna",
    })
    assert done.status_code == 302
    assert browser.get("me").get_json()["timezone"] == "Europe/Vienna"
    other = make_client()
    form = other.http.get("/register").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    other.http.post("/register", data={
        "csrf_token": token, "display_name": "Odd Zone", "email": "odd@example.org",
        "password": PASSWORD, "timezone": "<script>",
    })
    assert other.get("me").get_json()["timezone"] == "UTC"


def test_settings_needs_a_login(make_client):
    anonymous = make_client()
    assert anonymous.http.get("/settings").status_code == 302
    assert anonymous.http.post("/settings/sessions/end-others").status_code in (302, 400, 403)


def test_a_late_background_request_neither_repeats_nor_loses_a_flash_message(make_user, make_client):
    """A page's background request (the unread count, fetched after its socket connects) may end
    after the browser has moved on; its answer must not write back the session it started with."""
    user = make_user()
    background = {"Sec-Fetch-Mode": "cors", "Sec-Fetch-Dest": "empty", "Accept": "application/json"}
    assert user.http.get("/settings", headers={"Sec-Fetch-Mode": "navigate"}).status_code == 200
    cookie_of_the_page = user.http.get_cookie("tribes_session").value

    # lost: the settings page's fetch set off before the form was sent ends after its redirect
    assert post(user, "/settings/sessions/end-others").status_code == 302
    late = make_client()
    late.http.set_cookie("tribes_session", cookie_of_the_page)
    answer = late.http.get("/api/v1/conversations/unread", headers=background)
    assert answer.status_code == 200
    for header in answer.headers.getlist("Set-Cookie"):
        if header.startswith("tribes_session="):  # the browser would take it
            user.http.set_cookie("tribes_session", header.split(";")[0].split("=", 1)[1])
    assert flashes(user.http.get("/settings", headers={"Sec-Fetch-Mode": "navigate"})) == [
        "Logged out everywhere else (0 sessions ended)."]

    # repeated: a fetch of the page being left carries the cookie with the flash in it
    assert post(user, "/settings/sessions/end-others").status_code == 302
    late.http.set_cookie("tribes_session", user.http.get_cookie("tribes_session").value)
    assert flashes(user.http.get("/settings", headers={"Sec-Fetch-Mode": "navigate"})) == [
        "Logged out everywhere else (0 sessions ended)."]
    answer = late.http.get("/api/v1/conversations/unread", headers=background)
    assert answer.status_code == 200
    for header in answer.headers.getlist("Set-Cookie"):
        if header.startswith("tribes_session="):
            user.http.set_cookie("tribes_session", header.split(";")[0].split("=", 1)[1])
    assert flashes(user.http.get("/settings", headers={"Sec-Fetch-Mode": "navigate"})) == []


def test_a_cookie_sent_again_carries_exactly_what_it_carried(make_user, make_client):
    """The server remembers the cookies it decoded (tribes.security.SessionCookie); a request
    that adds a flash message to a remembered cookie's session must not add it to the cookie's
    next use (a second tab, a late request sending the same cookie)."""
    user = make_user()
    assert post(user, "/settings/sessions/end-others").status_code == 302
    with_one_flash = user.http.get_cookie("tribes_session").value
    assert post(user, "/settings/sessions/end-others").status_code == 302  # a second flash, same starting cookie
    other_tab = make_client()
    other_tab.http.set_cookie("tribes_session", with_one_flash)
    assert flashes(other_tab.http.get("/settings", headers={"Sec-Fetch-Mode": "navigate"})) == [
        "Logged out everywhere else (0 sessions ended)."]
    assert len(flashes(user.http.get("/settings", headers={"Sec-Fetch-Mode": "navigate"}))) == 2


def test_the_session_cookie_expiry_slides_on_navigations_and_api_calls(make_user, monkeypatch):
    """An unchanged session is re-sent once its cookie is older than an hour (the 30 days count
    from the last visit), by a navigation or an API client's call, never by a page's fetch."""
    from tribes.security import SessionCookie

    user = make_user()

    def resent(**headers: str) -> bool:
        response = user.http.get("/api/v1/me" if "Sec-Fetch-Mode" not in headers or headers[
            "Sec-Fetch-Mode"] != "navigate" else "/settings", headers=headers)
        assert response.status_code == 200
        return any(h.startswith("tribes_session=") for h in response.headers.getlist("Set-Cookie"))

    assert not resent() and not resent(**{"Sec-Fetch-Mode": "navigate"})  # signed just now
    monkeypatch.setattr(SessionCookie, "REFRESH_AFTER", 0)  # as if it were an hour old
    assert resent()  # an API client that says nothing of itself
    assert resent(**{"Sec-Fetch-Mode": "navigate"})
    assert not resent(**{"Sec-Fetch-Mode": "cors"})
    assert not resent(**{"Sec-Fetch-Mode": "no-cors"})


def test_a_long_sessions_list_pages_on_instead_of_stopping(app, make_user):
    """More live sessions than one page holds: a link leads to the ones seen earlier, each listed once."""
    import secrets
    from datetime import timedelta

    from tribes.accounts.models import UserSession
    from tribes.accounts.views import SESSIONS_SHOWN
    from tribes.db import utcnow
    from tribes.extensions import db

    user = make_user()
    long_ago = utcnow() - timedelta(days=30)
    with app.app_context():
        db.session.add_all([
            UserSession(user_id=user.user["id"], token_hash=secrets.token_hex(32), user_agent=f"Old browser {n}",
                        created_at=long_ago, last_seen_at=long_ago + timedelta(minutes=n))
            for n in range(SESSIONS_SHOWN + 5)
        ])
        db.session.commit()
    page = user.http.get("/settings").get_data(as_text=True)
    assert page.count('class="session"') == SESSIONS_SHOWN and page.count(">this device<") == 1
    seen = re.findall(r'title="Old browser (\d+)"', page)
    more = re.search(r'<a href="([^"]+)" id="sessions-more">Sessions seen earlier</a>', page)
    assert more, "no link to the sessions beyond the first page"
    rest = user.http.get(more.group(1).replace("&amp;", "&")).get_data(as_text=True)
    seen += re.findall(r'title="Old browser (\d+)"', rest)
    assert sorted(map(int, seen)) == list(range(SESSIONS_SHOWN + 5))
    assert 'id="sessions-more"' not in rest and "Log out everywhere else" in rest


PHONE_FIREFOX = "Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0"
MAC_SAFARI = ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) "
              "Version/18.1 Safari/605.1.15")
WINDOWS_EDGE = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0")


def test_sessions_name_the_browser_and_system_not_the_raw_header(make_user, make_client):
    user = make_user()
    for agent in (PHONE_FIREFOX, MAC_SAFARI, WINDOWS_EDGE, "curl/8.5.0"):
        other = make_client()
        assert other.post("auth/login", {"email": user.user["email"], "password": PASSWORD},
                          headers={"User-Agent": agent}).status_code == 200
    page = user.http.get("/settings").get_data(as_text=True)
    shown = re.findall(r'<li class="session">\s*<strong[^>]*>([^<]*)</strong>', page)
    assert {"Firefox on Android", "Safari on macOS", "Edge on Windows", "curl/8.5.0"} <= set(shown), shown
    assert ">Mozilla/5.0" not in page
    user.patch("me", {"locale": "de"})
    german = user.http.get("/settings").get_data(as_text=True)
    assert "Firefox auf Android" in german
