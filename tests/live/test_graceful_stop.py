"""SIGTERM (systemd stop, a release): the process stops accepting, closes its Socket.IO
connections so clients reconnect to another process, finishes requests in flight, exits in time."""

from __future__ import annotations

import json
import signal
import socket
import time

import pytest

from tests.chat.live_helpers import LiveUser, wait_for
from tests.live_server import LiveServer

pytestmark = pytest.mark.slow


def test_sigterm_finishes_the_request_in_flight_and_closes_sockets(live_server: LiveServer) -> None:
    user = LiveUser(live_server.url)
    listener = user.socket()
    body = json.dumps({"name": "Made during shutdown"}).encode()
    raw = socket.create_connection(("127.0.0.1", live_server.port), timeout=15)
    head = (
        f"POST /api/v1/tribes HTTP/1.1\r\nHost: 127.0.0.1:{live_server.port}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        f"X-CSRF-Token: {user.csrf}\r\nCookie: {user.cookie_header()}\r\nConnection: close\r\n\r\n"
    ).encode()
    idle = socket.create_connection(("127.0.0.1", live_server.port), timeout=15)   # kept alive, between requests
    idle.sendall(f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{live_server.port}\r\n\r\n".encode())
    first = b""
    while b'"ok"' not in first:
        first += idle.recv(65536)
    assert first.startswith(b"HTTP/1.1 200")
    raw.sendall(head + body[:10])           # the request is in flight: its body is still arriving
    time.sleep(0.3)
    assert live_server.process is not None
    stopped_at = time.monotonic()
    live_server.process.send_signal(signal.SIGTERM)
    wait_for(lambda: not listener.client.connected, timeout=5)   # sockets closed at once
    time.sleep(0.5)
    raw.sendall(body[10:])
    answer = b""
    while chunk := raw.recv(65536):
        answer += chunk
    raw.close()
    assert answer.startswith(b"HTTP/1.1 201"), answer[:200]
    answered_at = time.monotonic()
    assert idle.recv(65536) == b""           # the idle connection was closed, not left to time out
    assert live_server.process.wait(timeout=10) == 0
    assert time.monotonic() - stopped_at < 10
    assert time.monotonic() - answered_at < 3   # nothing idle held the exit up
    with pytest.raises(OSError):   # nothing listens any more
        socket.create_connection(("127.0.0.1", live_server.port), timeout=2).close()
    assert "Tribes stopped" in live_server.log()
    listener.close()
