"""Helpers for chat tests against a real `tribes serve`: HTTP users and real Socket.IO clients."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from typing import Any

import requests
import socketio

PASSWORD = "correct horse battery staple"
_n = itertools.count(1)


class LiveUser:
    """A user registered over HTTP on a live server, with its cookie and CSRF token."""

    def __init__(self, base_url: str, display_name: str | None = None) -> None:
        self.base = base_url
        self.http = requests.Session()
        n = next(_n)
        response = self.http.post(f"{base_url}/api/v1/auth/register", json={
            "email": f"live{n}-{time.monotonic_ns()}@example.test", "password": PASSWORD,
            "display_name": display_name or f"Live {n}",
        })
        assert response.status_code == 201, response.text
        self.user = response.json()["user"]
        self.csrf = response.json()["csrf_token"]

    def call(self, method: str, path: str, json: Any = None, base: str | None = None) -> Any:
        """An API request with the CSRF header (to this server, or another sharing the DB)."""
        return self.http.request(
            method, f"{base or self.base}/api/v1/{path}", json=json, headers={"X-CSRF-Token": self.csrf}
        )

    def cookie_header(self) -> str:
        """The Cookie header of this user's session."""
        return "; ".join(f"{k}={v}" for k, v in self.http.cookies.items())

    def socket(self, base: str | None = None, headers: dict[str, str] | None = None) -> LiveSocket:
        """A connected python-socketio client (WebSocket transport only)."""
        return LiveSocket(base or self.base, {"Cookie": self.cookie_header(), **(headers or {})})


class LiveSocket:
    """A real Socket.IO client that records every event it receives."""

    def __init__(self, base_url: str, headers: dict[str, str]) -> None:
        self.events: list[tuple[str, Any]] = []
        self.lock = threading.Lock()
        self.client = socketio.Client(reconnection=False)
        self.client.on("*", self._record)
        self.client.connect(base_url, transports=["websocket"], headers=headers, wait_timeout=10)

    def _record(self, event: str, *args: Any) -> None:
        with self.lock:
            self.events.append((event, args[0] if args else None))

    def call(self, event: str, data: Any) -> Any:
        """Emit and wait for the ack."""
        return self.client.call(event, data, timeout=10)

    def named(self, name: str) -> list[Any]:
        """Payloads of received events with this name."""
        with self.lock:
            return [data for event, data in self.events if event == name]

    def close(self) -> None:
        """Disconnect if still connected."""
        if self.client.connected:
            self.client.disconnect()


def wait_for(predicate: Callable[[], Any], timeout: float = 10.0) -> Any:
    """Poll until predicate() is truthy; fail after timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError("condition not met in time")


def make_tribe(owner: LiveUser, members: list[LiveUser]) -> str:
    """Create a tribe owned by `owner` and let `members` join by invite; returns the slug."""
    response = owner.call("POST", "tribes", {"name": f"Live tribe {next(_n)}"})
    assert response.status_code == 201, response.text
    slug = response.json()["slug"]
    for member in members:
        token = owner.call("POST", f"tribes/{slug}/invites", {}).json()["token"]
        assert member.call("POST", f"invites/{token}/accept").status_code == 200
    return slug


class RawReceiver:
    """A Socket.IO client spoken by hand over one WebSocket, read in one thread.

    python-socketio's client runs each received event on its own thread, so the order
    its handlers see is not the order of the frames; this reader keeps frame order.
    """

    def __init__(self, base_url: str, cookie: str, slug: str, join: dict[str, Any] | None = None) -> None:
        import json

        import websocket

        self.json = json
        url = base_url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
        self.ws = websocket.create_connection(url, cookie=cookie, timeout=10)
        assert self.ws.recv().startswith("0")  # engine.io OPEN
        self.ws.send("40")
        assert self.ws.recv().startswith("40")  # socket.io CONNECT accepted
        self.ws.send("421" + json.dumps(["join", join or {"tribe": slug}]))
        self.messages: list[dict[str, Any]] = []
        self.joined = threading.Event()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()
        assert self.joined.wait(10)

    def _read(self) -> None:
        import websocket

        while True:
            try:
                frame = self.ws.recv()
            except (websocket.WebSocketException, OSError):
                return
            if frame == "2":
                self.ws.send("3")  # pong
            elif frame.startswith("431"):
                self.joined.set()
            elif frame.startswith("42"):
                event, data = self.json.loads(frame[2:])[:2]
                if event == "message":
                    self.messages.append(data)

    def close(self) -> None:
        """Close the WebSocket."""
        self.ws.close()


def at_once(sends: list[tuple[LiveSocket, str, dict[str, Any]]]) -> list[tuple[str, Any]]:
    """Emit every (socket, event, data) at the same moment, one thread each; the (data's
    client_id, ack) of each, in the order the acks came back."""
    start = threading.Barrier(len(sends))
    acks: list[tuple[str, Any]] = []
    lock = threading.Lock()

    def emit(sock: LiveSocket, event: str, data: dict[str, Any]) -> None:
        start.wait()
        ack = sock.call(event, data)
        with lock:
            acks.append((data.get("client_id", ""), ack))

    threads = [threading.Thread(target=emit, args=send) for send in sends]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return acks
