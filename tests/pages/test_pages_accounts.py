"""Register, log in and log out through the HTML pages."""

from __future__ import annotations

from typing import Any

from tests.pages.conftest import PASSWORD, flashes


def test_register_page_creates_the_account_and_logs_in(make_page_client: Any) -> None:
    page = make_page_client()
    response = page.register("Rita Register", "rita@pages.test")
    assert response.status_code == 302 and response.location.endswith("/tribes")
    home = page.get("/tribes")
    assert home.status_code == 200
    assert "Rita Register" in home.get_data(as_text=True)
    assert "Welcome to Tribes." in flashes(home)


def test_register_errors_show_as_flash_and_field_messages(make_page_client: Any, person: Any) -> None:
    person("First")
    page = make_page_client()
    response = page.submit("/register", {"display_name": "Bob", "email": "not-an-address", "password": "short"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Please correct the marked fields." in flashes(response)
    assert 'id="email-error"' in html and 'id="password-error"' in html
    assert 'value="Bob"' in html  # what was typed is kept, except the password
    common = page.submit("/register", {"display_name": "Bob", "email": "bob@pages.test", "password": "password1234"})
    assert common.status_code == 422 and 'id="password-error"' in common.get_data(as_text=True)
    taken = page.submit("/register", {"display_name": "Bob", "email": "person1@pages.test", "password": PASSWORD})
    assert taken.status_code == 422 and 'id="email-error"' in taken.get_data(as_text=True)
    assert page.get("/tribes").status_code == 302  # still logged out


def test_forms_without_csrf_token_are_refused(make_page_client: Any, person: Any) -> None:
    anonymous = make_page_client()
    form = {"display_name": "Eve", "email": "eve@pages.test", "password": PASSWORD}
    assert anonymous.http.post("/register", data=form).status_code == 403
    assert anonymous.http.post("/login", data={"email": "eve@pages.test", "password": PASSWORD}).status_code == 403
    user = person("Carl")
    assert user.http.post("/tribes/new", data={"name": "Forged"}).status_code == 403
    assert user.http.post("/tribes/new", data={"name": "Forged", "csrf_token": "wrong"}).status_code == 403
    assert user.http.post("/logout").status_code == 403
    assert user.get("/tribes").status_code == 200  # still logged in, nothing created
    assert "Forged" not in user.get("/tribes").get_data(as_text=True)


def test_login_and_logout(make_page_client: Any, person: Any) -> None:
    person("Lena")
    page = make_page_client()
    wrong = page.submit("/login", {"email": "person1@pages.test", "password": "wrong password here"})
    assert wrong.status_code == 401
    assert flashes(wrong) == ["Wrong e-mail or password."]
    unknown = page.submit("/login", {"email": "nobody@pages.test", "password": PASSWORD})
    assert unknown.status_code == 401 and flashes(unknown) == ["Wrong e-mail or password."]
    ok = page.submit("/login", {"email": "person1@pages.test", "password": PASSWORD})
    assert ok.status_code == 302 and ok.location.endswith("/tribes")
    cookie_before_logout = page.http.get_cookie("tribes_session").value
    out = page.submit("/tribes", {}, action="/logout")
    assert out.status_code == 302 and out.location.endswith("/login")
    assert page.get("/tribes").status_code == 302
    replay = make_page_client()
    replay.http.set_cookie("tribes_session", cookie_before_logout)
    assert replay.get("/tribes").status_code == 302  # the old cookie is dead server-side


def test_login_next_goes_back_but_never_off_site(make_page_client: Any, person: Any) -> None:
    person("Nina")
    page = make_page_client()
    assert page.get("/tribes/new").location.endswith("/login?next=/tribes/new")
    back = page.submit("/login?next=/tribes/new", {"email": "person1@pages.test", "password": PASSWORD, "next": "/tribes/new"})
    assert back.location == "/tribes/new"
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example", "/\t/evil.example", "javascript:alert(1)"):
        response = make_page_client().submit("/login", {"email": "person1@pages.test", "password": PASSWORD, "next": target})
        assert response.location == "/tribes", target


def test_page_login_is_throttled_per_account(app: Any, make_page_client: Any, person: Any) -> None:
    person("Tara")
    app.config["LIMIT_LOGIN"] = "3 per minute"
    page = make_page_client()
    for _ in range(3):
        assert page.submit("/login", {"email": "person1@pages.test", "password": "not the password"}).status_code == 401
    blocked = page.submit("/login", {"email": "person1@pages.test", "password": PASSWORD})
    assert blocked.status_code == 429 and "Retry-After" in blocked.headers


def test_unstorable_form_input_is_a_clean_error(make_page_client: Any) -> None:
    page = make_page_client()
    response = page.submit("/register", {"display_name": "Nul\x00Byte", "email": "nul@pages.test", "password": PASSWORD})
    assert response.status_code == 422
    login = page.submit("/login", {"email": "a\x00@pages.test", "password": PASSWORD})
    assert login.status_code == 422


OFF_SITE = ("/\t/evil.example", "/\n/evil.example", "/\\evil.example", "//evil.example", "https://evil.example",
            "/%09/evil.example", "/%5Cevil.example", "/%2F/evil.example", " //evil.example")


def test_login_next_refuses_every_off_site_form(make_page_client: Any, person: Any) -> None:
    person("Olga")
    for target in OFF_SITE:
        posted = make_page_client().submit("/login", {"email": "person1@pages.test", "password": PASSWORD, "next": target})
        assert posted.location == "/tribes", target
    logged_in = make_page_client()
    logged_in.submit("/login", {"email": "person1@pages.test", "password": PASSWORD})
    for target in OFF_SITE:
        # an already logged-in visitor of /login?next=... is sent on at once
        assert logged_in.http.get("/login", query_string={"next": target}).location == "/tribes", target
    assert logged_in.http.get("/login", query_string={"next": "/tribes/new?q=a%20b"}).location == "/tribes/new?q=a%20b"


def test_local_path_unit() -> None:
    from tribes.pages import local_path

    for target in (*OFF_SITE, "", None, "evil.example", "/ok\x7f", "/\u2028/evil.example"):
        assert local_path(target) is None, target
    for target in ("/", "/tribes", "/u/5?tab=contacts#top", "/search?q=a%20b"):
        assert local_path(target) == target
