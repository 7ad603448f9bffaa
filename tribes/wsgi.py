"""WSGI layers around the app: bodies read before any database work, proxies believed only
when trusted, and gevent's connection handler with read and idle timeouts.

The rule they enforce: no database connection is ever held while waiting on a client.
`BufferedBody` is the outermost layer, so Flask, Flask-Login (which loads the user from the
database) and the views only run once the whole body is in memory.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import logging
import time
import weakref
from collections.abc import Callable, Iterable
from io import BytesIO
from typing import Any

from tribes.errors import error_body, status_error

log = logging.getLogger(__name__)

#: environ key: time.monotonic() by which the request (line, headers, body) must have arrived
READ_DEADLINE = "tribes.read_deadline"
#: environ key: the body was not read to the end; the server must close, not drain, the connection
ABANDON_BODY = "tribes.abandon_body"
#: how much is read from the client per call
CHUNK = 64 * 1024

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class RequestTimeout(TimeoutError):
    """The client did not send its request within the read deadline."""


class BodyTooLarge(Exception):
    """The body is larger than the configured maximum."""


def error_payload(status: int, path: str, accept: str, accept_language: str = "") -> tuple[bytes, str]:
    """The contract's error body for a status (JSON; a small page for browsers off the API), in
    the language the client's Accept-Language asks for (no user is known before the app runs)."""
    code, message = status_error(status, accept_language)
    if not path.startswith("/api/") and "text/html" in accept:
        page = f"<!doctype html><meta charset=utf-8><title>{status}</title><p>{message}</p>"
        return page.encode(), "text/html; charset=utf-8"
    return json.dumps(error_body(code, message)).encode(), "application/json"


