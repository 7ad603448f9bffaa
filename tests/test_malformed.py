"""Every /api/v1 endpoint and method, fed malformed bodies and odd queries: never a 500.

The endpoints are read from app.url_map, so features that land later are covered too.
Each endpoint gets a fresh user and tribe, so destructive endpoints (logout, delete) do
not spoil the others.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from pydantic import BaseModel

from tribes.siteadmin.hooks import in_site_area

QUERY = (
    "limit=abc&cursor=!!&before=x&after=-1&from=zzz&to=2026-13-45&status=%00&unread=maybe"
    "&q=%ff%fe&tribe=%00&page=99999999999999999999999999"
)


def field_names(view: Any) -> list[str]:
    """The fields of the view's request schema (if it declares one), else common names."""
    schema = getattr(view, "_tribes_body", None)
    if isinstance(schema, type) and issubclass(schema, BaseModel):
        return list(schema.model_fields)
    return ["name", "body", "user_id", "status", "ids", "reason"]


def bodies(view: Any) -> list[tuple[str, bytes]]:
    """(label, raw JSON body) pairs that no endpoint should answer with a 500."""
    names = field_names(view)
    out: list[tuple[str, bytes]] = [
        ("not json", b"{this is not json"),
        ("array", b"[1, 2, 3]"),
        ("scalar", b"42"),
        ("invalid utf-8", b'{"a": "\xff\xfe"}'),
        ("deep", b'{"a": ' + b"[" * 3000 + b"]" * 3000 + b"}"),
        ("1 MB string", b'{"%s": "%s"}' % (names[0].encode(), b"x" * (1024 * 1024 + 16))),
    ]
    wrong_values: list[tuple[str, str]] = [
        ("lists", "[]"),
        ("objects", '{"x": {"y": [null]}}'),
        ("huge ints", "1" + "0" * 40),
        ("big ints", "9223372036854775808"),
        ("huge numeric strings", '"100000000000000000000"'),
        ("unsafe numeric strings", '"9007199254740993"'),
        ("whole floats beyond 2^53", "1e20"),
        ("negative", "-1"),
        ("floats", "1e308"),
        ("bools", "true"),
        ("nulls", "null"),
        ("null bytes", '"a\\u0000b"'),
        ("lone surrogate", '"\\ud800"'),
        ("long strings", '"' + "y" * 70000 + '"'),
        ("dates", '"2026-02-30T25:61:00+99:00"'),
    ]
    for label, value in wrong_values:
        raw = "{" + ", ".join(f'"{n}": {value}' for n in names) + "}"
        out.append((label, raw.encode()))
    return out


def created_id(response: Any) -> int | None:
    """The id in a successful creation answer, or None (the feature may not exist yet)."""
    body = response.get_json(silent=True)
    if response.status_code < 300 and isinstance(body, dict) and isinstance(body.get("id"), int):
        return body["id"]
    return None


def world(make_user: Any, make_tribe: Any) -> dict[str, Any]:
    """A logged-in owner with a tribe, a member, an invite and, where those features exist,
    a message, a meetup, a report and a contact request to the owner."""
    member = make_user()
    tribe = make_tribe(members=[member])
    owner, slug = tribe["owner"], tribe["slug"]
    invite = owner.post(f"tribes/{slug}/invites", {"max_uses": 5}).get_json()
    ids: dict[str, int | None] = {"user_id": member.user["id"], "invite_id": invite["id"]}
    ids["session_id"] = owner.get("me/sessions").get_json()["items"][0]["id"]
    ids["message_id"] = created_id(owner.post(f"tribes/{slug}/messages", {"body": "hello", "client_id": "m1"}))
    ids["meetup_id"] = created_id(
        owner.post(
            f"tribes/{slug}/meetups",
            {"title": "Meet", "starts_at": "2031-05-01T18:00:00", "ends_at": "2031-05-01T20:00:00", "timezone": "Europe/Paris"},
        )
    )
    if ids["message_id"]:
        ids["report_id"] = created_id(
            member.post("reports", {"tribe": slug, "target_type": "message", "target_id": ids["message_id"], "reason": "spam"})
        )
    ids["request_id"] = created_id(member.post("contacts/requests", {"user_id": owner.user["id"], "message": "hi"}))
    return {"owner": owner, "slug": slug, "ids": ids, "invite": invite}


