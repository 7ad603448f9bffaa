"""Password reset end to end: request → the mail arrives at a real SMTP server → the link →
a new password works, the old one and every old session do not; unknown addresses answer the
same and get nothing; tokens are single use and expire; requests are throttled."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from tests.conftest import PASSWORD
from tests.pages.conftest import PageClient
from tribes.db import utcnow
from tribes.extensions import db
from tribes.mail.models import OutboxMail, PasswordResetToken
from tribes.mail.outbox import send_due

NEW_PASSWORD = "a brand new passphrase"
LINK = re.compile(r"(http://localhost/reset/([A-Za-z0-9_-]+))")


def reset_link(smtp_server: Any, address: str) -> tuple[str, str]:
    [mail] = smtp_server.handler.to(address)
    found = LINK.search(mail.get_body(("plain",)).get_content())
    assert found, mail.as_string()
    return found.group(1), found.group(2)


def outbox_count(app: Any) -> int:
    with app.app_context():
        count = len(db.session.scalars(select(OutboxMail.id)).all())
        db.remove()
    return count


def test_reset_end_to_end_over_the_api(app, smtp_server, make_user, make_client):
    owner = make_user(email="ada@example.test")
    other_device = make_client()
    assert other_device.login("ada@example.test").status_code == 200

    stranger = make_client()
    answer = stranger.post("auth/password-reset", {"email": "ADA@example.test"})
    assert answer.status_code == 202 and answer.get_json() == {}
    assert send_due(app) == 1
    link, token = reset_link(smtp_server, "ada@example.test")
    assert len(token) >= 22  # at least 128 bits
    mail = smtp_server.handler.to("ada@example.test")[0]
    assert mail["Message-ID"] and "List-Unsubscribe" not in mail

    confirmed = stranger.post("auth/password-reset/confirm", {"token": token, "new_password": NEW_PASSWORD})
    assert confirmed.status_code == 204
    # every old session is dead
    assert owner.get("me").status_code == 401
    assert other_device.get("me").status_code == 401
    # the new password works, the old one does not
    assert make_client().login("ada@example.test", NEW_PASSWORD).status_code == 200
    assert make_client().login("ada@example.test", PASSWORD).status_code == 401
    # single use
    again = stranger.post("auth/password-reset/confirm", {"token": token, "new_password": "yet another passphrase"})
    assert again.status_code == 422 and "token" in again.get_json()["error"]["fields"]
    with app.app_context():
        assert db.session.scalars(select(PasswordResetToken.token_hash)).all() == []
        db.remove()


def test_unknown_address_answers_byte_identically_and_sends_nothing(app, smtp_server, make_user, make_client):
    make_user(email="known@example.test")
    known = make_client().post("auth/password-reset", {"email": "known@example.test"})
    unknown = make_client().post("auth/password-reset", {"email": "nobody@example.test"})
    assert (unknown.status_code, unknown.get_data()) == (known.status_code, known.get_data())
    assert outbox_count(app) == 1
    send_due(app)
    assert smtp_server.handler.to("nobody@example.test") == []
    assert len(smtp_server.mails) == 1


def test_bad_and_expired_tokens_are_refused(app, smtp_server, make_user, make_client):
    make_user(email="bea@example.test")
    client = make_client()
    bad = client.post("auth/password-reset/confirm", {"token": "x" * 43, "new_password": NEW_PASSWORD})
    assert bad.status_code == 422 and bad.get_json()["error"]["code"] == "validation_failed" and "token" in bad.get_json()["error"]["fields"]
    client.post("auth/password-reset", {"email": "bea@example.test"})
    send_due(app)
    _, token = reset_link(smtp_server, "bea@example.test")
    with app.app_context():
        db.session.execute(update(PasswordResetToken).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
        db.remove()
    expired = client.post("auth/password-reset/confirm", {"token": token, "new_password": NEW_PASSWORD})
    assert expired.status_code == 422
    assert make_client().login("bea@example.test").status_code == 200


def test_rolled_back_request_queues_nothing_and_weak_password_keeps_the_token(app, smtp_server, make_user, make_client):
    make_user(email="cy@example.test")
    client = make_client()
    client.post("auth/password-reset", {"email": "cy@example.test"})
    send_due(app)
    _, token = reset_link(smtp_server, "cy@example.test")
    weak = client.post("auth/password-reset/confirm", {"token": token, "new_password": "short"})
    assert weak.status_code == 422 and "new_password" in weak.get_json()["error"]["fields"]
    ok = client.post("auth/password-reset/confirm", {"token": token, "new_password": NEW_PASSWORD})
    assert ok.status_code == 204


def test_requests_are_throttled_per_address_named(app, make_user, make_client):
    app.config["LIMIT_PASSWORD_RESET"] = "2 per hour"
    make_user(email="dee@example.test")
    codes = [make_client().post("auth/password-reset", {"email": "dee@example.test"}).status_code for _ in range(3)]
    assert codes == [202, 202, 429]
    assert outbox_count(app) == 2


def test_mail_and_pages_in_the_recipients_language(app, smtp_server, make_user, make_client):
    german = make_user(email="dora@example.test", display_name="Dora")
    assert german.patch("me", {"locale": "de"}).status_code == 200
    make_client().post("auth/password-reset", {"email": "dora@example.test"})
    send_due(app)
    [mail] = smtp_server.handler.to("dora@example.test")
    assert mail["Subject"] == "Wähle ein neues Passwort für Tribes"
    assert "Hallo Dora," in mail.get_body(("plain",)).get_content()


def test_reset_through_the_pages(app, smtp_server, make_user):
    owner = make_user(email="eve@example.test")
    browser = PageClient(app.test_client())
    login = browser.get("/login").get_data(as_text=True)
    assert 'href="/password-reset"' in login
    sent = browser.submit("/password-reset", {"email": "eve@example.test"})
    assert sent.status_code == 302
    send_due(app)
    link, token = reset_link(smtp_server, "eve@example.test")
    page = browser.get(f"/reset/{token}")
    assert page.status_code == 200 and 'name="new_password"' in page.get_data(as_text=True)
    assert page.headers["Referrer-Policy"] == "no-referrer"
    browser.get(f"/reset/{token}")  # GET changes nothing: the link still works
    done = browser.http.post(f"/reset/{token}", data={"csrf_token": browser.token, "new_password": NEW_PASSWORD})
    assert done.status_code == 302 and done.headers["Location"].endswith("/login")
    assert owner.get("me").status_code == 401
    used = browser.get(f"/reset/{token}").get_data(as_text=True)
    assert 'name="new_password"' not in used and 'href="/password-reset"' in used
    relogin = browser.submit("/login", {"email": "eve@example.test", "password": NEW_PASSWORD})
    assert relogin.status_code == 302


def test_export_lists_my_mails_and_deletion_removes_them(app, smtp_server, make_user, make_client):
    me = make_user(email="fay@example.test")
    make_client().post("auth/password-reset", {"email": "fay@example.test"})
    send_due(app)
    exported = me.get("me/export").get_json()["mails"]
    assert [(m["kind"], m["subject"]) for m in exported] == [("password_reset", "Choose a new password for Tribes")]
    assert "reset/" not in str(exported)
    assert me.delete("me", {"password": PASSWORD}).status_code == 204
    assert outbox_count(app) == 0
