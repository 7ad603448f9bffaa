"""GET /api/v1/openapi.json: a valid OpenAPI 3.1 document of every route, from the schemas."""

from __future__ import annotations

import re
from typing import Any

from openapi_spec_validator import validate

from tribes.accounts.schemas import RegisterIn
from tribes.groups.schemas import InviteIn, TribeIn


def document(client: Any) -> dict[str, Any]:
    """The served document (no login needed)."""
    response = client.get("openapi.json")
    assert response.status_code == 200
    return response.get_json()


def test_document_is_valid_openapi_31(client: Any) -> None:
    doc = document(client)
    assert doc["openapi"].startswith("3.1")
    validate(doc)


def test_every_api_route_is_listed(app: Any, client: Any) -> None:
    paths = document(client)["paths"]
    expected = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint.startswith("openapi."):
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
            expected.add((path, method.lower()))
    listed = {(path, method) for path, ops in paths.items() for method in ops}
    assert expected <= listed
    assert ("/tribes/{slug}/invites", "post") in listed
    assert ("/auth/login", "post") in listed


def test_request_bodies_come_from_the_validating_schemas(client: Any) -> None:
    doc = document(client)
    schemas = doc["components"]["schemas"]
    for path, method, model in (
        ("/auth/register", "post", RegisterIn),
        ("/tribes", "post", TribeIn),
        ("/tribes/{slug}/invites", "post", InviteIn),
    ):
        ref = doc["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        name = ref.rsplit("/", 1)[-1]
        assert name == model.__name__
        assert schemas[name] == model.model_json_schema(ref_template="#/components/schemas/{model}")
    invite = schemas["InviteIn"]["properties"]
    assert (invite["max_uses"]["minimum"], invite["max_uses"]["maximum"]) == (1, 1000)
    assert set(schemas["RegisterIn"]["required"]) == {"email", "password", "display_name"}
    assert doc["paths"]["/auth/register"]["post"].get("security") is None
    assert doc["paths"]["/tribes"]["post"]["security"] == [{"session": []}]


def test_paged_lists_document_limit_and_cursor(client: Any) -> None:
    paths = document(client)["paths"]
    for path in ("/tribes", "/tribes/directory", "/tribes/{slug}/members", "/tribes/{slug}/invites"):
        names = {p["name"]: p for p in paths[path]["get"]["parameters"]}
        assert names["limit"]["schema"]["maximum"] == 200 and names["cursor"]["in"] == "query"
    members = {p["name"] for p in paths["/tribes/{slug}/members"]["get"]["parameters"]}
    assert members == {"slug", "limit", "cursor"}


def test_responses_are_checked_against_the_document(app: Any) -> None:
    """The check every API test runs: a body that strays from the document fails the test."""
    import pytest

    from tests.openapi_check import check_response

    good = {"items": [{"id": 1, "kind": "mention", "created_at": "2026-11-30T10:00:00+00:00",
                       "read": False, "data": {}, "text": "Ada mentioned you in Berlin.", "url": None}], "next_cursor": None}
    check_response(app, "GET", "/api/v1/notifications", 200, good)
    for bad in (
        {"items": [{**good["items"][0], "id": "1"}], "next_cursor": None},
        {"items": [{**good["items"][0], "extra": 1}], "next_cursor": None},
        {"items": []},
    ):
        with pytest.raises(AssertionError):
            check_response(app, "GET", "/api/v1/notifications", 200, bad)


#: blueprints whose every /api/v1 endpoint declares its response (extend when a feature converts)
FEATURES_TYPED = {
    "accounts_api", "privacy_api", "contacts_api", "notifications_api", "groups_api", "chat_api",
    "meetups_api", "moderation_api", "mail_api", "joining_api", "siteadmin_api", "announcements_api",
}
#: endpoints that answer a download (a ready Response) rather than a JSON document
DOWNLOADS = {"privacy_api.export", "meetups_api.meetup_ics", "meetups_api.get_csv"}


def test_every_response_has_a_schema(app: Any, client: Any) -> None:
    seen = set()
    for rule in app.url_map.iter_rules():
        blueprint = rule.endpoint.split(".")[0]
        if not rule.rule.startswith("/api/v1/") or not blueprint.endswith("_api"):
            continue
        seen.add(blueprint)
        view = app.view_functions[rule.endpoint]
        if rule.endpoint in DOWNLOADS or getattr(view, "_tribes_status", None) == 204:
            continue
        response = getattr(view, "_tribes_response", None)
        assert response is not None, f"{rule.endpoint} has no response schema"
        is_list = "items" in getattr(response, "model_fields", {}) and "next_cursor" in response.model_fields
        assert is_list == bool(getattr(view, "_tribes_paged", False)), f"{rule.endpoint}: a list must be paged"
    assert seen == FEATURES_TYPED
    paths = document(client)["paths"]
    for path, method, status in (("/me/sessions", "get", "200"), ("/contacts", "get", "200"),
                                 ("/contacts/requests", "post", "202"), ("/contacts/requests", "post", "200"),
                                 ("/users/{user_id}", "get", "200"), ("/auth/session", "get", "200")):
        assert "$ref" in paths[path][method]["responses"][status]["content"]["application/json"]["schema"]