def concrete(rule: Any, w: dict[str, Any]) -> str:
    """Fill a rule's path parameters with existing-looking values."""

    def value(match: re.Match[str]) -> str:
        converter, name = match.group(1) or "", match.group(2)
        if name == "slug":
            return w["slug"]
        if name == "token":
            return w["invite"]["token"]
        if converter.startswith("int"):
            return str(w["ids"].get(name) or 1)
        return "abc"

    return re.sub(r"<(?:([a-z]+(?:\([^)]*\))?):)?([a-z_]+)>", value, rule.rule)


def check(response: Any, where: str, problems: list[str]) -> None:
    """No 5xx; every 4xx in the contract's error shape."""
    status = response.status_code
    if status >= 500:
        problems.append(f"{where}: {status} {response.data[:200]!r}")
    elif status >= 400:
        body = response.get_json(silent=True)
        error = body.get("error") if isinstance(body, dict) else None
        if not (isinstance(error, dict) and isinstance(error.get("code"), str) and isinstance(error.get("message"), str)):
            problems.append(f"{where}: {status} without the error shape: {response.data[:200]!r}")


def api_rules(app: Any) -> list[Any]:
    """Every /api/v1 rule, in a stable order."""
    rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/api/v1/")]
    return sorted(rules, key=lambda r: (r.rule, r.endpoint))


def test_every_endpoint_survives_malformed_input(app: Any, make_user: Any, make_tribe: Any) -> None:
    problems: list[str] = []
    rules = api_rules(app)
    assert len(rules) >= 25
    reads = world(make_user, make_tribe)  # GETs change nothing: they share one world
    for rule in rules:
        view = app.view_functions[rule.endpoint]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            w = reads if method == "GET" else world(make_user, make_tribe)
            api = w["owner"]
            path = concrete(rule, w)
            headers = {"X-CSRF-Token": api.csrf}
            check(api.http.open(f"{path}?{QUERY}", method=method, headers=headers), f"{method} {path}?query", problems)
            if method == "GET":
                continue
            for label, raw in bodies(view):
                response = api.http.open(
                    path, method=method, data=raw, content_type="application/json", headers=headers
                )
                check(response, f"{method} {rule.rule} [{label}]", problems)
                if response.status_code == 401 or b"csrf_failed" in response.data:
                    # the request ended the session (logout, revoke, delete me): start afresh
                    w = world(make_user, make_tribe)
                    api = w["owner"]
                    path = concrete(rule, w)
                    headers = {"X-CSRF-Token": api.csrf}
    assert not problems, "\n".join(problems)


def test_every_endpoint_answers_anonymous_callers_cleanly(app: Any, client: Any) -> None:
    problems: list[str] = []
    token = secrets.token_urlsafe(16)
    for rule in api_rules(app):
        w = {"slug": "some-tribe", "ids": {}, "invite": {"id": 1, "token": token}}
        path = concrete(rule, w)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            response = client.http.open(path, method=method, data=b"{bad", content_type="application/json")
            check(response, f"anonymous {method} {path}", problems)
            view = app.view_functions[rule.endpoint]
            if in_site_area(path):  # the site administration is hidden: 404 like a missing path
                if response.status_code != 404:
                    problems.append(f"anonymous {method} {path}: {response.status_code}, expected 404")
            elif not getattr(view, "_tribes_public", False) and rule.endpoint != "openapi.openapi_json":
                if response.status_code != 401:
                    problems.append(f"anonymous {method} {path}: {response.status_code}, expected 401")
    assert not problems, "\n".join(problems)
