"""RFC 8058 one-click unsubscribe: the link in every non-transactional mail turns that kind off
with a cookie-less POST; GET only asks; a forged token is a 404."""

from __future__ import annotations

from typing import Any

from tests.notifications.conftest import BASE


def unsubscribe_path(mail: Any) -> str:
    """The path of the mail's List-Unsubscribe URL."""
    header = str(mail["List-Unsubscribe"])
    assert header.startswith(f"<{BASE}/unsubscribe/") and header.endswith(">")
    return header[1:-1].removeprefix(BASE)


def mention_mail(mailbox: Any, make_user: Any, make_tribe: Any) -> tuple[Any, Any, Any]:
    author, reader = make_user("Ada"), make_user("Ria")
    tribe = make_tribe(author, [reader], visibility="listed")
    author.post(f"tribes/{tribe['slug']}/messages", {"body": "hi @Ria", "client_id": "c1"})
    [mail] = mailbox.of(reader)
    return reader, mail, tribe


def test_one_click_post_without_cookie_turns_the_kind_off(app, mailbox, make_user, make_tribe):
    reader, mail, _tribe = mention_mail(mailbox, make_user, make_tribe)
    path = unsubscribe_path(mail)
    anonymous = app.test_client(use_cookies=False)
    answer = anonymous.post(path, data={"List-Unsubscribe": "One-Click"},
                            content_type="application/x-www-form-urlencoded")
    assert answer.status_code == 200
    settings = reader.get("me/notification-settings").get_json()
    assert settings["email"]["mention"] == "off"
    assert settings["email"]["contact_request"] == "instant"
    # and the settings page shows it
    page = reader.http.get("/settings").get_data(as_text=True)
    assert 'id="kind-mention"' in page
    section = page.split('id="kind-mention"', 1)[1].split("</select>", 1)[0]
    assert 'value="off" selected' in section


def test_get_only_asks_and_changes_nothing(app, mailbox, make_user, make_tribe):
    reader, mail, _tribe = mention_mail(mailbox, make_user, make_tribe)
    before = reader.get("me/notification-settings").get_json()
    page = app.test_client().get(unsubscribe_path(mail))
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Someone mentioned you" in text and "<form method=\"post\"" in text
    assert reader.get("me/notification-settings").get_json() == before


def test_a_forged_or_altered_token_is_a_404_page(app, mailbox, make_user, make_tribe):
    _reader, mail, _tribe = mention_mail(mailbox, make_user, make_tribe)
    path = unsubscribe_path(mail)
    client = app.test_client()
    assert client.get(path[:-2] + "xx").status_code == 404
    assert client.post("/unsubscribe/nonsense").status_code == 404


def test_the_digest_link_turns_every_digest_kind_off(app, mailbox, make_user):
    from tribes.notifications.unsubscribe import DIGEST, token_for

    reader = make_user("Ria")
    with app.app_context():
        token = token_for(reader.user["id"], DIGEST)
    assert app.test_client(use_cookies=False).post(f"/unsubscribe/{token}").status_code == 200
    modes = reader.get("me/notification-settings").get_json()["email"]
    assert "digest" not in modes.values()
    assert modes["mention"] == "instant"  # instant kinds stay as they were


def test_the_password_reset_mail_has_no_unsubscribe_header(mailbox, make_user, client):
    user = make_user("Ria")
    assert client.post("auth/password-reset", {"email": user.user["email"]}).status_code == 202
    [mail] = mailbox.of(user)
    assert mail["List-Unsubscribe"] is None and mail["List-Unsubscribe-Post"] is None


def test_the_settings_page_says_only_a_verified_address_gets_mail(make_user):
    verified, unverified = make_user("Vera"), make_user("Una", verified=False)
    assert "Yours is verified." in verified.http.get("/settings").get_data(as_text=True)
    page = unverified.http.get("/settings").get_data(as_text=True)
    assert "yours is not verified yet" in page and 'id="digest"' in page
