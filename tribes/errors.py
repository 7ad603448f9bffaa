"""One place that turns exceptions into the contract's JSON error body (or an HTML page)."""

from __future__ import annotations

import functools
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
from tribes.i18n import _, lazy_gettext

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
    503: "service_unavailable",
}
_MESSAGES: dict[int, Any] = {
    400: lazy_gettext("The request could not be understood."),
    401: lazy_gettext("Log in first."),
    403: lazy_gettext("You may not do that."),
    404: lazy_gettext("Not found."),
    405: lazy_gettext("This method is not allowed here."),
    408: lazy_gettext("The request did not arrive in time."),
    409: lazy_gettext("That conflicts with the current state."),
    413: lazy_gettext("The request is too large."),
    503: lazy_gettext("The service is briefly unavailable. Try again in a few seconds."),
    415: lazy_gettext("Send the body as application/json."),
    422: lazy_gettext("Some fields are not valid."),
    429: lazy_gettext("Too many requests; try again later."),
    500: lazy_gettext("Something went wrong on our side."),
}


def tr(text: Any) -> str:
    """`text` (a lazy_gettext text or a plain msgid) in the request's language; the English
    source when the app has no translations set up."""
    from flask import current_app, has_app_context

    if has_app_context() and "babel" in current_app.extensions:
        return str(text) if not isinstance(text, str) else _(text)
    return text if isinstance(text, str) else str(getattr(text, "_args", (text,))[0])


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
        self._message: Any = message or _MESSAGES.get(self.status, lazy_gettext("Error."))
        self.fields = fields
        self.headers = headers or {}
        super().__init__(tr(self._message))

    @property
    def message(self) -> str:
        """The message in the request's language (a lazy text is translated when read)."""
        return tr(self._message)


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


def status_error(status: int, accept_language: str | None = None) -> tuple[str, str]:
    """The contract's (code, message) for an HTTP status. With `accept_language` (a request
    refused before the app ran, so no user is known) the message follows that header."""
    text = _MESSAGES.get(status, lazy_gettext("Error."))
    if accept_language is None:
        return _STATUS_CODES.get(status, "error"), tr(text)
    return _STATUS_CODES.get(status, "error"), translated_for_header(text, accept_language)


def translated_for_header(text: Any, accept_language: str) -> str:
    """A core catalogue text in the best of our languages for an Accept-Language header
    (no app or request needed; English when the header asks for none of them)."""
    from werkzeug.datastructures import LanguageAccept
    from werkzeug.http import parse_accept_header

    from tribes.i18n import LOCALES

    msgid = text if isinstance(text, str) else str(getattr(text, "_args", (text,))[0])
    locale = parse_accept_header(accept_language, LanguageAccept).best_match(LOCALES) or LOCALES[0]
    return msgid if locale == LOCALES[0] else _core_translations(locale).gettext(msgid)


@functools.lru_cache(maxsize=8)
def _core_translations(locale: str) -> Any:
    from babel.support import Translations

    from tribes.i18n import PACKAGE

    return Translations.load(str(PACKAGE / "translations"), [locale])


#: at most this many field errors are listed in a 422 (a huge body must not make a huge answer)
MAX_FIELD_ERRORS = 20
#: field names in a 422 are cut to this length
MAX_FIELD_NAME = 100
TOO_MANY_ERRORS = lazy_gettext("There are more errors than listed here.")


def bounded_fields(items: Iterable[tuple[str, str]], limit: int = MAX_FIELD_ERRORS) -> dict[str, str]:
    """{"field.path": "message"} from (field, message) pairs: the first message per field,
    at most `limit` fields, names cut short; a "body" note says when more were left out."""
    fields: dict[str, str] = {}
    for loc, msg in items:
        loc = loc[:MAX_FIELD_NAME]
        if loc in fields:
            continue
        if len(fields) == limit:
            fields.setdefault("body", tr(TOO_MANY_ERRORS))
            break
        fields[loc] = msg
    return fields


