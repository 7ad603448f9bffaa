"""Direct-message fixtures: the chat's socket and live-server fixtures."""

from __future__ import annotations

from tests.chat.conftest import in_db  # noqa: F401
from tests.live_server import (  # noqa: F401
    live_database,
    live_server,
    live_server_factory,
    pytest_runtest_makereport,
)
from tests.mail.conftest import smtp_server  # noqa: F401
