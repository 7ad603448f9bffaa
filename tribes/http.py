"""Helpers shared by every JSON blueprint: body parsing, auth/CSRF order, pagination."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, request
from flask_login import current_user
from flask_wtf.csrf import validate_csrf
from pydantic import BaseModel, ValidationError
from wtforms import ValidationError as WTFValidationError

from tribes.errors import (
    ApiError,
    NotFound,
    Unauthenticated,
    ValidationFailed,
    bounded_fields,
    pydantic_fields,
    tr,
)
from tribes.i18n import _, lazy_gettext

M = TypeVar("M", bound=BaseModel)
F = TypeVar("F", bound=Callable[..., Any])

MUTATING = {"POST", "PUT", "PATCH", "DELETE"}
#: endpoint names that anyone may call without a session
PUBLIC_ENDPOINTS: set[str] = set()
#: mutating endpoints that need no X-CSRF-Token (they start a session)
CSRF_EXEMPT_ENDPOINTS: set[str] = set()


def public(view: F) -> F:
    """Mark an API view as callable without a session."""
    view._tribes_public = True  # type: ignore[attr-defined]
    return view


def csrf_exempt(view: F) -> F:
    """Mark a mutating API view as needing no CSRF header (register and login only)."""
    view._tribes_csrf_exempt = True  # type: ignore[attr-defined]
    return view


def body(schema: type[BaseModel]) -> Callable[[F], F]:
    """Record the request schema of a view (used for the OpenAPI document)."""

    def mark(view: F) -> F:
        view._tribes_body = schema  # type: ignore[attr-defined]
        return view

    return mark


def paged(view: F) -> F:
    """Mark a list view as keyset-paginated (?limit=, ?cursor=; used for the OpenAPI document)."""
    view._tribes_paged = True  # type: ignore[attr-defined]
    return view


def takes_upload(view: F) -> F:
    """Mark the one kind of API view whose body is `multipart/form-data` (a file), not JSON."""
    view._tribes_upload = True  # type: ignore[attr-defined]
    return view


def has_body() -> bool:
    """Whether the request carries a body."""
    if request.content_length:
        return True
    return "chunked" in (request.headers.get("Transfer-Encoding") or "").lower()


def check_request_order() -> None:
    """The contract's order: 401 unauthenticated → 403 csrf_failed → 415 (bodies only)."""
    from flask import current_app

    view = current_app.view_functions.get(request.endpoint or "")
    if view is None:
        return
    if not getattr(view, "_tribes_public", False) and not current_user.is_authenticated:
        raise Unauthenticated()
    if request.method in MUTATING and not getattr(view, "_tribes_csrf_exempt", False):
        try:
            validate_csrf(request.headers.get("X-CSRF-Token"))
        except WTFValidationError as exc:
            raise ApiError(
                tr(lazy_gettext("The CSRF token is missing or invalid.")), status=403, code="csrf_failed"
            ) from exc
    wanted = "multipart/form-data" if getattr(view, "_tribes_upload", False) else "application/json"
    if request.method in MUTATING and has_body() and request.mimetype != wanted:
        raise ApiError(status=415, code="unsupported_media_type")
    check_arguments()


#: the largest integer accepted in a body, a path or a query string (JSON's safe range)
MAX_INT = 2**53 - 1
#: how deeply a JSON body may nest
MAX_DEPTH = 32


def storable_text(value: str) -> bool:
    """Whether a string can be stored by every database (no NUL, no lone surrogates)."""
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_arguments() -> None:
    """Path values that cannot name anything are 404; unusable query values are 422."""
    for value in (request.view_args or {}).values():
        if isinstance(value, str) and not storable_text(value):
            raise NotFound()
        if isinstance(value, int) and abs(value) > MAX_INT:
            raise NotFound()
    for key, value in request.args.items(multi=True):
        if not storable_text(key) or not storable_text(value):
            raise ValidationFailed({"query": tr(lazy_gettext("The query string contains unusable characters."))})


