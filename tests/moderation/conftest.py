"""Live-server fixtures for the moderation tests (two processes sharing Redis)."""

from tests.live_server import live_database, live_server_factory, pytest_runtest_makereport  # noqa: F401
