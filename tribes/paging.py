"""Keyset pagination for every list (API and pages): opaque cursors, `?limit=`, one page."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from typing import Any

from flask import request
from sqlalchemy import Select, tuple_

from tribes.errors import ValidationFailed
from tribes.http import MAX_INT, check_json
from tribes.i18n import _


def encode_cursor(values: Sequence[Any]) -> str:
    """An opaque cursor for a keyset position."""
    raw = json.dumps(list(values), separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, size: int) -> list[Any]:
    """Decode a cursor made by encode_cursor; 422 for anything else."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise ValidationFailed({"cursor": _("Invalid cursor.")}) from exc
    if not isinstance(values, list) or len(values) != size:
        raise ValidationFailed({"cursor": _("Invalid cursor.")})
    try:
        check_json(values)
    except ValidationFailed as exc:
        raise ValidationFailed({"cursor": _("Invalid cursor.")}) from exc
    return values


def page_limit(default: int = 50, maximum: int = 200) -> int:
    """?limit=, 1..maximum."""
    raw = request.args.get("limit")
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ValidationFailed({"limit": _("Must be an integer.")}) from exc
    if not 1 <= value <= maximum:
        raise ValidationFailed({"limit": _("Must be between 1 and %(max)s.", max=maximum)})
    return value


def int_arg(name: str) -> int | None:
    """An optional integer query argument; 422 when malformed."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = int(raw)
    except ValueError as exc:
        raise ValidationFailed({name: _("Must be an integer.")}) from exc
    if abs(value) > MAX_INT:
        raise ValidationFailed({name: _("Out of range.")})
    return value


def keyset_page(
    session: Any,
    stmt: Select[Any],
    keys: Sequence[Any],
    *,
    descending: bool = False,
    limit: int | None = None,
    cursor: str | None = None,
    key_of: Callable[[Any], Sequence[Any]] | None = None,
    parse_key: Callable[[list[Any]], list[Any]] | None = None,
) -> tuple[list[Any], str | None]:
    """Run one keyset page of `stmt` ordered by `keys` (all ascending or all descending).

    Returns (rows, next_cursor). `key_of(row)` gives the key values of a row (default:
    the attributes named like the key columns); `parse_key` converts decoded values back.
    """
    limit = page_limit() if limit is None else limit
    if cursor is None:
        cursor = request.args.get("cursor") or None
    if cursor:
        values = decode_cursor(cursor, len(keys))
        if parse_key is not None:
            try:
                values = parse_key(values)
            except (TypeError, ValueError) as exc:
                raise ValidationFailed({"cursor": _("Invalid cursor.")}) from exc
        elif not all(isinstance(v, int) for v in values):
            raise ValidationFailed({"cursor": _("Invalid cursor.")})
        left = tuple_(*keys) if len(keys) > 1 else keys[0]
        right = tuple_(*values) if len(keys) > 1 else values[0]
        stmt = stmt.where(left < right if descending else left > right)
    order = [k.desc() if descending else k.asc() for k in keys]
    rows = list(session.scalars(stmt.order_by(*order).limit(limit + 1)))
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        if key_of is None:
            vals = [getattr(last, k.key) for k in keys]
        else:
            vals = list(key_of(last))
        next_cursor = encode_cursor(vals)
    return rows, next_cursor


def cursor_after(size: int, parse_key: Callable[[list[Any]], list[Any]]) -> list[Any] | None:
    """The keyset values of ?cursor= (None without one), read as `keyset_page` reads them:
    decoded, then converted by `parse_key`; 422 for anything else. For read paths that run
    their own statement (Core rows) instead of `keyset_page`."""
    cursor = request.args.get("cursor") or None
    if not cursor:
        return None
    values = decode_cursor(cursor, size)
    try:
        return parse_key(values)
    except (TypeError, ValueError) as exc:
        raise ValidationFailed({"cursor": _("Invalid cursor.")}) from exc


def trim_page(rows: list[Any], limit: int, key_of: Callable[[Any], Sequence[Any]]) -> tuple[list[Any], str | None]:
    """A page from `limit + 1` rows: the first `limit`, and the cursor after the last of them
    when there was one more (as `keyset_page` makes it)."""
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, encode_cursor(list(key_of(rows[-1])))
