"""Security headers on every response: a strict Content-Security-Policy (no inline script or
style anywhere: JS and CSS live in static/), no sniffing, no framing, same-origin referrers.
And the session cookie is written back only when it changed or the browser navigates."""

from __future__ import annotations

from typing import Any

from flask import Flask, Request, Response, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface

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


def add_security_headers(response: Response) -> Response:
    """Set the headers unless a view chose its own value."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response


class SessionCookie(SecureCookieSessionInterface):
    """Flask's signed cookie session, without writing an unchanged session back from a page's
    background requests.

    A permanent session is re-sent on every response to slide its expiry. A response carries
    the whole session as it was when its request began, so a background request of the page
    being left (the unread count fetched after the socket connects, an htmx swap) that ends
    after the next page's response wrote back the old session: the flash message the next
    page had just shown came again, or one not yet shown was lost (seen in the browser tests).
    A browser says what a request is (`Sec-Fetch-Mode`): the expiry slides on navigations
    only. Clients that do not say (API clients, scripts: one request after another) slide
    it on every answer, as before. A changed session is always written.

    The cookie is decoded once per WSGI environ: Flask-SocketIO (`manage_session=False`)
    pushes a request context built from the socket's stored environ for every event, and
    each would check the signature and decompress the same cookie again (about 0.2 ms of CPU
    per chat send). Every context gets a fresh session object with a copy of the data, what
    decoding would have given; an HTTP request has an environ of its own.
    """

    _DECODED = "tribes.decoded_session"

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        environ: dict[str, Any] = request.environ
        decoded = environ.get(self._DECODED)
        if decoded is not None:
            return self.session_class(dict(decoded))
        session = super().open_session(app, request)
        if session is not None:
            environ[self._DECODED] = dict(session)
        return session

    def should_set_cookie(self, app: Flask, session: Any) -> bool:
        if session.modified:
            return True
        mode = request.headers.get("Sec-Fetch-Mode")
        if mode is not None and mode != "navigate":
            return False
        return bool(session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"])


def init_app(app: Flask) -> None:
    """Register the headers for every response (pages, API, static files, errors) and the
    session cookie's writer."""
    app.after_request(add_security_headers)
    app.session_interface = SessionCookie()
