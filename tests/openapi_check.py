"""Check real API responses against the served OpenAPI document (used by every API test)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012
from werkzeug.exceptions import HTTPException

_documents: dict[int, dict[str, Any]] = {}
#: (operationId, status) of every success response validated in this test session
validated: set[tuple[str, str]] = set()


def document(app: Any) -> dict[str, Any]:
    """The app's OpenAPI document, built once per app."""
    key = id(app)
    if key not in _documents:
        from tribes.openapi import build_document

        with app.test_request_context():
            _documents[key] = build_document()
    return _documents[key]


def _validator(doc: dict[str, Any], schema: dict[str, Any]) -> Draft202012Validator:
    resource = DRAFT202012.create_resource({"components": _rebase(doc["components"])})
    registry: Registry[Any] = Registry().with_resource("urn:tribes-openapi", resource)
    root = {**schema}
    if "$ref" in root:
        root = {"$ref": "urn:tribes-openapi" + root["$ref"]}
    return Draft202012Validator(_rebase(root), registry=registry)


def _rebase(schema: Any) -> Any:
    """Point local `#/components/...` references at the registered document."""
    if isinstance(schema, dict):
        return {
            key: ("urn:tribes-openapi" + value if key == "$ref" and value.startswith("#/") else _rebase(value))
            for key, value in schema.items()
        }
    if isinstance(schema, list):
        return [_rebase(item) for item in schema]
    return schema


def response_schema(app: Any, method: str, path: str, status: int) -> dict[str, Any] | None:
    """The documented schema of this response, or None when the operation documents none."""
    parts = urlsplit(path)
    if not parts.path.startswith("/api/v1/"):
        return None
    try:
        endpoint, _ = app.url_map.bind("localhost").match(parts.path, method=method)
    except HTTPException:
        return None
    doc = document(app)
    for rule in app.url_map.iter_rules(endpoint):
        templated = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
        operation = doc["paths"].get(templated, {}).get(method.lower())
        if operation is None:
            continue
        documented = operation["responses"].get(str(status))
        if documented is None and "2XX" in operation["responses"]:
            return None
        if documented is None:
            return {"__undocumented__": str(status), "operation": operation["operationId"]}
        content = documented.get("content", {}).get("application/json")
        if content:
            return {**content["schema"], "x-operation": operation["operationId"]}
        return None
    return None


def check_response(app: Any, method: str, path: str, status: int, body: Any) -> None:
    """Fail when a successful response does not match the document."""
    if not 200 <= status < 300:
        return
    schema = response_schema(app, method, path, status)
    if schema is None:
        return
    if "__undocumented__" in schema:
        # an operation that documents its responses must document this status too
        raise AssertionError(f"{method} {path} answered {status}, not documented for {schema['operation']}")
    doc = document(app)
    operation = schema.pop("x-operation", "")
    errors = sorted(_validator(doc, schema).iter_errors(body), key=lambda e: list(e.path))
    validated.add((operation, str(status)))
    if errors:
        details = "; ".join(f"{list(e.path)}: {e.message}" for e in errors[:5])
        raise AssertionError(f"{method} {path} ({status}) does not match its documented schema: {details}")


def documented_successes() -> set[tuple[str, str]]:
    """(operationId, status) of every documented JSON success response of the apps seen."""
    found: set[tuple[str, str]] = set()
    for doc in _documents.values():
        for operations in doc["paths"].values():
            for operation in operations.values():
                for status, response in operation["responses"].items():
                    if status.startswith("2") and "content" in response:
                        found.add((operation["operationId"], status))
    return found
