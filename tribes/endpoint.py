"""The JSON edge in one place: parse → service → commit → serialise.

Every /api/v1 view is declared with `@endpoint(...)`. The view receives the validated body
as `data` (when a body schema is given), calls one service function and returns what the
response schema describes: an instance of it, a `Page` of its items, or None (204). The
decorator commits the request's one transaction and serialises; an exception rolls back
(errors.py) and nothing is committed. The OpenAPI document reads the schemas recorded here.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

from flask import Response, jsonify
from pydantic import BaseModel, ConfigDict, PlainSerializer

from tribes.extensions import db
from tribes.http import parse

T = TypeVar("T")


def _iso(value: datetime) -> str:
    return value.isoformat()


#: a UTC timestamp written as Python's isoformat ("2026-11-30T18:00:00+00:00"), as the contract shows
Timestamp = Annotated[datetime, PlainSerializer(_iso, return_type=str)]


class Out(BaseModel):
    """Base of every response schema: read from attributes, extra keys forbidden."""

    model_config = ConfigDict(from_attributes=True, extra="forbid")


class Page(Out, Generic[T]):
    """The contract's list document: `{items, next_cursor}`."""

    items: list[T]
    next_cursor: str | None


def commit() -> None:
    """Commit the request's transaction (the one place an edge commits)."""
    db.session.commit()


def commit_successful_request(response: Response) -> Response:
    """The one commit of every page (and of any request that read only, for its "last
    seen" stamp): when the response is a success or a redirect, the request's transaction
    commits; errors.py rolls failures back, and views and forms never commit themselves."""
    if response.status_code < 400 and db.registry().in_transaction():
        commit()
    return response


def endpoint(
    response: Any = None,
    *,
    status: int = 200,
    body: type[BaseModel] | None = None,
    paged: bool = False,
    also: tuple[int, ...] = (),
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare a JSON view: its body schema, its response schema and success status.

    The view may return the response object, `(object, status)` for a view with two
    success statuses (the other ones named in `also`), None for 204, or a ready Flask
    Response (downloads).
    """

    def wrap(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def run(*args: Any, **kwargs: Any) -> Any:
            if body is not None:
                kwargs["data"] = parse(body)
            result = view(*args, **kwargs)
            code = status
            if isinstance(result, tuple):
                result, code = result
            commit()
            if isinstance(result, Response):
                return result
            if result is None:
                return "", 204
            if isinstance(result, BaseModel):
                payload = result.model_dump(mode="json")
            else:
                payload = result
            return jsonify(payload), code

        run._tribes_body = body  # type: ignore[attr-defined]
        run._tribes_response = response  # type: ignore[attr-defined]
        run._tribes_status = status  # type: ignore[attr-defined]
        run._tribes_also = also  # type: ignore[attr-defined]
        run._tribes_paged = paged  # type: ignore[attr-defined]
        return run

    return wrap
