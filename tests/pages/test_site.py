"""Site-wide page behaviour: security headers, the timed-out form page, the 404 page, human
field errors, the header menu for phones and a new member's invite hint."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from tests.pages.conftest import PageClient
from tribes.security import CONTENT_SECURITY_POLICY


def test_every_kind_of_response_carries_the_security_headers(make_page_client: Any, client: Any) -> None:
    page = make_page_client()
    for response in (page.get("/login"), page.get("/no/such/page"), page.http.get("/static/style.css"),
                     client.http.get("/api/v1/me")):
        headers = response.headers
        assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, response.request.path
        assert "unsafe-inline" not in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "same-origin"
        assert "camera=()" in headers["Permissions-Policy"]


def test_pages_have_no_inline_script_style_or_handlers(person: Any) -> None:
    import re

    me: PageClient = person("Inline Checker")
    for path in ("/tribes", "/directory", "/settings", "/tribes/new", "/missing-page"):
        html = me.get(path).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), path
        assert not re.search(r"<style|\sstyle=|\son[a-z]+=", html), path
        assert re.search(r"/static/confirm\.[0-9a-f]{12}\.js", html) and re.search(r"/static/site\.[0-9a-f]{12}\.js", html)


def test_a_form_posted_after_the_session_expired_keeps_its_input(person: Any, make_page_client: Any) -> None:
    me = person("Late Writer")
    me.get("/tribes/new")
    stale = me.http.post("/tribes/new", data={"csrf_token": "expired", "name": "Kölner Kreativ-Runde",
                                              "description": "Lange Beschreibung", "password": "secret pw"},
                         headers={"Referer": "http://localhost/tribes/new"})
    html = stale.get_data(as_text=True)
    assert stale.status_code == 403
    assert "Your form timed out" in html and "CSRF" not in html
    assert 'name="name" value="Kölner Kreativ-Runde"' in html and "Lange Beschreibung" in html
    assert "secret pw" not in html and 'value="expired"' not in html
    assert 'action="/tribes/new"' in html and "Send the form again" in html
    # logged out: the page offers to log in again and come back to the form
    stranger = make_page_client()
    gone = stranger.http.post("/tribes/new", data={"name": "Kept"}, headers={"Referer": "http://localhost/tribes/new"})
    text = gone.get_data(as_text=True)
    assert gone.status_code == 403 and "Log in again" in text
    assert "/login?next=/tribes/new" in text.replace("%2F", "/") and 'value="Kept"' in text


def test_the_api_keeps_its_csrf_contract(make_user: Any) -> None:
    user = make_user()
    response = user.http.post("/api/v1/tribes", json={"name": "No token"})
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "csrf_failed"


def test_the_404_page_explains_and_leaks_nothing(person: Any, make_user: Any, make_tribe: Any) -> None:
    me = person("Lost Person")
    secret = make_tribe(name="Hidden Circle")
    me.get("/tribes")  # the welcome message is shown once
    hidden, missing = me.get(f"/t/{secret['slug']}"), me.get("/t/never-was-here")
    assert hidden.status_code == missing.status_code == 404
    # the same bytes but for the CSRF token, which carries the second it was signed in
    def without_csrf(html: str) -> str:
        return re.sub(r'(name="csrf-token" content|name="csrf_token" value)="[^"]*"', r'\1=""', html)

    assert without_csrf(hidden.get_data(as_text=True)) == without_csrf(missing.get_data(as_text=True))
    html = missing.get_data(as_text=True)
    assert "secret tribe" in html and "not a member" in html
    assert 'href="/tribes"' in html and 'href="/directory"' in html


def test_field_errors_are_our_sentences(make_user: Any) -> None:
    user = make_user()
    bad = user.post("tribes", {"name": "x" * 500, "slug": "NO SPACES"}).get_json()["error"]
    assert bad["fields"]["slug"] == "Use 3–64 lower-case letters, digits or dashes."
    assert set(bad["fields"]) == {"name", "slug"}
    long_bio = user.patch("me", {"bio": "x" * 5000}).get_json()["error"]["fields"]
    assert all("pydantic" not in text and "should" not in text for text in long_bio.values())
    missing = user.post("tribes", {}).get_json()["error"]
    assert missing["fields"]["name"] == "Required."
    user.patch("me", {"locale": "de"})
    german = user.post("tribes", {}).get_json()["error"]
    assert german["fields"]["name"] == "Pflichtfeld." and german["message"] == "Einige Felder sind nicht gültig."


def test_the_header_folds_into_a_menu(person: Any) -> None:
    html = person("Phone User").get("/tribes").get_data(as_text=True)
    assert '<details class="menu">' in html and "<summary>" in html


def test_a_new_member_learns_when_they_may_invite(app: Any, make_user: Any, make_tribe: Any) -> None:
    from tribes.extensions import db
    from tribes.groups import policy

    newcomer = make_user()
    tribe = make_tribe(members=[newcomer], invite_policy="members")
    with app.app_context():
        t, me = policy.get_tribe_for(db.session, newcomer.user["id"], tribe["slug"])
        may = policy.can(t, me)
        assert may.invite is False and may.invite_from is not None
        joined = me.joined_at if me.joined_at.tzinfo else me.joined_at.replace(tzinfo=may.invite_from.tzinfo)
        assert abs(may.invite_from - (joined + timedelta(hours=t.new_member_hours))) < timedelta(seconds=1)
        me.joined_at = me.joined_at - timedelta(hours=t.new_member_hours + 1)
        assert policy.can(t, me).invite is True and policy.can(t, me).invite_from is None
        db.session.rollback()


def test_a_german_reader_gets_german_pages_and_errors(person: Any) -> None:
    me = person("Deutsche Leserin")
    me.get("/tribes")
    assert me.http.patch("/api/v1/me", json={"locale": "de"}, headers={"X-CSRF-Token": me.token}).status_code == 200
    assert "Meine Treffen" in me.get("/meetups").get_data(as_text=True)
    lost = me.get("/t/gibt-es-nicht").get_data(as_text=True)
    assert "Seite nicht gefunden" in lost and "geheimen Tribe" in lost
    stale = me.http.post("/tribes/new", data={"csrf_token": "alt", "name": "Runde"}).get_data(as_text=True)
    assert "Dein Formular ist abgelaufen" in stale and "Formular erneut senden" in stale


def test_asking_first_is_declared_on_forms_where_the_script_reads_it() -> None:
    """confirm.js asks for `<form data-confirm>` only: the attribute on a button or a link
    would let the destructive action through without a question."""
    import re
    from pathlib import Path

    templates = Path(__file__).resolve().parents[2] / "templates"
    misplaced = [f"{path.relative_to(templates)}: <{m.group(1)}"
                 for path in sorted(templates.rglob("*.html"))
                 for m in re.finditer(r"<([a-z]+)\b[^<>]*\sdata-confirm=", path.read_text(encoding="utf-8"))
                 if m.group(1) not in ("form", "html")]
    assert misplaced == []


def test_times_on_pages_read_to_the_minute_in_my_language_and_zone(make_user: Any, make_tribe: Any) -> None:
    """Session, notification and invite-from times: the date and hour:minute, no seconds."""
    newcomer = make_user()
    tribe = make_tribe(members=[newcomer], invite_policy="members")
    for locale, zone, shape in (("en", "America/New_York", r"[A-Z][a-z]{2} \d{1,2}, 20\d\d, \d{1,2}:\d\d\s[AP]M"),
                                ("de", "Europe/Berlin", r"\d\d\.\d\d\.20\d\d, \d\d:\d\d")):
        assert newcomer.patch("me", {"locale": locale, "timezone": zone}).status_code == 200
        members = newcomer.http.get(f"/t/{tribe['slug']}/members").get_data(as_text=True)
        hint = re.search(r'id="invite-from">([^<]*)<', members)
        settings = newcomer.http.get("/settings").get_data(as_text=True)
        for text in (hint.group(1) if hint else "", settings):
            assert re.search(shape, text), (locale, text[:300])
            assert not re.search(r"\d:\d\d:\d\d", text), locale


def test_removing_a_member_and_blocking_someone_ask_first(make_user: Any, make_tribe: Any) -> None:
    """The forms that remove a member and block a person carry the question confirm.js asks,
    naming who it is about, in the reader's language."""
    import html as markup

    owner, member = make_user("Olga Owner"), make_user("Mia Member")
    tribe = make_tribe(owner, [member], name="Chess Club")

    def question(page: str, action: str) -> str:
        forms = re.findall(r'<form method="post" action="([^"]+)"[^>]*?(?:data-confirm="([^"]*)")?>', page)
        [asked] = [ask for target, ask in forms if target.endswith(action)]
        return markup.unescape(asked)

    members = owner.http.get(f"/t/{tribe['slug']}/moderation/members").get_data(as_text=True)
    assert question(members, f"/members/{member.user['id']}/remove") == "Remove Mia Member from Chess Club?"
    profile = owner.http.get(f"/u/{member.user['id']}").get_data(as_text=True)
    assert question(profile, "/block") == "Block Mia Member? They will not be told."
    assert owner.patch("me", {"locale": "de"}).status_code == 200
    profile = owner.http.get(f"/u/{member.user['id']}").get_data(as_text=True)
    assert question(profile, "/block").startswith("Mia Member blockieren?")
