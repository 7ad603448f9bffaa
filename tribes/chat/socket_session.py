"""The Flask session of Socket.IO events, decoded once per connection instead of once per event.

Flask-SocketIO (with `manage_session=False`) pushes a request context built from the
socket's stored WSGI environ for every event, and Flask then opens the session: it checks
the signature of the session cookie and decompresses and decodes it again (about a fifth
of a millisecond of CPU per chat send, the same bytes every time: a socket's cookie is the
one it connected with). This interface remembers the decoded data in that environ and
hands every later context built from it a fresh session object with a copy of the data,
exactly what decoding would have given. An ordinary HTTP request has an environ of its own,
used for one context: nothing changes for it.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface

_KEY = "tribes.decoded_session"


class SocketSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions; a cookie is decoded once per WSGI environ."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        """A fresh session with the data decoded for this environ before, or decoded now."""
        environ: dict[str, Any] = request.environ
        decoded = environ.get(_KEY)
        if decoded is not None:
            return self.session_class(dict(decoded))
        session = super().open_session(app, request)
        if session is not None:
            environ[_KEY] = dict(session)
        return session


def init_app(app: Flask) -> None:
    """Use it when the app has Flask's default session interface."""
    if type(app.session_interface) is SecureCookieSessionInterface:
        app.session_interface = SocketSessionInterface()
