"""The real SMTP server fixture, for the invite-mail tests."""

from tests.mail.conftest import smtp_server  # noqa: F401
