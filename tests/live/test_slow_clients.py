"""Slow and idle clients against a real `tribes serve`: nobody else waits for them, and they time out."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable
from urllib.parse import urlparse

import pytest

from tests.chat.live_helpers import LiveUser
from tests.live_server import LiveServer

#: held POSTs: more than a PostgreSQL pool (10 + 20 overflow) and more than SQLite's one connection
HELD = 35


def raw_connection(server: LiveServer) -> socket.socket:
    """A plain TCP connection to the server."""
    parsed = urlparse(server.url)
    return socket.create_connection((parsed.hostname, parsed.port), timeout=60)


def held_post(server: LiveServer, user: LiveUser, path: str = "/api/v1/tribes") -> socket.socket:
    """Send the headers of a logged-in POST that announces 1000 bytes, and never send the body."""
    sock = raw_connection(server)
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: 1000\r\nX-CSRF-Token: {user.csrf}\r\nCookie: {user.cookie_header()}\r\n\r\n"
    )
    sock.sendall(head.encode())
    return sock


def still_open(sock: socket.socket) -> bool:
    """Whether the server has neither answered nor closed this connection yet."""
    sock.setblocking(False)
    try:
        sock.recv(1, socket.MSG_PEEK)  # an answer, or b"" at the end of the stream
    except BlockingIOError:
        return True
    except ConnectionResetError:  # closed while our bytes were still unread: a reset, not a FIN
        return False
    finally:
        sock.setblocking(True)
    return False


def read_until_closed(sock: socket.socket, timeout: float) -> bytes:
    """Everything the server sends until it closes the connection (fails if it never does)."""
    sock.settimeout(timeout)
    chunks = []
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


@pytest.fixture
def slow_server(live_server_factory: Callable[..., LiveServer]) -> LiveServer:
    """A server whose read timeouts are long enough to see others served while clients hang."""
    return live_server_factory(env={"TRIBES_IDLE_TIMEOUT_SECONDS": "8", "TRIBES_READ_TIMEOUT_SECONDS": "12"})


def test_held_bodies_do_not_freeze_other_clients_and_time_out(slow_server: LiveServer) -> None:
    holder, other = LiveUser(slow_server.url, "Holder"), LiveUser(slow_server.url, "Other")
    other.http.get(f"{slow_server.url}/api/v1/me", timeout=10)
    held = [held_post(slow_server, holder) for _ in range(HELD)]
    time.sleep(0.5)  # let the server start on every held request
    try:
        started = time.monotonic()
        got = other.http.get(f"{slow_server.url}/api/v1/me", timeout=20)
        assert got.status_code == 200, got.text
        posted = other.http.post(
            f"{slow_server.url}/api/v1/tribes", json={"name": "Busy Evening"},
            headers={"X-CSRF-Token": other.csrf}, timeout=20,
        )
        assert posted.status_code == 201, posted.text
        # answered while every held request is still hanging, well before any pool timeout
        assert all(still_open(sock) for sock in held)
        assert time.monotonic() - started < 8
        # the held requests end with 408 in the contract's shape, and their connections close
        for sock in held:
            answer = read_until_closed(sock, timeout=40)
            head, _, body = answer.partition(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 408"), answer[:200]
            assert json.loads(body)["error"]["code"] == "request_timeout"
    finally:
        for sock in held:
            sock.close()
    assert holder.call("GET", "tribes").json()["items"] == [], "nothing was stored for the held requests"


@pytest.fixture
def quick_server(live_server_factory: Callable[..., LiveServer]) -> LiveServer:
    """A server with short timeouts, to see idle and slow connections closed."""
    return live_server_factory(env={"TRIBES_IDLE_TIMEOUT_SECONDS": "2", "TRIBES_READ_TIMEOUT_SECONDS": "4"})


def test_idle_keep_alive_connection_is_closed(quick_server: LiveServer) -> None:
    sock = raw_connection(quick_server)
    try:
        sock.sendall(b"GET /api/v1/auth/session HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        sock.settimeout(20)
        first = sock.recv(65536)
        while b"\r\n\r\n" not in first:  # the head may come in several segments
            first += sock.recv(65536)
        assert first.startswith(b"HTTP/1.1 200")
        head, _, body = first.partition(b"\r\n\r\n")
        length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                      if line.lower().startswith(b"content-length:"))
        while len(body) < length:  # ...and so may the body
            body += sock.recv(65536)
        # keep-alive: the connection stays open for a next request, then closes when idle
        assert read_until_closed(sock, timeout=30) == b""
    finally:
        sock.close()


def test_slow_headers_are_cut_off(quick_server: LiveServer) -> None:
    sock = raw_connection(quick_server)
    request = b"GET /api/v1/auth/session HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"X-Slow: " + b"a" * 60
    closed = False
    try:
        for byte in request:  # one byte a second: never idle for the idle timeout, but too slow
            try:
                sock.sendall(bytes([byte]))
            except OSError:
                closed = True
                break
            if not still_open(sock):
                closed = True
                break
            time.sleep(1)
    finally:
        sock.close()
    assert closed, "the server kept reading headers that take a minute"


def test_websocket_outlives_the_idle_timeout(quick_server: LiveServer) -> None:
    user = LiveUser(quick_server.url, "Socket")
    live = user.socket()
    try:
        time.sleep(6)  # three idle timeouts without a frame (Socket.IO pings every 25 s)
        assert live.client.connected
        assert live.call("join", {"tribe": "no-such-tribe"}) is not None
    finally:
        live.close()