def raw_error_response(status: int, reason: str) -> bytes:
    """A complete HTTP/1.1 error response that closes the connection (for the connection handler)."""
    body, mimetype = error_payload(status, "/api/", "")
    head = (
        f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\nContent-Type: {mimetype}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode("latin-1") + body


def _has_body(environ: dict[str, Any]) -> bool:
    if environ.get("HTTP_UPGRADE"):
        return False
    if "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
        return True
    return environ.get("CONTENT_LENGTH", "") not in ("", "0")


#: paths that take a picture upload: their bodies may be larger than MAX_CONTENT_LENGTH
UPLOAD_PATHS = frozenset({"/settings/avatar", "/api/v1/me/avatar"})
#: the body an upload path may carry: a 5 MB picture plus the multipart envelope
UPLOAD_MAX_BODY = 5 * 1024 * 1024 + 256 * 1024
#: environ key: an upload page's body was too large; the app answers with its own page (413)
UPLOAD_REFUSED = "tribes.upload_refused"


class BufferedBody:
    """Read the whole request body into memory, bounded by MAX_CONTENT_LENGTH and the read
    deadline, before the app runs; answer 413/408/400 without touching the app or the database."""

    REASONS = {400: "400 Bad Request", 408: "408 Request Timeout", 413: "413 Payload Too Large"}

    def __init__(self, app: WSGIApp, max_length: Callable[[], int | None]) -> None:
        self.app = app
        self.max_length = max_length

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if not _has_body(environ):
            return self.app(environ, start_response)
        limit = self.max_length()
        upload = environ.get("PATH_INFO") in UPLOAD_PATHS
        if upload:
            limit = max(limit or 0, UPLOAD_MAX_BODY)
        try:
            body = self._read(environ, limit)
        except BodyTooLarge:
            if upload and self._is_page(environ):
                return self._refused_upload_page(environ, start_response)
            return self._refuse(413, environ, start_response)
        except TimeoutError:
            return self._refuse(408, environ, start_response)
        except (OSError, ValueError):  # the client vanished or sent a broken body
            return self._refuse(400, environ, start_response)
        environ["wsgi.input"] = BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        environ["wsgi.input_terminated"] = False
        return self.app(environ, start_response)

    def _read(self, environ: dict[str, Any], limit: int | None) -> bytes:
        raw_length = environ.get("CONTENT_LENGTH", "")
        length = None if "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower() else int(raw_length)
        if length is not None and length < 0:
            raise ValueError("negative Content-Length")
        if length is not None and limit is not None and length > limit:
            raise BodyTooLarge()
        deadline = environ.get(READ_DEADLINE)
        if deadline is None:
            return self._read_from(environ["wsgi.input"], length, limit)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise RequestTimeout()
        import gevent

        with gevent.Timeout(remaining, RequestTimeout()):
            return self._read_from(environ["wsgi.input"], length, limit)

    @staticmethod
    def _read_from(stream: Any, length: int | None, limit: int | None) -> bytes:
        buffer = bytearray()
        while length is None or len(buffer) < length:
            want = CHUNK if length is None else min(CHUNK, length - len(buffer))
            chunk = stream.read(want)
            if not chunk:
                if length is None:
                    break
                raise ValueError("the body ended early")
            buffer += chunk
            if limit is not None and len(buffer) > limit:
                raise BodyTooLarge()
        return bytes(buffer)

    @staticmethod
    def _is_page(environ: dict[str, Any]) -> bool:
        return not environ.get("PATH_INFO", "").startswith("/api/") and "text/html" in environ.get("HTTP_ACCEPT", "")

    def _refused_upload_page(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """A browser's too-large upload: the unread body is dropped and the app shows its own page
        (a GET of the same path marked UPLOAD_REFUSED) with a message in the person's language."""
        environ[ABANDON_BODY] = True
        environ[UPLOAD_REFUSED] = 413
        environ["REQUEST_METHOD"] = "GET"
        environ["CONTENT_LENGTH"] = "0"
        environ.pop("CONTENT_TYPE", None)
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        environ["wsgi.input"] = BytesIO(b"")
        return self.app(environ, start_response)

    def _refuse(self, status: int, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        environ[ABANDON_BODY] = True
        body, mimetype = error_payload(
            status, environ.get("PATH_INFO", ""), environ.get("HTTP_ACCEPT", ""),
            environ.get("HTTP_ACCEPT_LANGUAGE", ""),
        )
        start_response(self.REASONS[status], [
            ("Content-Type", mimetype), ("Content-Length", str(len(body))), ("Connection", "close"),
        ])
        return [body]


class TrustedProxies:
    """Apply ProxyFix (X-Forwarded-For/-Proto/-Host) only to requests from a trusted proxy.

    Any other client's X-Forwarded-* headers are ignored, so nobody can choose the address
    that rate limits are keyed by. Logs one warning when a request arrives without
    X-Forwarded-For (the setting is on but the server seems to be reached directly).
    """

    def __init__(self, app: WSGIApp, trusted: Iterable[str]) -> None:
        from werkzeug.middleware.proxy_fix import ProxyFix

        self.app = app
        self.proxied = ProxyFix(app, x_for=1, x_proto=1, x_host=1)
        self.networks = [ipaddress.ip_network(item, strict=False) for item in trusted]
        self.warned = False

    def trusts(self, address: str) -> bool:
        """Whether this peer address is one of the configured proxies."""
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.networks)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if "HTTP_X_FORWARDED_FOR" not in environ and not self.warned:
            self.warned = True
            log.warning(
                "TRIBES_TRUST_PROXY is on, but a request from %s came without X-Forwarded-For: "
                "is the server reached without its proxy?", environ.get("REMOTE_ADDR"),
            )
        if self.trusts(environ.get("REMOTE_ADDR", "")):
            return self.proxied(environ, start_response)
        return self.app(environ, start_response)


class _Connections:
    """The kept-alive connections waiting for their next request, so a stopping server can
    close them at once instead of waiting for their idle timeout."""

    def __init__(self) -> None:
        self.idle: weakref.WeakSet[Any] = weakref.WeakSet()
        self.stopping = False


CONNECTIONS = _Connections()


def close_idle_connections() -> int:
    """Stopping: idle kept-alive connections close now, busy ones after their request."""
    import socket

    CONNECTIONS.stopping = True
    closed = 0
    for handler in list(CONNECTIONS.idle):
        with contextlib.suppress(OSError, AttributeError):
            handler.socket.shutdown(socket.SHUT_RDWR)
            closed += 1
    return closed


def gevent_handler_class(idle_timeout: float, read_timeout: float) -> type:
    """gevent-websocket's handler with TCP_NODELAY, an idle timeout and a request read deadline.

    - TCP_NODELAY: without it, Nagle's algorithm and the client's delayed ACK hold the second
      and later responses on a kept-alive connection for ~40 ms each.
    - Every read and write on the socket times out after `idle_timeout` seconds (pywsgi has
      no timeout of its own): an idle keep-alive connection or a stalled client is closed.
    - From the first byte of a request, its line and headers and (in BufferedBody) its body
      must arrive within `read_timeout` seconds: a client dripping bytes gets 408.
    - A connection upgraded to a WebSocket has no timeout (Socket.IO pings keep it honest).
    """
    import socket

    import gevent
    from geventwebsocket.handler import WebSocketHandler

    timeout_response = raw_error_response(408, "Request Timeout")

    class GuardedHandler(WebSocketHandler):
        _timer: Any = None
        wsgi_input: Any
        _deadline: float | None = None

        def __init__(self, sock: Any, address: Any, server: Any, rfile: Any = None) -> None:
            if sock.family in (socket.AF_INET, socket.AF_INET6):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.settimeout(idle_timeout)
            super().__init__(sock, address, server, rfile)

        def handle_one_request(self) -> Any:
            try:
                return super().handle_one_request()
            finally:
                self._stop_timer()

        def read_requestline(self) -> Any:
            if CONNECTIONS.stopping:
                return None  # the server is stopping: no next request on this connection
            CONNECTIONS.idle.add(self)
            try:
                self.rfile.peek(1)  # idle: waits at most idle_timeout for the next request
            finally:
                CONNECTIONS.idle.discard(self)
            self._deadline = time.monotonic() + read_timeout
            self._timer = gevent.Timeout(read_timeout, RequestTimeout())
            self._timer.start()
            return super().read_requestline()

        def read_request(self, raw_requestline: str) -> Any:
            try:
                return super().read_request(raw_requestline)
            finally:
                self._stop_timer()

        def _stop_timer(self) -> None:
            if self._timer is not None:
                self._timer.close()
                self._timer = None

        def _handle_client_error(self, ex: BaseException) -> Any:
            if isinstance(ex, TimeoutError):
                self.close_connection = True
                return ("408", timeout_response)
            return super()._handle_client_error(ex)

        def get_environ(self) -> Any:
            environ = super().get_environ()
            environ[READ_DEADLINE] = self._deadline
            if environ.get("wsgi.input") is self.wsgi_input:
                self.wsgi_input = environ["wsgi.input"] = _AbandonableInput(self.wsgi_input, environ)
            return environ

        def run_websocket(self) -> Any:
            self.socket.settimeout(None)
            return super().run_websocket()

    return GuardedHandler


class _AbandonableInput:
    """pywsgi's request input, whose leftover body is not drained when BufferedBody gave up on
    the request (a stalled or oversized body would otherwise be read to its end)."""

    def __init__(self, inner: Any, environ: dict[str, Any]) -> None:
        self._inner = inner
        self._environ = environ

    def read(self, length: int | None = None) -> bytes:
        return bytes(self._inner.read(length))

    def readline(self, size: int | None = None) -> bytes:
        return bytes(self._inner.readline(size))

    def readlines(self, hint: int | None = None) -> list[bytes]:
        return list(self._inner.readlines(hint))

    def __iter__(self) -> Any:
        return iter(self._inner)

    def _discard(self) -> None:
        if not self._environ.get(ABANDON_BODY):
            self._inner._discard()
