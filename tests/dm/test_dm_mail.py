"""A direct message mails a recipient who is away (no socket open), once per conversation until
they come back; the mail names who wrote, never what; a block, a socket or the setting stops it."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

import pytest

from tests.dm.helpers import befriend, say, start
from tests.notifications.conftest import Mailbox, text_of

SECRET_WORDS = "the launch moves to Tuesday"


@pytest.fixture
def mailbox(app: Any, smtp_server: Any) -> Mailbox:
    from tests.notifications.conftest import BASE

    app.config["BASE_URL"] = BASE
    return Mailbox(app, smtp_server)


def dm_mails(mailbox: Mailbox, person: Any) -> list[EmailMessage]:
    """The person's mails about direct messages."""
    return [m for m in mailbox.of(person) if "wrote you a direct message" in str(m["Subject"])
            or "hat dir eine Direktnachricht geschrieben" in str(m["Subject"])]


def test_an_absent_recipient_gets_one_mail_until_they_come_back(mailbox, make_user, make_tribe):
    ada, ben = make_user("Ada"), make_user("Ben")
    befriend(ada, ben, make_tribe)
    conversation = start(ada, ben)
    say(ada, conversation["id"], SECRET_WORDS)
    say(ada, conversation["id"], "and bring the slides")          # still unread: no second mail
    [mail] = dm_mails(mailbox, ben)
    assert mail["Subject"] == "Ada wrote you a direct message."
    raw = mail.as_bytes()
    assert SECRET_WORDS.encode() not in raw and b"slides" not in raw          # who, never what
    assert f"/messages/{conversation['id']}" in text_of(mail)
    assert mail["List-Unsubscribe"]
    newest = ben.get(f"conversations/{conversation['id']}/messages?after=0").get_json()["items"][-1]
    assert ben.post(f"conversations/{conversation['id']}/read", {"message_id": newest["id"]}).status_code == 200
    say(ada, conversation["id"], "one more thing")                 # back, caught up, away again
    assert len(dm_mails(mailbox, ben)) == 2
    assert dm_mails(mailbox, ada) == []                            # nobody mails me my own words


def test_no_mail_while_a_socket_is_open(mailbox, make_user, make_tribe, make_socket):
    ada, ben = make_user("Ada"), make_user("Ben")
    befriend(ada, ben, make_tribe)
    conversation = start(ada, ben)
    sock = make_socket(ben)
    assert sock.is_connected()
    say(ada, conversation["id"], "are you there?")
    assert dm_mails(mailbox, ben) == []
    sock.disconnect()
    newest = ben.get(f"conversations/{conversation['id']}/messages?after=0").get_json()["items"][-1]
    ben.post(f"conversations/{conversation['id']}/read", {"message_id": newest["id"]})
    say(ada, conversation["id"], "now you are away")
    assert len(dm_mails(mailbox, ben)) == 1


def test_a_block_or_the_setting_stops_it_and_the_sender_cannot_tell(mailbox, make_user, make_tribe):
    ada, ben, cleo = make_user("Ada"), make_user("Ben"), make_user("Cleo")
    befriend(ada, ben, make_tribe)
    befriend(ada, cleo, make_tribe)
    with_ben, with_cleo = start(ada, ben), start(ada, cleo)
    assert ben.post("blocks", {"user_id": ada.user["id"]}).status_code in (200, 201, 204)
    assert cleo.patch("me/notification-settings", {"email": {"direct_message": "off"}}).status_code == 200
    before = [m.as_bytes() for m in mailbox.of(ada)]
    say(ada, with_ben["id"], "hello Ben")
    say(ada, with_cleo["id"], "hello Cleo")
    assert dm_mails(mailbox, ben) == [] and dm_mails(mailbox, cleo) == []
    assert [m.as_bytes() for m in mailbox.of(ada)] == before       # the sender's mailbox tells nothing


def test_the_mail_is_in_the_recipients_language(mailbox, make_user, make_tribe):
    ada, ben = make_user("Ada"), make_user("Ben")
    ben.patch("me", {"locale": "de"})
    befriend(ada, ben, make_tribe)
    say(ada, start(ada, ben)["id"], "Hallo")
    [mail] = dm_mails(mailbox, ben)
    assert mail["Subject"] == "Ada hat dir eine Direktnachricht geschrieben."
