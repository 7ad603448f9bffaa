"""Error bodies: hidden means 404 (byte-identical), unknown paths, wrong methods, bad JSON."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

TRIBE_SCOPED = re.compile(r"^/api/v1/tribes/<(?:string:)?slug>")
#: endpoints of the groups feature, whose lookups come before any body parsing
GROUPS = "groups_api."


def fill(rule: str, slug: str, user_id: int, invite_id: int) -> str:
    """A concrete path for a rule: the slug given, real-looking ids elsewhere."""
    path = re.sub(r"<(?:string:)?slug>", slug, rule)
    path = re.sub(r"<int:user_id>", str(user_id), path)
    path = re.sub(r"<int:invite_id>", str(invite_id), path)
    path = re.sub(r"<int:[a-z_]+>", "1", path)
    return re.sub(r"<(?:[a-z]+:)?[a-z_]+>", "abc", path)


def test_secret_tribe_is_byte_identical_to_missing(app: Any, make_user: Any, make_tribe: Any) -> None:
    member, outsider = make_user(), make_user()
    tribe = make_tribe(name="Hidden", members=[member])
    slug, owner = tribe["slug"], tribe["owner"]
    invite_id = owner.post(f"tribes/{slug}/invites", {}).get_json()["id"]
    owner.post(f"tribes/{slug}/bans", {"user_id": member.user["id"], "reason": "x"})
    rules = [r for r in app.url_map.iter_rules() if TRIBE_SCOPED.match(r.rule)]
    assert len(rules) >= 8
    checked = 0
    for rule in rules:
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            answers = []
            for candidate in (slug, "never-existed-slug"):
                path = fill(rule.rule, candidate, member.user["id"], invite_id)
                answers.append(outsider.http.open(path, method=method, headers={"X-CSRF-Token": outsider.csrf}))
            hidden, missing = answers
            where = f"{method} {rule.rule}"
            assert hidden.status_code == missing.status_code, where
            assert hidden.data == missing.data, where
            if rule.endpoint.startswith(GROUPS) or method in ("GET", "DELETE"):
                assert hidden.status_code == 404, where
                assert hidden.get_json() == {"error": {"code": "not_found", "message": "Not found."}}
            checked += 1
    assert checked >= 12


def test_banned_former_member_sees_missing_too(make_user: Any, make_tribe: Any) -> None:
    gone = make_user()
    tribe = make_tribe(members=[gone])
    tribe["owner"].post(f"tribes/{tribe['slug']}/bans", {"user_id": gone.user["id"], "reason": ""})
    for suffix in ("", "/members", "/invites", "/bans", "/invite-tree"):
        hidden = gone.get(f"tribes/{tribe['slug']}{suffix}")
        missing = gone.get(f"tribes/nothing-here{suffix}")
        assert hidden.status_code == 404 and hidden.data == missing.data


def test_message_does_not_echo_the_slug(make_user: Any) -> None:
    response = make_user().get("tribes/some-very-particular-slug/members")
    assert response.status_code == 404
    assert b"particular" not in response.data


def test_unknown_api_path_is_json_404(client: Any) -> None:
    response = client.get("/api/v1/no/such/thing")
    assert response.status_code == 404
    assert response.is_json
    assert response.get_json() == {"error": {"code": "not_found", "message": "Not found."}}


def test_wrong_method_is_json_405(make_user: Any) -> None:
    api = make_user()
    response = api.http.put("/api/v1/me", json={}, headers={"X-CSRF-Token": api.csrf})
    assert response.status_code == 405
    assert response.get_json()["error"]["code"] == "method_not_allowed"
    assert "GET" in response.headers["Allow"]


@pytest.mark.parametrize(
    "raw",
    [b"{not json", b"[1, 2]", b"\xff\xfe", b"null", b'"text"', b"[" * 5000 + b"]" * 5000, b'{"a": 1e400}'],
)
def test_malformed_json_is_422(make_user: Any, raw: bytes) -> None:
    api = make_user()
    response = api.http.patch(
        "/api/v1/me", data=raw, content_type="application/json", headers={"X-CSRF-Token": api.csrf}
    )
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed" and error["fields"]


def test_too_large_body_is_413_json(make_user: Any) -> None:
    api = make_user()
    response = api.patch("me", {"bio": "x" * (1024 * 1024 + 1)})
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "payload_too_large"


def test_null_bytes_are_refused_not_stored(make_user: Any) -> None:
    api = make_user()
    response = api.patch("me", {"bio": "a\u0000b"})
    assert response.status_code == 422
    assert api.get("tribes/a%00b").status_code == 404
    assert api.get("tribes/directory?cursor=%00").status_code == 422
    assert api.get("me").get_json()["bio"] == ""


def test_huge_numbers_are_refused(make_user: Any, make_tribe: Any) -> None:
    tribe = make_tribe()
    owner = tribe["owner"]
    big = owner.post(f"tribes/{tribe['slug']}/bans", {"user_id": 10**30, "reason": ""})
    assert big.status_code == 422
    assert owner.get(f"tribes/{tribe['slug']}/members/{10**30}").status_code in (404, 405)
    assert owner.delete(f"tribes/{tribe['slug']}/members/{10**30}").status_code == 404
    assert owner.get("tribes?limit=99999999999999999999999").status_code == 422


@pytest.mark.parametrize("query", ["limit=abc", "limit=0", "limit=201", "cursor=!!", "cursor=bm90IGEgbGlzdA"])
def test_bad_paging_arguments(make_tribe: Any, query: str) -> None:
    tribe = make_tribe()
    response = tribe["owner"].get(f"tribes/{tribe['slug']}/members?{query}")
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "validation_failed"


def has_route(app: Any, rule: str) -> bool:
    """Whether a route exists (features land independently)."""
    return any(r.rule == rule for r in app.url_map.iter_rules())


def test_messages_and_meetups_of_a_secret_tribe_look_missing(app: Any, make_user: Any, make_tribe: Any) -> None:
    if not (has_route(app, "/api/v1/messages/<int:message_id>") or has_route(app, "/api/v1/meetups/<int:meetup_id>")):
        pytest.skip("neither the chat nor the meetups routes exist yet")
    outsider = make_user()
    tribe = make_tribe(name="Hidden")
    owner, slug = tribe["owner"], tribe["slug"]
    targets: list[tuple[str, str, Any]] = []
    if has_route(app, "/api/v1/messages/<int:message_id>"):
        message = owner.post(f"tribes/{slug}/messages", {"body": "secret words", "client_id": "c-1"})
        assert message.status_code == 201, message.get_json()
        mid = message.get_json()["id"]
        targets += [("PATCH", f"messages/{mid}", {"body": "x"}), ("DELETE", f"messages/{mid}", None)]
    if has_route(app, "/api/v1/meetups/<int:meetup_id>"):
        meetup = owner.post(
            f"tribes/{slug}/meetups",
            {"title": "Hidden", "starts_at": "2030-01-01T18:00:00", "ends_at": "2030-01-01T20:00:00", "timezone": "Europe/Berlin"},
        )
        assert meetup.status_code == 201, meetup.get_json()
        eid = meetup.get_json()["id"]
        for suffix in ("", "/attendees", "/ics"):
            targets.append(("GET", f"meetups/{eid}{suffix}", None))
        targets += [("PUT", f"meetups/{eid}/rsvp", {"status": "going"}), ("PATCH", f"meetups/{eid}", {"title": "x"})]
        targets.append(("POST", f"meetups/{eid}/cancel", {}))
    for method, path, payload in targets:
        missing_path = re.sub(r"/\d+", "/987654", path, count=1)
        hidden = outsider._call(method, path, payload)
        missing = outsider._call(method, missing_path, payload)
        assert hidden.status_code == 404, (method, path, hidden.get_json())
        assert hidden.data == missing.data, (method, path)


def test_unexpected_exception_is_500_in_the_error_shape(app: Any) -> None:
    from flask import Flask

    from tribes.errors import register_error_handlers

    tiny = Flask(__name__)
    register_error_handlers(tiny)

    @tiny.get("/api/v1/boom")
    def boom() -> Any:
        raise RuntimeError("secret internals")

    with app.app_context():  # the database session the handler rolls back
        response = tiny.test_client().get("/api/v1/boom")
    assert response.status_code == 500
    assert response.get_json() == {"error": {"code": "internal_error", "message": "Something went wrong on our side."}}
    assert b"secret internals" not in response.data


@pytest.mark.parametrize("value", ["100000000000000000000", "9007199254740993", 1e20, "-9007199254740993"])
def test_ids_beyond_2_to_the_53_are_422_also_as_strings(make_user: Any, make_tribe: Any, value: Any) -> None:
    member = make_user()
    tribe = make_tribe(members=[member])
    owner = tribe["owner"]
    before = owner.get("blocks").get_json()
    response = owner.post("blocks", {"user_id": value})
    assert response.status_code == 422, response.data
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed" and list(error["fields"]) == ["user_id"]
    banned = owner.post(f"tribes/{tribe['slug']}/bans", {"user_id": value, "reason": ""})
    assert banned.status_code == 422 and "user_id" in banned.get_json()["error"]["fields"]
    assert owner.get("blocks").get_json() == before
    assert owner.post("blocks", {"user_id": str(member.user["id"])}).status_code == 201, "numeric strings still work"


def test_path_ids_beyond_64_bits_are_404(make_user: Any) -> None:
    api = make_user()
    missing = api.get(f"users/{2**52}")
    for path in ("users/100000000000000000000", "users/9007199254740993"):
        response = api.get(path)
        assert response.status_code == 404 and response.data == missing.data
    assert api.delete("blocks/100000000000000000000").data == api.delete("blocks/1").data


@pytest.mark.parametrize("value", ["100000000000000000000", str(2**63), "9007199254740993"])
def test_page_form_ids_beyond_the_contract_are_refused_like_other_non_ids(
    make_user: Any, make_tribe: Any, value: str,
) -> None:
    """Ids typed into page forms follow the API's rule (at most 2^53 - 1): a larger number is
    refused like any other non-id, never passed to the database (SQLite: 500 beyond 2^63)."""
    member = make_user("Member Mia")
    tribe = make_tribe(members=[member])
    owner, slug = tribe["owner"], tribe["slug"]
    answers = [
        owner.http.post(f"/t/{slug}/admin/ownership", data={"csrf_token": owner.csrf, "user_id": raw})
        for raw in (value, "nobody")
    ]
    assert [a.status_code for a in answers] == [302, 302]
    assert answers[0].location == answers[1].location
    roles = {m["user"]["id"]: m["role"] for m in owner.get(f"tribes/{slug}/members").get_json()["items"]}
    assert roles == {owner.user["id"]: "owner", member.user["id"]: "member"}
    started = [
        member.http.post("/messages/new", data={"csrf_token": member.csrf, "user_ids": [raw], "body": "hi"})
        for raw in (value, "nobody")
    ]
    assert [s.status_code for s in started] == [404, 404]
    assert member.get("conversations").get_json()["items"] == []


def test_a_megabyte_of_unknown_keys_answers_a_small_422(make_user: Any) -> None:
    api = make_user()
    keys = {f"k{n:06d}": 0 for n in range(72000)}
    raw = json.dumps(keys).encode()
    assert 900_000 < len(raw) < 1024 * 1024
    response = api.http.patch("/api/v1/me", data=raw, content_type="application/json",
                              headers={"X-CSRF-Token": api.csrf})
    assert response.status_code == 422
    assert len(response.data) < 4096
    fields = response.get_json()["error"]["fields"]
    assert len(fields) <= 21 and fields["k000000"] == "This field is not known here."
    assert "body" in fields, "the answer says that not every error is listed"


def test_a_few_unknown_keys_and_bad_fields_are_all_listed(make_user: Any) -> None:
    api = make_user()
    response = api.patch("me", {"display_name": "", "colour": "blue", "size": 3})
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert set(fields) == {"display_name", "colour", "size"}


def test_banning_a_missing_user_answers_like_a_stranger(make_user: Any, make_tribe: Any) -> None:
    tribe = make_tribe()
    owner, slug = tribe["owner"], tribe["slug"]
    stranger = make_user()
    for dry_run in (False, True):
        body = {"reason": "spam", "dry_run": dry_run}
        missing = owner.post(f"tribes/{slug}/bans", {**body, "user_id": stranger.user["id"] % (2**52) + 1})
        existing = owner.post(f"tribes/{slug}/bans", {**body, "user_id": stranger.user["id"]})
        assert existing.status_code == 404
        assert (missing.status_code, missing.data) == (existing.status_code, existing.data)
    assert owner.get(f"tribes/{slug}/bans").get_json()["items"] == []
