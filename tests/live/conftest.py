"""Live-server fixtures (see tests/live_server.py)."""

from tests.live_server import (  # noqa: F401
    live_database,
    live_server,
    live_server_factory,
    pytest_runtest_makereport,
)
