"""Live-server fixtures (see tests/live_server.py) and the nginx topology (tests/topology.py)."""

from tests.live_server import (  # noqa: F401
    live_database,
    live_server,
    live_server_factory,
    pytest_runtest_makereport,
)
from tests.topology import topology  # noqa: F401
