"""One place that turns exceptions into the contract's JSON error body (or an HTML page)."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException

from tribes.extensions import db, limiter

log = logging.getLogger(__name__)

_STATUS_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    408: "request_timeout",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "rate_limited",
    500: "internal_error",
}
_MESSAGES = {
    400: "The request could not be understood.",
    401: "Log in first.",
    403: "You may not do that.",
    404: "Not found.",
    405: "This method is not allowed here.",
    408: "The request did not arrive in time.",
    409: "That conflicts with the current state.",
    413: "The request is too large.",
    415: "Send the body as application/json.",
    422: "Some fields are not valid.",
    429: "Too many requests; try again later.",
    500: "Something went wrong on our side.",
}


class ApiError(Exception):
    """An error the client should see, in the contract's shape."""

    status = 400
    code = "bad_request"

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        status: int | None = None,
        fields: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        if status is not None:
            self.status = status
        if code is not None:
            self.code = code
        self.message = message or _MESSAGES.get(self.status, "Error.")
        self.fields = fields
        self.headers = headers or {}
        super().__init__(self.message)


class Unauthenticated(ApiError):
    status, code = 401, "unauthenticated"


class Forbidden(ApiError):
    status, code = 403, "forbidden"


class NotFound(ApiError):
    """Hidden means 404: always the same body, never echoing what was asked for."""

    status, code = 404, "not_found"

    def __init__(self) -> None:
        super().__init__(_MESSAGES[404])


class Conflict(ApiError):
    status, code = 409, "conflict"


class ValidationFailed(ApiError):
    status, code = 422, "validation_failed"

    def __init__(self, fields: dict[str, str], message: str | None = None) -> None:
        super().__init__(message, fields=fields)


class RateLimited(ApiError):
    status, code = 429, "rate_limited"

    def __init__(self, retry_after: int, message: str | None = None) -> None:
        super().__init__(message, headers={"Retry-After": str(max(1, int(retry_after)))})


def error_body(code: str, message: str, fields: dict[str, str] | None = None) -> dict[str, Any]:
    """The contract's error document."""
    error: dict[str, Any] = {"code": code, "message": message}
    if fields is not None:
        error["fields"] = fields
    return {"error": error}


def status_error(status: int) -> tuple[str, str]:
    """The contract's (code, message) for an HTTP status."""
    return _STATUS_CODES.get(status, "error"), _MESSAGES.get(status, "Error.")


#: at most this many field errors are listed in a 422 (a huge body must not make a huge answer)
MAX_FIELD_ERRORS = 20
#: field names in a 422 are cut to this length
MAX_FIELD_NAME = 100
TOO_MANY_ERRORS = "There are more errors than listed here."


def bounded_fields(items: Iterable[tuple[str, str]], limit: int = MAX_FIELD_ERRORS) -> dict[str, str]:
    """{"field.path": "message"} from (field, message) pairs: the first message per field,
    at most `limit` fields, names cut short; a "body" note says when more were left out."""
    fields: dict[str, str] = {}
    for loc, msg in items:
        loc = loc[:MAX_FIELD_NAME]
        if loc in fields:
            continue
        if len(fields) == limit:
            fields.setdefault("body", TOO_MANY_ERRORS)
            break
        fields[loc] = msg
    return fields


def _pydantic_items(exc: ValidationError) -> Iterator[tuple[str, str]]:
    for err in exc.errors(include_url=False, include_context=False, include_input=False):
        loc = ".".join(str(p) for p in err["loc"] if p != "__root__") or "body"
        msg = err["msg"]
        if msg.startswith("Value error, "):
            msg = msg.removeprefix("Value error, ")
        yield loc, msg


def pydantic_fields(exc: ValidationError) -> dict[str, str]:
    """Flatten pydantic errors to {"field.path": "message"} (bounded, see bounded_fields)."""
    return bounded_fields(_pydantic_items(exc))


def wants_json() -> bool:
    """API paths (and JSON-only clients) get JSON errors; pages get HTML."""
    return request.path.startswith("/api/") or (
        request.accept_mimetypes.best == "application/json"
    )


def _respond(status: int, code: str, message: str, fields: Any = None, headers: Any = None) -> Response:
    if wants_json():
        resp = jsonify(error_body(code, message, fields))
    else:
        resp = Response(
            render_template("error.html", status=status, message=message), mimetype="text/html"
        )
    resp.status_code = status
    for key, value in (headers or {}).items():
        resp.headers[key] = value
    return resp


def register_error_handlers(app: Flask) -> None:
    """Install handlers so every error, including 404/405/500, has the contract's shape."""

    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError) -> Response:
        db.session.rollback()
        return _respond(exc.status, exc.code, exc.message, exc.fields, exc.headers)

    @app.errorhandler(ValidationError)
    def _validation_error(exc: ValidationError) -> Response:
        db.session.rollback()
        return _respond(422, "validation_failed", _MESSAGES[422], pydantic_fields(exc))

    @app.errorhandler(RateLimitExceeded)
    def _rate_limited(exc: RateLimitExceeded) -> Response:
        db.session.rollback()
        current = limiter.current_limit
        retry = int(current.reset_at - time.time()) + 1 if current else 60
        return _respond(429, "rate_limited", _MESSAGES[429], None, {"Retry-After": str(max(1, retry))})

    @app.errorhandler(CSRFError)
    def _csrf_error(exc: CSRFError) -> Response:
        db.session.rollback()
        return _respond(403, "csrf_failed", "The CSRF token is missing or invalid.")

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response:
        db.session.rollback()
        status = exc.code or 500
        code = _STATUS_CODES.get(status, "error")
        message = _MESSAGES.get(status) or exc.description or "Error."
        headers = {k: v for k, v in exc.get_headers() if k.lower() == "allow"}
        return _respond(status, code, message, None, headers)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.path)
        db.session.rollback()
        return _respond(500, "internal_error", _MESSAGES[500])
