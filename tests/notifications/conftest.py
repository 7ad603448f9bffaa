"""Mail fixtures for the notification mail tests: the real SMTP server and a mailbox view of it."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

import pytest

from tests.mail.conftest import smtp_server  # noqa: F401  (re-exported fixture)

BASE = "https://tribes.example"


class Mailbox:
    """Sends the outbox to the SMTP server and reads what each person received."""

    def __init__(self, app: Any, server: Any) -> None:
        self.app, self.server = app, server

    def deliver(self) -> None:
        """Send every queued mail now."""
        from tribes.mail.outbox import send_due

        send_due(self.app)

    def of(self, client: Any) -> list[EmailMessage]:
        """Every mail the client's person has received (after sending the outbox)."""
        self.deliver()
        return self.server.handler.to(client.user["email"])


@pytest.fixture
def mailbox(app: Any, smtp_server: Any) -> Mailbox:  # noqa: F811
    """Mail through the SMTP server, with links on a fixed public address."""
    app.config["BASE_URL"] = BASE
    return Mailbox(app, smtp_server)


def text_of(mail: EmailMessage) -> str:
    """The decoded plain-text part."""
    part = mail.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def html_of(mail: EmailMessage) -> str:
    """The decoded HTML part."""
    part = mail.get_body(("html",))
    assert part is not None
    return str(part.get_content())


def everything_in(mail: EmailMessage) -> str:
    """Raw bytes, every header and every decoded part, as one string to search."""
    parts = [mail.as_bytes().decode("ascii", "replace")]
    parts += [f"{k}: {v}" for k, v in mail.items()]
    for part in mail.walk():
        if not part.is_multipart():
            payload = part.get_payload(decode=True) or b""
            parts.append(payload.decode("utf-8", "replace"))
            parts.append(str(part.get_filename() or ""))
    return "\n".join(parts)
