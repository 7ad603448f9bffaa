"""Logging for the server processes: one line per record on stderr, as text or as JSON
(`TRIBES_LOG_FORMAT=json`, for a log collector), every line with the id of the request it
belongs to. The id comes from the proxy (`X-Request-ID`, deploy/nginx.conf sets nginx's
`$request_id`) or is made here, and is sent back in the answer's `X-Request-ID`, so a person
reporting a problem and the lines of all processes can be matched up.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import sys
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, g, has_request_context, request

#: what a request id from outside may look like (else a new one is made)
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def request_id() -> str:
    """The current request's id, or "-" outside a request (jobs, socket events)."""
    if has_request_context():
        return str(g.get("request_id") or "-")
    return "-"


class RequestIdFilter(logging.Filter):
    """Puts `request_id` on every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id (and the traceback)."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def configure(log_format: str = "text", level: str = "INFO") -> None:
    """Send the app's records to stderr in the chosen format (for `tribes serve` and `tribes worker`)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RequestIdFilter())
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"))
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level.upper() if level.upper() in logging.getLevelNamesMapping() else "INFO")
    for chatty in QUIET:   # their INFO lines are noise (the access log has its own switch)
        logging.getLogger(chatty).setLevel(logging.WARNING)


#: libraries whose INFO records would flood the log: gevent-websocket logs every request,
#: Alembic every plugin it loads
QUIET = ("geventwebsocket.handler", "alembic.runtime.plugins")


def init_app(app: Flask) -> None:
    """Give every request an id and send it back."""

    @app.before_request
    def _take_request_id() -> None:
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if _VALID_ID.match(given) else secrets.token_hex(8)

    @app.after_request
    def _send_request_id(response: Response) -> Response:
        if g.get("request_id"):
            response.headers["X-Request-ID"] = g.request_id
        return response