def check_json(value: Any, depth: int = 0) -> None:
    """Refuse JSON that no schema should ever see: too deep, huge numbers, NUL bytes."""
    if depth > MAX_DEPTH:
        raise ValidationFailed({"body": tr(lazy_gettext("The body is nested too deeply."))})
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, int):
        if abs(value) > MAX_INT:
            raise ValidationFailed({"body": _("A number is out of range.")})
    elif isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValidationFailed({"body": _("A number is out of range.")})
    elif isinstance(value, str):
        if not storable_text(value):
            raise ValidationFailed({"body": tr(lazy_gettext("Text contains unusable characters."))})
    elif isinstance(value, dict):
        for key, item in value.items():
            check_json(key, depth + 1)
            check_json(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            check_json(item, depth + 1)


def json_body() -> Any:
    """The decoded JSON body ({} without a body); 422 when it is not usable JSON."""
    if not has_body():
        return {}
    raw = request.get_data(cache=True)
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise ValidationFailed({"body": tr(lazy_gettext("The body is not valid JSON."))}) from exc
    check_json(data)
    return data


def json_body_or_none() -> Any:
    """The decoded JSON body, or None when there is none or it is unusable (never raises)."""
    try:
        return json_body()
    except ApiError:
        return None


def api_blueprint(name: str, import_name: str) -> Blueprint:
    """A JSON blueprint under /api/v1 with the contract's request checks."""
    bp = Blueprint(name, import_name, url_prefix="/api/v1")
    bp.before_request(check_request_order)
    return bp


def parse(schema: type[M], data: Any | None = None) -> M:
    """Validate the JSON body (or given data) against a schema; 422 with fields otherwise.

    Unknown keys are set aside before pydantic sees the body (so a megabyte of them costs
    no more than one), integers beyond MAX_INT (also from numeric strings and floats) are
    refused, and at most MAX_FIELD_ERRORS fields are listed.
    """
    if data is None:
        data = json_body()
    if not isinstance(data, dict):
        raise ValidationFailed({"body": tr(lazy_gettext("The body must be a JSON object."))})
    unknown = unknown_keys(schema, data)
    if unknown:
        drop = set(unknown)
        data = {key: value for key, value in data.items() if key not in drop}
    extra = [(str(key), tr(EXTRA_FORBIDDEN)) for key in unknown]
    try:
        model = schema.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed(bounded_fields([*pydantic_fields(exc).items(), *extra])) from exc
    errors = int_range_errors(model) + extra
    if errors:
        raise ValidationFailed(bounded_fields(errors))
    return model


#: pydantic's message for a key the schema does not know
EXTRA_FORBIDDEN = lazy_gettext("This field is not known here.")


def unknown_keys(schema: type[BaseModel], data: dict[str, Any]) -> list[str]:
    """Keys of `data` that a schema with extra="forbid" does not know (in body order)."""
    if schema.model_config.get("extra") != "forbid":
        return []
    known = set(schema.model_fields)
    for name, field in schema.model_fields.items():
        if field.alias:
            known.add(field.alias)
        if field.validation_alias is not None:
            if not isinstance(field.validation_alias, str):
                return []  # AliasChoices/AliasPath: leave it to pydantic
            known.add(field.validation_alias)
        known.add(name)
    return [key for key in data if key not in known]


def int_range_errors(value: Any, loc: str = "") -> list[tuple[str, str]]:
    """(field, message) for every integer beyond ±MAX_INT in a validated model (ids and
    counts are JSON-safe integers; pydantic turns "100000000000000000000" into an int)."""
    if isinstance(value, bool):
        return []
    if isinstance(value, int):
        return [(loc or "body", tr(lazy_gettext("Out of range.")))] if abs(value) > MAX_INT else []
    if isinstance(value, BaseModel):
        found = []
        for name, field in type(value).model_fields.items():
            key = field.alias or name
            found += int_range_errors(getattr(value, name), f"{loc}.{key}" if loc else key)
        return found
    if isinstance(value, list | tuple | set | frozenset):
        found = []
        for index, item in enumerate(value):
            found += int_range_errors(item, f"{loc}.{index}" if loc else str(index))
        return found
    if isinstance(value, dict):
        found = []
        for key, item in value.items():
            found += int_range_errors(item, f"{loc}.{key}" if loc else str(key))
        return found
    return []
