"""Field errors of a 422 in our own words: pydantic's error types turned into sentences in the
reader's language, one per field, at most MAX_FIELD_ERRORS of them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from pydantic import ValidationError

from tribes.i18n import lazy_gettext


def tr(text: Any) -> str:
    """The sentence in the request's language (tribes.errors.tr)."""
    from tribes.errors import tr as translate

    return translate(text)


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
