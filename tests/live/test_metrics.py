"""Prometheus metrics on their own (non-public) port: request latency by endpoint, socket events,
open sockets, the outbox and the job lag; nothing of it on the public port."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.chat.live_helpers import LiveUser, make_tribe, wait_for
from tests.live_server import free_port

pytestmark = pytest.mark.slow


def _value(text: str, name: str, **labels: str) -> float | None:
    """The value of one sample in the exposition text."""
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        if all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return None


def test_metrics_are_served_apart_and_count_what_happens(live_server_factory: Any) -> None:
    port = free_port()
    server = live_server_factory(env={"TRIBES_METRICS_PORT": str(port)})
    metrics_url = f"http://127.0.0.1:{port}/metrics"
    user = LiveUser(server.url)
    slug = make_tribe(user, [])
    sock = user.socket()
    try:
        assert sock.call("join", {"tribe": slug})["ok"]
        for n in range(3):
            assert sock.call("send", {"tribe": slug, "body": f"hello {n}", "client_id": f"c{n}"})["ok"]
        assert sock.call("send", {"tribe": "no-such-tribe", "body": "x", "client_id": "x"})["error"] == "not_found"
        text = requests.get(metrics_url, timeout=10).text
        assert _value(text, "tribes_socket_event_seconds_count", event="send", outcome="ok") == 3
        assert _value(text, "tribes_socket_event_seconds_count", event="send", outcome="not_found") == 1
        assert _value(text, "tribes_sockets_open") == 1
        assert _value(text, "tribes_http_request_seconds_count", method="POST", endpoint="groups_api.create_tribe",
                      status="2xx") == 1
        lag = _value(text, "tribes_outbox_lag_seconds")   # the confirmation mail may wait a moment
        assert lag is not None and 0 <= lag < 60
        assert _value(text, "tribes_reminder_lag_seconds") == 0
        assert "tribes_outbox_mails" in text
    finally:
        sock.close()
    wait_for(lambda: _value(requests.get(metrics_url, timeout=10).text, "tribes_sockets_open") == 0)
    assert requests.get(server.url + "/metrics", timeout=10).status_code == 404   # not on the public port
