"""GET /api/v1/openapi.json: an OpenAPI 3.1 document built from the routes and their schemas."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, current_app, jsonify
from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode

from tribes.http import public

bp = Blueprint("openapi", __name__, url_prefix="/api/v1")

_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": {"type": "string"}},
            },
        }
    },
}


_PAGING = (
    {
        "name": "limit",
        "in": "query",
        "required": False,
        "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50},
    },
    {
        "name": "cursor",
        "in": "query",
        "required": False,
        "description": "The next_cursor of the previous page (opaque).",
        "schema": {"type": "string"},
    },
)


def component_name(model: type[BaseModel]) -> str:
    """The component name of a schema (generic names like Page[X] made URL-safe)."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", model.__name__).strip("_")


def _component(schemas: dict[str, Any], model: type[BaseModel], mode: JsonSchemaMode) -> str:
    """Add a schema (and the schemas it refers to) to the components; returns its name."""
    name = component_name(model)
    json_schema = model.model_json_schema(ref_template="#/components/schemas/{model}", mode=mode)
    for sub_name, sub in json_schema.pop("$defs", {}).items():
        schemas.setdefault(sub_name, sub)
    schemas[name] = json_schema
    return name


def build_document() -> dict[str, Any]:
    """Walk the URL map; every /api/v1 route becomes an operation, with its request schema."""
    paths: dict[str, dict[str, Any]] = {}
    schemas: dict[str, Any] = {"Error": _ERROR}
    for rule in current_app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint.startswith("openapi."):
            continue
        view = current_app.view_functions[rule.endpoint]
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
        params = [
            {
                "name": name,
                "in": "path",
                "required": True,
                "schema": {"type": "integer" if f"<int:{name}>" in rule.rule else "string"},
            }
            for name in re.findall(r"\{([a-z_]+)\}", path)
        ]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            doc = (view.__doc__ or "").strip().splitlines()
            op: dict[str, Any] = {
                "operationId": f"{rule.endpoint}.{method.lower()}",
                "summary": doc[0] if doc else rule.endpoint,
                "tags": [rule.endpoint.split(".")[0].removesuffix("_api")],
                "responses": {
                    "default": {
                        "description": "Error",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                    },
                    "2XX": {"description": "Success"},
                },
            }
            query = list(_PAGING) if getattr(view, "_tribes_paged", False) else []
            if params or query:
                op["parameters"] = params + query
            if not getattr(view, "_tribes_public", False):
                op["security"] = [{"session": []}]
            schema = getattr(view, "_tribes_body", None)
            if schema is not None:
                name = _component(schemas, schema, "validation")
                op["requestBody"] = {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}},
                }
            response = getattr(view, "_tribes_response", None)
            status = str(getattr(view, "_tribes_status", 200))
            if response is not None:
                name = _component(schemas, response, "serialization")
                op["responses"].pop("2XX")
                for code in (status, *map(str, getattr(view, "_tribes_also", ()))):
                    op["responses"][code] = {
                        "description": doc[0] if doc else "Success",
                        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}},
                    }
            elif getattr(view, "_tribes_status", None) == 204:
                op["responses"].pop("2XX")
                op["responses"]["204"] = {"description": "Done; no body."}
            paths.setdefault(path, {})[method.lower()] = op
    return {
        "openapi": "3.1.0",
        "info": {"title": "Tribes API", "version": "1"},
        "servers": [{"url": "/api/v1"}],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "tribes_session"}
            },
        },
    }


@bp.get("/openapi.json")
@public
def openapi_json() -> Any:
    """The OpenAPI 3.1 document of every endpoint."""
    return jsonify(build_document())