#: pydantic error types → our sentences (format with the error's context: min, max, expected)
_PYDANTIC_MESSAGES: dict[str, Any] = {
    "missing": lazy_gettext("Required."),
    "string_too_short": lazy_gettext("At least %(min)s characters."),
    "string_too_long": lazy_gettext("At most %(max)s characters."),
    "string_pattern_mismatch": lazy_gettext("This format cannot be used here."),
    "string_type": lazy_gettext("Enter text."),
    "string_unicode": lazy_gettext("Enter text."),
    "int_type": lazy_gettext("Enter a whole number."),
    "int_parsing": lazy_gettext("Enter a whole number."),
    "int_from_float": lazy_gettext("Enter a whole number."),
    "float_type": lazy_gettext("Enter a number."),
    "float_parsing": lazy_gettext("Enter a number."),
    "bool_type": lazy_gettext("Choose yes or no."),
    "bool_parsing": lazy_gettext("Choose yes or no."),
    "greater_than": lazy_gettext("Must be more than %(min)s."),
    "greater_than_equal": lazy_gettext("At least %(min)s."),
    "less_than": lazy_gettext("Must be less than %(max)s."),
    "less_than_equal": lazy_gettext("At most %(max)s."),
    "too_short": lazy_gettext("At least %(min)s entries."),
    "too_long": lazy_gettext("At most %(max)s entries."),
    "literal_error": lazy_gettext("Choose one of: %(expected)s."),
    "enum": lazy_gettext("Choose one of: %(expected)s."),
    "extra_forbidden": lazy_gettext("This field is not known here."),
    "datetime_type": lazy_gettext("Enter a date and time."),
    "datetime_parsing": lazy_gettext("Enter a date and time."),
    "datetime_from_date_parsing": lazy_gettext("Enter a date and time."),
    "date_type": lazy_gettext("Enter a date."),
    "date_parsing": lazy_gettext("Enter a date."),
    "date_from_datetime_parsing": lazy_gettext("Enter a date."),
    "timezone_aware": lazy_gettext("Give the time zone with the time."),
    "url_type": lazy_gettext("Enter a web address."),
    "url_parsing": lazy_gettext("Enter a web address."),
    "url_scheme": lazy_gettext("Enter a web address."),
    "url_too_long": lazy_gettext("This address is too long."),
    "json_invalid": lazy_gettext("This is not valid JSON."),
    "json_type": lazy_gettext("This is not valid JSON."),
    "model_type": lazy_gettext("Send an object with fields."),
    "model_attributes_type": lazy_gettext("Send an object with fields."),
    "dict_type": lazy_gettext("Send an object with fields."),
    "list_type": lazy_gettext("Send a list."),
    "none_required": lazy_gettext("Leave this empty."),
}
#: (field name, pydantic type) → a sentence for that one field
_FIELD_MESSAGES: dict[tuple[str, str], Any] = {
    ("slug", "string_pattern_mismatch"): lazy_gettext("Use 3–64 lower-case letters, digits or dashes."),
}
_INVALID = lazy_gettext("This value cannot be used.")


def _context_values(ctx: dict[str, Any]) -> dict[str, Any]:
    values = {
        "min": ctx.get("min_length", ctx.get("ge", ctx.get("gt", ""))),
        "max": ctx.get("max_length", ctx.get("le", ctx.get("lt", ""))),
        "expected": str(ctx.get("expected", "")).replace("'", ""),
    }
    return values


