"""Security headers on every response: a strict Content-Security-Policy (no inline script or
style anywhere: JS and CSS live in static/), no sniffing, no framing, same-origin referrers.
And the session cookie: written back only when it changed or its expiry is due to slide."""

from __future__ import annotations

import copy
import time
from typing import Any

from flask import Flask, Request, Response, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self' ws: wss:",
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "object-src 'none'",
])

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}


_IMMUTABLE = (str, int, float, bool, type(None))


def add_security_headers(response: Response) -> Response:
    """Set the headers unless a view chose its own value."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response


class SessionCookie(SecureCookieSessionInterface):
    """Flask's signed cookie session, written back only when it changed, or when its expiry
    is due to slide on a navigation.

    A permanent session used to be re-sent on every response to slide its expiry. A response
    carries the whole session as it was when its request began, so a background request of
    the page being left (the unread count fetched after the socket connects, an htmx swap)
    that ended after the next page's response wrote back the old session: the flash message
    the next page had just shown came again, or one not yet shown was lost (seen in the
    browser tests). Now an unchanged session is written back only when its cookie was signed
    more than `REFRESH_AFTER` ago (so the expiry still slides: 30 days after the last visit,
    to the hour), and, for a browser, only on a navigation (`Sec-Fetch-Mode: navigate`);
    clients that do not say what a request is (API clients, scripts: one request after
    another) slide it on any answer. A changed session is always written. Not re-signing an
    unchanged cookie on every answer also saves each request the signature.

    The cookie is decoded once per WSGI environ: Flask-SocketIO (`manage_session=False`)
    pushes a request context built from the socket's stored environ for every event, and
    each would check the signature and decompress the same cookie again (about 0.2 ms of CPU
    per chat send). Every context gets a fresh session object with a copy of the data, what
    decoding would have given; an HTTP request has an environ of its own.

    And a process remembers the cookies it decoded lately (`CACHED` of them): a browser sends
    the same cookie with every request until it changes, and checking its signature,
    decompressing and parsing it again was ~5 % of a short API read's CPU (bench/reads.py).
    A remembered cookie is the exact text whose signature was checked, so its data cannot
    differ; its age is checked against the lifetime again on every use. Cookies that fail
    the check are not remembered.
    """

    REFRESH_AFTER = 3600  # seconds
    CACHED = 4096
    _DECODED = "tribes.decoded_session"

    def __init__(self) -> None:
        self._decoded: dict[str, tuple[dict[str, Any], float]] = {}

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        environ: dict[str, Any] = request.environ
        decoded = environ.get(self._DECODED)
        if decoded is None:
            decoded = environ[self._DECODED] = self._decode(app, request)
            if decoded is None:
                return None
        data, signed_at = decoded
        # a copy: the decoded data is shared (flash messages append to a list in place)
        flat = all(type(value) in _IMMUTABLE for value in data.values())
        session = self.session_class(dict(data) if flat else copy.deepcopy(data))
        session.signed_at = signed_at  # type: ignore[attr-defined]
        return session

    def _decode(self, app: Flask, request: Request) -> tuple[dict[str, Any], float] | None:
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return {}, 0.0
        max_age = app.permanent_session_lifetime.total_seconds()
        known = self._decoded.get(value)
        if known is not None:
            return known if time.time() - known[1] <= max_age else ({}, 0.0)
        try:
            data, signed_at = serializer.loads(value, max_age=int(max_age), return_timestamp=True)
        except BadSignature:
            return {}, 0.0
        decoded = dict(data), signed_at.timestamp()
        if len(self._decoded) >= self.CACHED:
            self._decoded.clear()
        self._decoded[value] = decoded
        return decoded

    def should_set_cookie(self, app: Flask, session: Any) -> bool:
        if session.modified:
            return True
        if not (session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]):
            return False
        if time.time() - getattr(session, "signed_at", 0.0) < self.REFRESH_AFTER:
            return False
        mode = request.headers.get("Sec-Fetch-Mode")
        return mode is None or mode == "navigate"


def init_app(app: Flask) -> None:
    """Register the headers for every response (pages, API, static files, errors) and the
    session cookie's writer."""
    app.after_request(add_security_headers)
    app.session_interface = SessionCookie()
