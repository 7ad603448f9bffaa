"""Invites by e-mail, end to end with a real SMTP server: the mail (plain for a listed tribe,
naming nothing for a discreet one), who may accept (only an account that verified the address),
registering through the mailed link (verified and joined in one step), and who sees the address."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select

from tests.conftest import PASSWORD
from tests.pages.conftest import PageClient
from tribes.accounts.models import User
from tribes.extensions import db
from tribes.mail.outbox import send_due

LINK = re.compile(r"http://localhost/invite/([A-Za-z0-9_-]+)")


def invite_mail(app: Any, server: Any, address: str) -> tuple[Any, str]:
    """Send what is queued; the newest mail to `address` and the token of its invite link."""
    send_due(app)
    mail = server.handler.to(address)[-1]
    found = LINK.search(str(mail.get_body(("plain",)).get_content()))
    assert found, mail.as_string()
    return mail, found.group(1)


def user_count(app: Any) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(User))
        db.remove()
    return int(count or 0)


def test_a_listed_tribe_invite_names_tribe_inviter_and_description(app, smtp_server, make_user, make_tribe):
    ada = make_user(display_name="Ada Lovelace")
    tribe = make_tribe(owner=ada, name="DMW Berlin", visibility="listed",
                       description="Regional meet-ups for women in digital media.")
    made = ada.post(f"tribes/{tribe['slug']}/invites", {"email": "Newcomer@Example.org"})
    assert made.status_code == 201
    body = made.get_json()
    assert body["email"] == "newcomer@example.org"
    mail, token = invite_mail(app, smtp_server, "newcomer@example.org")
    assert mail["Subject"] == "Ada Lovelace invited you to DMW Berlin"
    text = str(mail.get_body(("plain",)).get_content())
    assert "Regional meet-ups for women in digital media." in text
    assert token != body["token"]  # the mailed link is not the one the inviter holds
    assert "List-Unsubscribe" not in mail


def test_a_discreet_tribe_invite_names_nothing(app, smtp_server, make_user, make_tribe):
    ada = make_user(display_name="Ada Lovelace")
    tribe = make_tribe(owner=ada, name="Organisers Circle", slug="organisers-circle",
                       description="Where the organisers plan.")  # secret: discreet by default
    assert ada.post(f"tribes/{tribe['slug']}/invites", {"email": "guest@example.org"}).status_code == 201
    mail, token = invite_mail(app, smtp_server, "guest@example.org")

    def scrubbed(text: str) -> str:
        """The mail without its random parts (the invite token, the Message-ID), which may
        hold "ada" by chance."""
        return text.replace(token, "<token>").replace(str(mail["Message-ID"]), "<message-id>").lower()

    raw = scrubbed(mail.as_string() + str(mail.get_body(("plain",)).get_content()) + str(mail["Subject"]))
    for secret in ("Organisers Circle", "organisers-circle", "Ada", "Lovelace", "Where the organisers plan"):
        assert secret.lower() not in raw, secret
    assert mail["Subject"] == "You are invited to a private community on localhost"
    with app.app_context():  # the stored message, byte for byte
        from tribes.mail.models import OutboxMail

        stored = db.session.scalars(select(OutboxMail.message).where(OutboxMail.kind == "invite")).all()
        db.remove()
    assert stored and all("organisers" not in scrubbed(m) and "ada" not in scrubbed(m) for m in stored)


def test_only_an_account_that_verified_the_address_may_accept(app, smtp_server, make_user, make_tribe):
    ada = make_user()
    tribe = make_tribe(owner=ada)
    made = ada.post(f"tribes/{tribe['slug']}/invites", {"email": "bea@example.test", "max_uses": 5}).get_json()
    _, mailed = invite_mail(app, smtp_server, "bea@example.test")
    other = make_user(email="other@example.test")
    unverified = make_user(email="bea@example.test", verified=False)
    for token in (mailed, made["token"]):
        assert other.get(f"invites/{token}").status_code == 404
        assert other.post(f"invites/{token}/accept").status_code == 404
        assert unverified.post(f"invites/{token}/accept").status_code == 404
    # once the address is confirmed, the account may accept through the link
    with app.app_context():
        from tribes.mail.models import EmailToken

        db.session.execute(EmailToken.__table__.delete())
        db.session.commit()
        db.remove()
    unverified.post("me/email/verification")
    send_due(app)
    link = re.search(r"/verify/([A-Za-z0-9_-]+)", smtp_server.handler.to("bea@example.test")[-1].get_body(("plain",)).get_content())
    assert unverified.post("auth/verify-email", {"token": link.group(1)}).status_code == 204
    assert unverified.get(f"invites/{mailed}").status_code == 200
    joined = unverified.post(f"invites/{mailed}/accept")
    assert joined.status_code == 200 and joined.get_json()["role"] == "member"


def test_registering_through_the_mailed_link_verifies_and_joins_in_one_step(app, smtp_server, make_user, make_tribe, make_client):
    ada = make_user()
    tribe = make_tribe(owner=ada)
    ada.post(f"tribes/{tribe['slug']}/invites", {"email": "cleo@example.test"})
    _, token = invite_mail(app, smtp_server, "cleo@example.test")
    mails_before = len(smtp_server.mails)
    cleo = make_client()
    answer = cleo.post("auth/register", {"email": "Cleo@example.test", "password": PASSWORD,
                                         "display_name": "Cleo", "invite_token": token})
    assert answer.status_code == 201 and answer.get_json()["user"]["email_verified"] is True
    assert [t["slug"] for t in cleo.get("tribes").get_json()["items"]] == [tribe["slug"]]
    send_due(app)
    assert len(smtp_server.mails) == mails_before  # no confirmation mail: the link proved the inbox


def test_an_unusable_invite_token_creates_nothing(app, smtp_server, make_user, make_tribe, make_client):
    ada = make_user()
    tribe = make_tribe(owner=ada)
    made = ada.post(f"tribes/{tribe['slug']}/invites", {"email": "dee@example.test"}).get_json()
    _, mailed = invite_mail(app, smtp_server, "dee@example.test")
    users = user_count(app)
    attempts = [("dee@example.test", "x" * 32),  # no such invite
                ("someone@example.test", mailed),  # the mailed link, another address
                ("dee@example.test", made["token"])]  # the inviter's link: it proves no inbox
    for address, token in attempts:
        answer = make_client().post("auth/register", {"email": address, "password": PASSWORD,
                                                      "display_name": "Dee", "invite_token": token})
        assert answer.status_code == 422 and "invite_token" in answer.get_json()["error"]["fields"], address
    assert user_count(app) == users
    assert make_client().login("dee@example.test").status_code == 401


def test_a_plain_invite_token_joins_and_still_asks_to_confirm(app, smtp_server, make_user, make_tribe, make_client):
    ada = make_user()
    tribe = make_tribe(owner=ada)
    token = ada.post(f"tribes/{tribe['slug']}/invites", {}).get_json()["token"]
    eve = make_client()
    answer = eve.post("auth/register", {"email": "eve@example.test", "password": PASSWORD,
                                        "display_name": "Eve", "invite_token": token})
    assert answer.status_code == 201 and answer.get_json()["user"]["email_verified"] is False
    assert [t["slug"] for t in eve.get("tribes").get_json()["items"]] == [tribe["slug"]]
    send_due(app)
    assert "/verify/" in smtp_server.handler.to("eve@example.test")[0].get_body(("plain",)).get_content()


def test_the_address_is_shown_to_the_inviter_and_admins_only(app, smtp_server, make_user, make_tribe):
    owner, inviter, member = make_user(), make_user(), make_user()
    tribe = make_tribe(owner=owner, members=[inviter, member], invite_policy="members")
    slug = tribe["slug"]
    assert owner.patch(f"tribes/{slug}", {"new_member_hours": 0}).status_code == 200
    before = member.get(f"tribes/{slug}/invites").get_json()
    made = owner.post(f"tribes/{slug}/invites", {"email": "secret-person@example.test"}).get_json()
    assert member.get(f"tribes/{slug}/invites").get_json() == before
    assert "secret-person" not in str(member.get(f"tribes/{slug}/invites").get_json())
    mine = inviter.post(f"tribes/{slug}/invites", {"email": "friend@example.test"})
    assert mine.status_code == 201, mine.get_json()
    own = inviter.get(f"tribes/{slug}/invites").get_json()["items"]
    assert [i["email"] for i in own] == ["friend@example.test"]
    listed = {i["id"]: i["email"] for i in owner.get(f"tribes/{slug}/invites").get_json()["items"]}
    assert listed[made["id"]] == "secret-person@example.test" and "friend@example.test" in listed.values()


def test_language_of_the_account_with_the_address_else_the_inviters(app, smtp_server, make_user, make_tribe):
    ada = make_user(display_name="Ada")
    tribe = make_tribe(owner=ada, name="Kreis", visibility="listed")
    dora = make_user(email="dora@example.test")
    dora.patch("me", {"locale": "de"})
    ada.post(f"tribes/{tribe['slug']}/invites", {"email": "dora@example.test"})
    german, _ = invite_mail(app, smtp_server, "dora@example.test")
    assert german["Subject"] == "Ada hat dich zu Kreis eingeladen"
    ada.patch("me", {"locale": "de"})
    ada.post(f"tribes/{tribe['slug']}/invites", {"email": "new@example.test"})
    inviters, _ = invite_mail(app, smtp_server, "new@example.test")
    assert "Öffne diesen Link" in inviters.get_body(("plain",)).get_content()


def test_email_and_for_user_together_are_refused(app, make_user, make_tribe):
    ada, bea = make_user(), make_user()
    make_tribe(owner=ada, members=[bea], slug="both-ways")
    other = make_tribe(owner=ada)
    answer = ada.post(f"tribes/{other['slug']}/invites", {"email": "x@example.test", "for_user_id": bea.user["id"]})
    assert answer.status_code == 422 and "email" in answer.get_json()["error"]["fields"]
    bad = ada.post(f"tribes/{other['slug']}/invites", {"email": "not an address"})
    assert bad.status_code == 422 and "email" in bad.get_json()["error"]["fields"]


def test_the_invite_pages_mail_it_and_register_through_it(app, smtp_server, make_user, make_tribe):
    ada = make_user(email="ada@example.test")
    tribe = make_tribe(owner=ada, name="Page Tribe")
    owner_page = PageClient(app.test_client())
    owner_page.submit("/login", {"email": "ada@example.test", "password": PASSWORD})
    tab = owner_page.get(f"/t/{tribe['slug']}/invites").get_data(as_text=True)
    assert 'name="email"' in tab
    sent = owner_page.submit(f"/t/{tribe['slug']}/invites", {"email": "fay@example.test", "max_uses": 1,
                                                             "expires_in_hours": 24})
    assert sent.status_code == 302
    assert "mailed to fay@example.test" in owner_page.get(f"/t/{tribe['slug']}/invites").get_data(as_text=True)
    _, token = invite_mail(app, smtp_server, "fay@example.test")
    fay = PageClient(app.test_client())
    landing = fay.get(f"/invite/{token}").get_data(as_text=True)
    assert 'value="fay@example.test"' in landing
    wrong = fay.submit(f"/invite/{token}", {"display_name": "Fay", "email": "elsewhere@example.test",
                                            "password": "a long page passphrase"})
    assert wrong.status_code == 422 and "another e-mail address" in wrong.get_data(as_text=True)
    joined = fay.submit(f"/invite/{token}", {"display_name": "Fay", "email": "fay@example.test",
                                             "password": "a long page passphrase"})
    assert joined.status_code == 302 and joined.headers["Location"].endswith(f"/t/{tribe['slug']}")
    home = fay.get(f"/t/{tribe['slug']}").get_data(as_text=True)
    assert "Confirm your address so your tribes" not in home  # verified by the mailed link