def pydantic_message(err: Any) -> str:
    """Our sentence for one pydantic error (never pydantic's own English)."""
    kind = err["type"]
    if kind in ("value_error", "assertion_error"):
        msg = str(err["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
        return tr(msg)  # our validators' sentences, translated when a catalogue knows them
    field = str(err["loc"][-1]) if err["loc"] else ""
    text = _FIELD_MESSAGES.get((field, kind)) or _PYDANTIC_MESSAGES.get(kind) or _INVALID
    try:
        return tr(text) % _context_values(err.get("ctx") or {})
    except (KeyError, TypeError, ValueError):
        return tr(_INVALID)


def _pydantic_items(exc: ValidationError) -> Iterator[tuple[str, str]]:
    for err in exc.errors(include_url=False, include_context=True, include_input=False):
        loc = ".".join(str(p) for p in err["loc"] if p != "__root__") or "body"
        yield loc, pydantic_message(err)


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
        resp = jsonify(error_body(code, tr(message), fields))
    else:
        resp = Response(
            render_template("error.html", status=status, message=message), mimetype="text/html"
        )
    resp.status_code = status
    for key, value in (headers or {}).items():
        resp.headers[key] = value
    return resp


#: posted fields never written back into a page (secrets and the stale token)
_NOT_KEPT = ("password", "csrf_token", "token", "secret")


def kept_form_values() -> list[tuple[str, str]]:
    """The posted form's values worth keeping when it must be sent again: all but passwords,
    tokens and secrets (by field name), in their order."""
    return [
        (key, value) for key, value in request.form.items(multi=True)
        if not any(part in key.lower() for part in _NOT_KEPT)
    ]


def _form_expired() -> Response:
    """A page form arrived without a valid CSRF token (the session expired, or the form was
    open too long): say so, keep what was typed, offer to log in again and to send it again."""
    from flask import url_for
    from flask_login import current_user

    from tribes.pages import local_path

    back = local_path(request.referrer and _same_site_path(request.referrer)) or request.path
    login = url_for("accounts_pages.login", next=back) if "accounts_pages.login" in _endpoints() else None
    html = render_template(
        "form_expired.html", values=kept_form_values(), action=request.path, back=back,
        login_url=None if current_user.is_authenticated else login,
    )
    return Response(html, status=403, mimetype="text/html")


def _same_site_path(url: str) -> str | None:
    """The path and query of `url` when it points at this site, else None."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.netloc and parts.netloc != request.host:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _endpoints() -> Any:
    from flask import current_app

    return current_app.view_functions


#: seconds a client is asked to wait while the database or Redis is away
RETRY_UNAVAILABLE = 5


def unavailable(exc: BaseException) -> bool:
    """Whether the exception says the database or Redis cannot be reached (an outage or a
    restart), rather than a bug: connection refused or lost, pool exhausted."""
    from sqlalchemy.exc import DBAPIError
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    if isinstance(exc, PoolTimeout):
        return True
    if isinstance(exc, DBAPIError):
        return bool(exc.connection_invalidated) or type(exc.orig).__name__ in ("OperationalError", "InterfaceError")
    try:
        import redis.exceptions
    except ImportError:  # pragma: no cover - redis is a dependency
        return False
    return isinstance(exc, redis.exceptions.ConnectionError | redis.exceptions.TimeoutError)


def _quiet_rollback() -> None:
    """Roll back, and when the database is the thing that is gone, drop the session instead."""
    try:
        db.session.rollback()
    except Exception:  # the connection is dead: nothing to roll back on it
        db.remove()


def _unavailable(exc: BaseException) -> Response:
    """503 in the contract's shape while the database or Redis is away; one log line, no trace."""
    from flask import g

    from tribes.extensions import login_manager

    log.warning("%s %s: service unavailable (%s)", request.method, request.path, type(exc).__name__)
    _quiet_rollback()
    # the person cannot be loaded now: answer as to a visitor (language from the browser)
    g._login_user = login_manager.anonymous_user()
    return _respond(503, "service_unavailable", _MESSAGES[503], None, {"Retry-After": str(RETRY_UNAVAILABLE)})


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
        if wants_json():
            return _respond(403, "csrf_failed", tr(lazy_gettext("The CSRF token is missing or invalid.")))
        return _form_expired()

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response:
        original = getattr(exc, "original_exception", None)
        if original is not None and unavailable(original):   # raised after the view (the commit)
            return _unavailable(original)
        _quiet_rollback()
        status = exc.code or 500
        code = _STATUS_CODES.get(status, "error")
        message = _MESSAGES.get(status) or lazy_gettext("Error.")
        headers = {k: v for k, v in exc.get_headers() if k.lower() == "allow"}
        return _respond(status, code, message, None, headers)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        if unavailable(exc):
            return _unavailable(exc)
        log.exception("unhandled error on %s %s", request.method, request.path)
        db.session.rollback()
        return _respond(500, "internal_error", _MESSAGES[500])
