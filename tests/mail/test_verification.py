"""Address confirmation end to end over HTTP, with a real SMTP server: the link mailed at
registration, resending it (throttled), changing the address (the link goes to the new one, the
old one gets a notice), and the pages: the link's page, the settings section, the banner."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, update

from tests.conftest import PASSWORD
from tests.pages.conftest import PageClient, flashes
from tribes.db import utcnow
from tribes.extensions import db
from tribes.mail.models import EmailToken
from tribes.mail.outbox import send_due

LINK = re.compile(r"http://localhost/verify/([A-Za-z0-9_-]+)")


def mails_to(smtp_server: Any, address: str) -> list[Any]:
    return smtp_server.handler.to(address)


def text_of(mail: Any) -> str:
    return str(mail.get_body(("plain",)).get_content())


def verify_token(app: Any, smtp_server: Any, address: str) -> str:
    """Send what is queued; the token of the newest confirmation link mailed to `address`."""
    send_due(app)
    found = LINK.search(text_of(mails_to(smtp_server, address)[-1]))
    assert found, [m.as_string() for m in mails_to(smtp_server, address)]
    return found.group(1)


def token_rows(app: Any) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(EmailToken))
        db.remove()
    return int(count or 0)


def test_registration_mails_a_link_that_verifies(app, smtp_server, make_user, make_client):
    ada = make_user(email="ada@example.test", display_name="Ada", verified=False)
    assert ada.user["email_verified"] is False
    token = verify_token(app, smtp_server, "ada@example.test")
    assert len(token) >= 22  # at least 128 bits
    [mail] = mails_to(smtp_server, "ada@example.test")
    assert mail["Subject"] == "Confirm your e-mail address for Tribes"
    assert "Hello Ada," in text_of(mail) and "48 hours" in text_of(mail)
    assert "List-Unsubscribe" not in mail
    answer = make_client().post("auth/verify-email", {"token": token})  # no session needed
    assert answer.status_code == 204
    assert ada.get("me").get_json()["email_verified"] is True
    again = make_client().post("auth/verify-email", {"token": token})
    assert again.status_code == 422 and "token" in again.get_json()["error"]["fields"]


def test_the_link_page_changes_nothing_until_its_button_is_pressed(app, smtp_server, make_user):
    ada = make_user(email="ada@example.test", verified=False)
    token = verify_token(app, smtp_server, "ada@example.test")
    before = ada.get("me").get_json()
    browser = PageClient(app.test_client())
    page = browser.get(f"/verify/{token}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Confirm this address" in html and "ada@example.test" in html
    assert page.headers["Referrer-Policy"] == "no-referrer"
    browser.get(f"/verify/{token}")
    assert ada.get("me").get_json() == before
    done = browser.http.post(f"/verify/{token}", data={"csrf_token": browser.token})
    assert done.status_code == 302 and done.headers["Location"].endswith("/login")
    assert ada.get("me").get_json()["email_verified"] is True
    used = browser.get(f"/verify/{token}").get_data(as_text=True)
    assert "Confirm this address" not in used and "invalid, used or expired" in used


def test_bad_and_expired_tokens_are_refused(app, smtp_server, make_user, make_client):
    ada = make_user(email="ada@example.test", verified=False)
    bad = make_client().post("auth/verify-email", {"token": "x" * 43})
    assert bad.status_code == 422 and bad.get_json()["error"]["code"] == "validation_failed"
    assert "token" in bad.get_json()["error"]["fields"]
    token = verify_token(app, smtp_server, "ada@example.test")
    with app.app_context():
        db.session.execute(update(EmailToken).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
        db.remove()
    expired = make_client().post("auth/verify-email", {"token": token})
    assert expired.status_code == 422 and "token" in expired.get_json()["error"]["fields"]
    assert ada.get("me").get_json()["email_verified"] is False


def test_resend_replaces_the_link_is_quiet_when_verified_and_throttled(app, smtp_server, make_user, make_client):
    app.config["LIMIT_VERIFICATION_MAIL"] = "2 per hour"
    ada = make_user(email="ada@example.test", verified=False)
    first = verify_token(app, smtp_server, "ada@example.test")
    answer = ada.post("me/email/verification")
    assert answer.status_code == 202 and answer.get_json() == {}
    second = verify_token(app, smtp_server, "ada@example.test")
    assert second != first and token_rows(app) == 1
    assert make_client().post("auth/verify-email", {"token": first}).status_code == 422  # replaced
    assert ada.post("me/email/verification").status_code == 202
    throttled = ada.post("me/email/verification")
    assert throttled.status_code == 429 and int(throttled.headers["Retry-After"]) > 0

    bea = make_user(email="bea@example.test")  # verified
    send_due(app)
    sent = len(smtp_server.mails)
    assert bea.post("me/email/verification").status_code == 202
    send_due(app)
    assert len(smtp_server.mails) == sent and mails_to(smtp_server, "bea@example.test") == []


def test_address_change_switches_only_when_the_link_is_followed(app, smtp_server, make_user, make_client):
    ada = make_user(email="ada@example.test", display_name="Ada")
    make_client().post("auth/password-reset", {"email": "ada@example.test"})  # a reset link in the old inbox
    asked = ada.post("me/email", {"new_email": "Ada.New@Example.org", "password": PASSWORD})
    assert asked.status_code == 202 and asked.get_json() == {}
    assert ada.get("me").get_json()["email"] == "ada@example.test"
    token = verify_token(app, smtp_server, "ada.new@example.org")
    [link_mail] = mails_to(smtp_server, "ada.new@example.org")
    assert link_mail["Subject"] == "Confirm your new e-mail address for Tribes"
    reset_token = re.search(r"/reset/([A-Za-z0-9_-]+)", text_of(mails_to(smtp_server, "ada@example.test")[0])).group(1)

    assert make_client().post("auth/verify-email", {"token": token}).status_code == 204
    me = ada.get("me").get_json()
    assert (me["email"], me["email_verified"]) == ("ada.new@example.org", True)
    send_due(app)
    notice = mails_to(smtp_server, "ada@example.test")[-1]
    assert notice["Subject"] == "The e-mail address of your Tribes account was changed"
    raw = notice.as_string() + text_of(notice)
    assert "a***@example.org" in text_of(notice)
    assert "ada.new" not in raw.lower() and "verify/" not in raw
    # the old inbox's reset link no longer works; the new address logs in, the old one not
    reset = make_client().post("auth/password-reset/confirm", {"token": reset_token, "new_password": "a brand new passphrase"})
    assert reset.status_code == 422
    assert make_client().login("ada.new@example.org").status_code == 200
    assert make_client().login("ada@example.test").status_code == 401


def test_a_taken_address_answers_the_same_and_mails_nobody(app, smtp_server, make_user):
    ada = make_user(email="ada@example.test")
    make_user(email="taken@example.test")
    send_due(app)
    mailbox = [m.as_string() for m in smtp_server.mails]
    taken = ada.post("me/email", {"new_email": "taken@example.test", "password": PASSWORD})
    send_due(app)
    assert [m.as_string() for m in smtp_server.mails] == mailbox
    free = ada.post("me/email", {"new_email": "free@example.test", "password": PASSWORD})
    assert taken.status_code == 202
    assert (taken.status_code, taken.headers.get("Content-Type"), taken.get_data()) == (
        free.status_code, free.headers.get("Content-Type"), free.get_data())
    send_due(app)
    assert len(mails_to(smtp_server, "free@example.test")) == 1


def test_wrong_password_and_invalid_address(app, smtp_server, make_user):
    ada = make_user(email="ada@example.test")
    wrong = ada.post("me/email", {"new_email": "new@example.test", "password": "not my password"})
    assert wrong.status_code == 403 and wrong.get_json()["error"]["code"] == "invalid_password"
    invalid = ada.post("me/email", {"new_email": "not an address", "password": PASSWORD})
    assert invalid.status_code == 422 and "new_email" in invalid.get_json()["error"]["fields"]
    same = ada.post("me/email", {"new_email": "ADA@example.test", "password": PASSWORD})
    assert same.status_code == 422 and "new_email" in same.get_json()["error"]["fields"]
    send_due(app)
    assert smtp_server.mails == []


def test_an_address_taken_before_the_link_is_followed(app, smtp_server, make_user, make_client):
    ada = make_user(email="ada@example.test")
    ada.post("me/email", {"new_email": "wanted@example.test", "password": PASSWORD})
    token = verify_token(app, smtp_server, "wanted@example.test")
    make_user(email="wanted@example.test")
    late = make_client().post("auth/verify-email", {"token": token})
    assert late.status_code == 422 and "Another account uses this address" in late.get_json()["error"]["fields"]["token"]
    assert ada.get("me").get_json()["email"] == "ada@example.test"


def test_a_link_for_an_address_the_account_left_does_not_work(app, smtp_server, make_user, make_client):
    ada = make_user(email="ada@example.test", verified=False)
    old_link = verify_token(app, smtp_server, "ada@example.test")
    ada.post("me/email", {"new_email": "fixed@example.test", "password": PASSWORD})
    assert make_client().post("auth/verify-email", {"token": verify_token(app, smtp_server, "fixed@example.test")}).status_code == 204
    assert make_client().post("auth/verify-email", {"token": old_link}).status_code == 422
    assert ada.get("me").get_json()["email"] == "fixed@example.test"
    send_due(app)  # the old address was never confirmed: it may not be hers, so it is told nothing
    assert [m["Subject"] for m in mails_to(smtp_server, "ada@example.test")] == ["Confirm your e-mail address for Tribes"]


def test_german_mails_for_a_german_account(app, smtp_server, make_user, make_client):
    dora = make_user(email="dora@example.test", display_name="Dora", verified=False)
    assert dora.patch("me", {"locale": "de"}).status_code == 200
    dora.post("me/email/verification")
    token = verify_token(app, smtp_server, "dora@example.test")
    mail = mails_to(smtp_server, "dora@example.test")[-1]
    assert mail["Subject"] == "Bestätige deine E-Mail-Adresse für Tribes"
    assert "Hallo Dora," in text_of(mail)
    assert make_client().post("auth/verify-email", {"token": token}).status_code == 204
    dora.post("me/email", {"new_email": "dora2@example.test", "password": PASSWORD})
    make_client().post("auth/verify-email", {"token": verify_token(app, smtp_server, "dora2@example.test")})
    send_due(app)
    notice = mails_to(smtp_server, "dora@example.test")[-1]
    assert notice["Subject"] == "Die E-Mail-Adresse deines Tribes-Kontos wurde geändert"


def test_deleting_the_account_removes_its_links(app, smtp_server, make_user):
    ada = make_user(email="ada@example.test", verified=False)
    ada.post("me/email", {"new_email": "other@example.test", "password": PASSWORD})
    assert token_rows(app) == 2
    assert ada.delete("me", {"password": PASSWORD}).status_code == 204
    assert token_rows(app) == 0


# ---------------------------------------------------------------- pages


def test_settings_section_banner_and_forms_in_english(app, smtp_server):
    browser = PageClient(app.test_client())
    assert browser.register("Ada", "ada@pages.test").status_code == 302
    tribes = browser.get("/tribes").get_data(as_text=True)
    assert "Confirm your address so your tribes can reach you by mail" in tribes
    settings = browser.get("/settings").get_data(as_text=True)
    assert 'id="email-address"' in settings and "ada@pages.test" in settings and "not confirmed yet" in settings
    resent = browser.submit("/tribes", {}, action="/settings/address/verification")
    assert resent.status_code == 302 and resent.headers["Location"].endswith("/settings#email-address")
    assert any("A new confirmation link is on its way to ada@pages.test." in f for f in flashes(browser.get("/settings")))
    wrong = browser.submit("/settings", {"new_email": "new@pages.test", "email_password": "wrong password!"},
                           action="/settings/address")
    assert wrong.status_code == 422 and "The current password is wrong." in wrong.get_data(as_text=True)
    asked = browser.submit("/settings", {"new_email": "new@pages.test", "email_password": "a long page passphrase"},
                           action="/settings/address")
    assert asked.status_code == 302
    page = browser.get("/settings#email-address")
    assert any("We sent a link to the new address" in f for f in flashes(page))
    assert "new@pages.test" in page.get_data(as_text=True)  # the change waiting for its link
    token = verify_token(app, smtp_server, "ada@pages.test")
    browser.submit(f"/verify/{token}", {})
    after = browser.get("/settings").get_data(as_text=True)
    assert "confirmed" in after and "not confirmed yet" not in after
    assert "Confirm your address so your tribes" not in after


def test_pages_in_german(app, smtp_server, make_user):
    browser = PageClient(app.test_client())
    browser.http.environ_base["HTTP_ACCEPT_LANGUAGE"] = "de"
    assert browser.register("Dora", "dora@pages.test").status_code == 302
    settings = browser.get("/settings").get_data(as_text=True)
    assert "E-Mail-Adresse" in settings and "noch nicht bestätigt" in settings and "Link erneut senden" in settings
    assert "Bestätige deine Adresse" in settings
    token = verify_token(app, smtp_server, "dora@pages.test")
    page = browser.get(f"/verify/{token}").get_data(as_text=True)
    assert "Diese Adresse bestätigen" in page
