"""Flask's JSON answers written by orjson.

Every JSON answer (API documents, errors, htmx fragments' data) goes through
`app.json.response`. Flask's default provider runs the standard library's encoder with
`sort_keys=True`; for a history page of 50 messages that was ~10 % of the request's CPU
(bench/reads.py, py-spy). orjson writes the same document 5-10 times faster.

What stays as Flask wrote it: keys sorted, compact separators (indented in debug mode), a
trailing newline, and every type orjson does not know natively goes through Flask's
`default` (dates as HTTP dates, `Decimal`, `UUID`, dataclasses, `__html__`): datetimes and
dataclasses are passed through to it on purpose. What differs: text outside ASCII is written
as UTF-8 instead of `\\u` escapes (the same JSON; `application/json` is UTF-8), NaN and
infinities become `null` (Flask wrote invalid JSON). What orjson refuses (text with a lone
surrogate, integers beyond 64 bits) is written by the standard library as before.
Reading request bodies stays with the standard library (its errors are the ones the API
reports).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

import orjson
from flask import Flask, Response, current_app
from flask.json.provider import DefaultJSONProvider

_OPTIONS = (orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME
            | orjson.OPT_PASSTHROUGH_DATACLASS)


class OrjsonProvider(DefaultJSONProvider):
    """`DefaultJSONProvider` with orjson for the documents Flask writes itself."""

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        if not kwargs:  # else a caller asks for the standard library's options (indent, separators…)
            try:
                return orjson.dumps(obj, default=self.default, option=_OPTIONS).decode()
            except orjson.JSONEncodeError:
                pass  # what orjson refuses (a lone surrogate, a huge integer): as Flask wrote it
        return super().dumps(obj, **kwargs)

    def response(self, *args: Any, **kwargs: Any) -> Response:
        obj = self._prepare_response_obj(args, kwargs)
        option = _OPTIONS | orjson.OPT_APPEND_NEWLINE
        if (self.compact is None and self._app.debug) or self.compact is False:
            option |= orjson.OPT_INDENT_2
        try:
            body = orjson.dumps(obj, default=self.default, option=option)
        except orjson.JSONEncodeError:
            return cast(Response, super().response(obj))
        return Response(body, mimetype=self.mimetype)


def with_times(obj: Any, *, keys_in_order: bool = False) -> Response:
    """The JSON answer of `obj` whose datetimes are written as `isoformat()` writes them
    ("2026-11-30T18:00:00+00:00", the contract's timestamps): by orjson itself, in the same
    pass, for the lists that carry many (a page of 50 meet-ups holds 200). Elsewhere the
    provider hands datetimes to Flask's `default` (HTTP dates), so documents keep their
    timestamps as strings.

    `keys_in_order`: every dict of `obj` was built with its (text) keys in sorted order, so
    they are written as they are (sorting them was half of orjson's time for a page of 50);
    the bytes are the provider's either way."""
    provider = cast(DefaultJSONProvider, current_app.json)
    option = orjson.OPT_APPEND_NEWLINE if keys_in_order else (
        orjson.OPT_APPEND_NEWLINE | orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)
    if (provider.compact is None and current_app.debug) or provider.compact is False:
        option |= orjson.OPT_INDENT_2
    try:
        return Response(orjson.dumps(obj, option=option), mimetype=provider.mimetype)
    except orjson.JSONEncodeError:  # what orjson refuses (a lone surrogate): the provider, times as text first
        return cast(Response, provider.response(_times_as_text(obj)))


def _times_as_text(obj: Any) -> Any:
    if isinstance(obj, datetime):
        return obj.isoformat()
    if isinstance(obj, dict):
        return {key: _times_as_text(value) for key, value in obj.items()}
    if isinstance(obj, list | tuple):
        return [_times_as_text(value) for value in obj]
    return obj


def init_app(app: Flask) -> None:
    """Write the app's JSON with orjson."""
    app.json = OrjsonProvider(app)
