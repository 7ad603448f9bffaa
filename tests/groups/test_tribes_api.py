"""Tribes: create, list, directory, get, patch, delete, roles, members, leave, remove, bans."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import join

TRIBE_KEYS = {"slug", "name", "description", "visibility", "invite_policy", "member_count", "my_role", "created_at"}
CARD_KEYS = {"slug", "name", "description", "member_count"}


def test_create_tribe(make_user: Any) -> None:
    api = make_user()
    response = api.post("tribes", {"name": "Rust Berlin — Meetup!", "description": "Hi"})
    assert response.status_code == 201
    tribe = response.get_json()
    assert TRIBE_KEYS <= set(tribe)
    assert tribe["slug"] == "rust-berlin-meetup"
    assert (tribe["visibility"], tribe["invite_policy"], tribe["my_role"]) == ("secret", "admins", "owner")
    assert tribe["member_count"] == 1
    again = api.post("tribes", {"name": "Rust Berlin Meetup"})
    assert again.status_code == 201
    assert again.get_json()["slug"].startswith("rust-berlin-meetup-")
    taken = api.post("tribes", {"name": "Other", "slug": "rust-berlin-meetup"})
    assert taken.status_code == 409
    assert taken.get_json()["error"]["code"] == "conflict"


@pytest.mark.parametrize("slug", ["ab", "x" * 65, "Upper", "with space", "under_score", "émoji"])
def test_bad_slugs(make_user: Any, slug: str) -> None:
    response = make_user().post("tribes", {"name": "Name", "slug": slug})
    assert response.status_code == 422
    assert "slug" in response.get_json()["error"]["fields"]


def test_good_slug_edges(make_user: Any) -> None:
    api = make_user()
    assert api.post("tribes", {"name": "N", "slug": "abc"}).status_code == 201
    assert api.post("tribes", {"name": "N", "slug": "a-" + "z" * 62}).status_code == 201
    assert api.post("tribes", {"name": "日本語"}).get_json()["slug"]


def test_list_my_tribes_paged(make_user: Any, make_tribe: Any) -> None:
    api, other = make_user(), make_user()
    for n in range(3):
        make_tribe(owner=api, name=f"Mine {n}")
    make_tribe(owner=other, name="Not mine")
    first = api.get("tribes?limit=2").get_json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    second = api.get(f"tribes?limit=2&cursor={first['next_cursor']}").get_json()
    names = [t["name"] for t in first["items"] + second["items"]]
    assert sorted(names) == ["Mine 0", "Mine 1", "Mine 2"]
    assert second["next_cursor"] is None
    assert all(t["my_role"] == "owner" for t in first["items"])


def test_directory_lists_only_listed_tribes_as_cards(make_user: Any, make_tribe: Any) -> None:
    make_tribe(name="Secret one")
    make_tribe(name="Listed one", visibility="listed", description="Open to see")
    response = make_user().get("tribes/directory")
    assert response.status_code == 200
    items = response.get_json()["items"]
    assert [i["name"] for i in items] == ["Listed one"]
    assert set(items[0]) == CARD_KEYS


def test_get_tribe_member_outsider_and_secret(make_user: Any, make_tribe: Any) -> None:
    member, outsider = make_user(), make_user()
    listed = make_tribe(name="Listed", visibility="listed", members=[member])
    secret = make_tribe(name="Secret")
    got = member.get(f"tribes/{listed['slug']}")
    assert got.status_code == 200
    assert TRIBE_KEYS <= set(got.get_json()) and got.get_json()["my_role"] == "member"
    card = outsider.get(f"tribes/{listed['slug']}")
    # the directory card plus how to ask to join ("Joining a listed tribe")
    assert card.status_code == 200
    assert set(card.get_json()) == CARD_KEYS | {"join_requests", "join_questions", "my_join_request"}
    hidden = outsider.get(f"tribes/{secret['slug']}")
    missing = outsider.get("tribes/never-existed")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.data == missing.data


def test_patch_tribe(make_user: Any, make_tribe: Any) -> None:
    admin, member = make_user(), make_user()
    tribe = make_tribe(members=[admin, member])
    slug, owner = tribe["slug"], tribe["owner"]
    assert owner.patch(f"tribes/{slug}/members/{admin.user['id']}", {"role": "admin"}).status_code == 200
    response = admin.patch(
        f"tribes/{slug}", {"name": "Renamed", "visibility": "listed", "invite_policy": "members", "description": "d"}
    )
    assert response.status_code == 200
    data = response.get_json()
    assert (data["name"], data["visibility"], data["invite_policy"], data["description"]) == (
        "Renamed", "listed", "members", "d",
    )
    assert member.patch(f"tribes/{slug}", {"name": "Nope"}).status_code == 403
    assert owner.patch(f"tribes/{slug}", {"visibility": "public"}).status_code == 422
    assert member.get(f"tribes/{slug}").get_json()["name"] == "Renamed"


def test_delete_tribe_owner_only(make_user: Any, make_tribe: Any) -> None:
    admin = make_user()
    tribe = make_tribe(members=[admin])
    slug, owner = tribe["slug"], tribe["owner"]
    owner.patch(f"tribes/{slug}/members/{admin.user['id']}", {"role": "admin"})
    assert admin.delete(f"tribes/{slug}").status_code == 403
    assert owner.delete(f"tribes/{slug}").status_code == 204
    assert owner.get(f"tribes/{slug}").status_code == 404
    assert admin.get("tribes").get_json()["items"] == []


def test_role_rules(make_user: Any, make_tribe: Any) -> None:
    admin, admin2, org, mem = make_user(), make_user(), make_user(), make_user()
    tribe = make_tribe(members=[admin, admin2, org, mem])
    slug, owner = tribe["slug"], tribe["owner"]
    url = f"tribes/{slug}/members/"

    def role(actor: Any, target: Any, value: str) -> int:
        return actor.patch(url + str(target.user["id"]), {"role": value}).status_code

    assert role(owner, admin, "admin") == 200
    assert role(owner, admin2, "admin") == 200
    assert role(admin, org, "organiser") == 200
    assert role(admin, mem, "organiser") == 200
    assert role(admin, mem, "member") == 200
    assert role(admin, mem, "admin") == 403  # admins only hand out organiser/member
    assert role(admin, admin2, "member") == 403  # not on other admins
    assert role(admin, owner, "member") == 403  # nor owners
    assert role(org, mem, "organiser") == 403
    assert role(mem, mem, "owner") == 403
    assert owner.patch(url + "999999", {"role": "member"}).status_code == 404
    assert role(owner, owner, "admin") == 409  # the last owner cannot step down
    assert owner.patch(url + str(owner.user["id"]), {"role": "admin"}).get_json()["error"]["code"] == "sole_owner"
    assert role(owner, admin, "owner") == 200
    assert role(owner, owner, "member") == 200  # now there is another owner
    assert role(owner, admin, "member") == 403
    members = {m["user"]["id"]: m["role"] for m in admin.get(f"tribes/{slug}/members").get_json()["items"]}
    assert members[owner.user["id"]] == "member" and members[admin.user["id"]] == "owner"
    assert admin.patch(url + str(mem.user["id"]), {"role": "king"}).status_code == 422


def test_members_list_shape_paging_and_query_count(make_user: Any, make_tribe: Any, count_queries: Any) -> None:
    members = [make_user() for _ in range(5)]
    tribe = make_tribe(members=members)
    owner = tribe["owner"]
    first, _ = count_queries.measure(lambda: owner.get(f"tribes/{tribe['slug']}/members?limit=4"))
    assert first.status_code == 200
    # session lookup, tribe+membership lookup, one page query (users joined): no N+1
    assert len(count_queries.selects) <= 4
    body = first.get_json()
    assert len(body["items"]) == 4 and body["next_cursor"]
    item = body["items"][1]
    assert set(item) == {"user", "role", "joined_at", "invited_by"}
    assert item["invited_by"]["id"] == owner.user["id"]
    assert body["items"][0]["invited_by"] is None and body["items"][0]["role"] == "owner"
    rest = owner.get(f"tribes/{tribe['slug']}/members?limit=4&cursor={body['next_cursor']}").get_json()
    assert len(rest["items"]) == 2 and rest["next_cursor"] is None
    assert members[0].get(f"tribes/{tribe['slug']}/members").status_code == 200


def test_leave_and_remove(make_user: Any, make_tribe: Any) -> None:
    admin, a, b = make_user(), make_user(), make_user()
    tribe = make_tribe(members=[admin, a, b])
    slug, owner = tribe["slug"], tribe["owner"]
    owner.patch(f"tribes/{slug}/members/{admin.user['id']}", {"role": "admin"})
    assert a.delete(f"tribes/{slug}/members/{a.user['id']}").status_code == 204
    assert a.get(f"tribes/{slug}").status_code == 404
    assert b.delete(f"tribes/{slug}/members/{admin.user['id']}").status_code == 403
    assert admin.delete(f"tribes/{slug}/members/{owner.user['id']}").status_code == 403
    assert admin.delete(f"tribes/{slug}/members/{b.user['id']}").status_code == 204
    assert b.get(f"tribes/{slug}/members").status_code == 404
    assert owner.get(f"tribes/{slug}").get_json()["member_count"] == 2
    sole = owner.delete(f"tribes/{slug}/members/{owner.user['id']}")
    assert sole.status_code == 409 and sole.get_json()["error"]["code"] == "sole_owner"


def test_bans_and_lifting(make_user: Any, make_tribe: Any) -> None:
    troll, friend = make_user(), make_user()
    tribe = make_tribe(members=[troll, friend])
    slug, owner = tribe["slug"], tribe["owner"]
    assert friend.post(f"tribes/{slug}/bans", {"user_id": troll.user["id"], "reason": "x"}).status_code == 403
    response = owner.post(f"tribes/{slug}/bans", {"user_id": troll.user["id"], "reason": "spam"})
    assert response.status_code == 201
    assert [u["id"] for u in response.get_json()["banned"]] == [troll.user["id"]]
    assert troll.get(f"tribes/{slug}").status_code == 404
    bans = owner.get(f"tribes/{slug}/bans").get_json()["items"]
    assert [(b["user"]["id"], b["reason"]) for b in bans] == [(troll.user["id"], "spam")]
    # a banned user cannot come back through any invite, even one made for them
    # (by an owner who still sees them through another tribe)
    make_tribe(owner=owner, members=[troll])
    for body in ({}, {"max_uses": 5}, {"for_user_id": troll.user["id"]}):
        token = owner.post(f"tribes/{slug}/invites", body).get_json()["token"]
        assert troll.get(f"invites/{token}").status_code == 404
        assert troll.post(f"invites/{token}/accept").status_code == 404
    assert owner.delete(f"tribes/{slug}/bans/{troll.user['id']}").status_code == 204
    assert owner.delete(f"tribes/{slug}/bans/{troll.user['id']}").status_code == 404
    token = owner.post(f"tribes/{slug}/invites", {}).get_json()["token"]
    assert troll.post(f"invites/{token}/accept").status_code == 200


def test_ban_with_branch_and_dry_run(make_user: Any, make_tribe: Any) -> None:
    a, b, c, d = make_user(), make_user(), make_user(), make_user()
    tribe = make_tribe(members=[a, d], invite_policy="members")
    slug, owner = tribe["slug"], tribe["owner"]
    owner.patch(f"tribes/{slug}", {"new_member_hours": 0})
    join(a, b, slug)  # owner → a → b → c
    join(b, c, slug)
    before = owner.get(f"tribes/{slug}/members").get_json()
    dry = owner.post(f"tribes/{slug}/bans", {"user_id": a.user["id"], "with_branch": True, "dry_run": True})
    assert dry.status_code in (200, 201)
    assert sorted(u["id"] for u in dry.get_json()["banned"]) == sorted(x.user["id"] for x in (a, b, c))
    assert owner.get(f"tribes/{slug}/members").get_json() == before  # a dry run changes nothing
    assert owner.get(f"tribes/{slug}/bans").get_json()["items"] == []
    real = owner.post(f"tribes/{slug}/bans", {"user_id": a.user["id"], "with_branch": True, "reason": "ring"})
    assert real.status_code == 201
    assert sorted(u["id"] for u in real.get_json()["banned"]) == sorted(x.user["id"] for x in (a, b, c))
    remaining = {m["user"]["id"] for m in owner.get(f"tribes/{slug}/members").get_json()["items"]}
    assert remaining == {owner.user["id"], d.user["id"]}
    assert len(owner.get(f"tribes/{slug}/bans").get_json()["items"]) == 3


def test_two_owners_demoting_each_other_at_once_leave_one_owner(app: Any, make_user: Any, make_tribe: Any) -> None:
    import threading

    second = make_user()
    tribe = make_tribe(members=[second])
    slug, first = tribe["slug"], tribe["owner"]

    def demote(actor: Any, target: Any, barrier: threading.Barrier, statuses: list[int]) -> None:
        client = app.test_client()
        client.set_cookie("tribes_session", actor.http.get_cookie("tribes_session").value)
        barrier.wait()
        response = client.patch(
            f"/api/v1/tribes/{slug}/members/{target.user['id']}",
            json={"role": "member"},
            headers={"X-CSRF-Token": actor.csrf},
        )
        statuses.append(response.status_code)

    for _ in range(6):  # the race window is small: try it a few times
        owners = [m for m in first.get(f"tribes/{slug}/members").get_json()["items"] if m["role"] == "owner"]
        boss = first if owners[0]["user"]["id"] == first.user["id"] else second
        other = second if boss is first else first
        assert boss.patch(f"tribes/{slug}/members/{other.user['id']}", {"role": "owner"}).status_code == 200
        barrier, statuses = threading.Barrier(2), []
        threads = [
            threading.Thread(target=demote, args=(a, b, barrier, statuses)) for a, b in ((first, second), (second, first))
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert sorted(statuses)[0] == 200 and sorted(statuses)[1] in (403, 409)
        roles = [m["role"] for m in boss.get(f"tribes/{slug}/members").get_json()["items"]]
        assert roles.count("owner") == 1


def concurrently(app: Any, calls: list[tuple[Any, str, str, Any]]) -> list[int]:
    """Run (client, method, path, json) calls at the same moment, each on its own test client."""
    import threading

    barrier = threading.Barrier(len(calls))
    statuses: list[int] = [0] * len(calls)

    def run(index: int, api: Any, method: str, path: str, payload: Any) -> None:
        client = app.test_client()
        client.set_cookie("tribes_session", api.http.get_cookie("tribes_session").value)
        barrier.wait()
        response = client.open(f"/api/v1/{path}", method=method, json=payload, headers={"X-CSRF-Token": api.csrf})
        statuses[index] = response.status_code

    threads = [threading.Thread(target=run, args=(i, *call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return statuses


def test_concurrent_removals_and_bans_count_once(app: Any, make_user: Any, make_tribe: Any) -> None:
    admin, victim, target, bystander = make_user(), make_user(), make_user(), make_user()
    tribe = make_tribe(members=[admin, victim, target, bystander])
    slug, owner = tribe["slug"], tribe["owner"]
    owner.patch(f"tribes/{slug}/members/{admin.user['id']}", {"role": "admin"})
    removal = f"tribes/{slug}/members/{victim.user['id']}"
    statuses = concurrently(app, [(owner, "DELETE", removal, None), (admin, "DELETE", removal, None)])
    assert sorted(statuses) == [204, 404]
    ban = {"user_id": target.user["id"], "reason": "both saw it"}
    statuses = concurrently(app, [(owner, "POST", f"tribes/{slug}/bans", ban), (admin, "POST", f"tribes/{slug}/bans", ban)])
    assert statuses == [201, 201]
    assert len(owner.get(f"tribes/{slug}/bans").get_json()["items"]) == 1
    tribe_now = owner.get(f"tribes/{slug}").get_json()
    members = owner.get(f"tribes/{slug}/members").get_json()["items"]
    assert tribe_now["member_count"] == len(members) == 3


def test_two_owners_deleting_at_once(app: Any, make_user: Any, make_tribe: Any) -> None:
    second = make_user()
    tribe = make_tribe(members=[second])
    slug, first = tribe["slug"], tribe["owner"]
    first.patch(f"tribes/{slug}/members/{second.user['id']}", {"role": "owner"})
    statuses = concurrently(app, [(first, "DELETE", f"tribes/{slug}", None), (second, "DELETE", f"tribes/{slug}", None)])
    assert sorted(statuses) in ([204, 204], [204, 404])
    assert first.get(f"tribes/{slug}").status_code == 404
    assert second.get("tribes").get_json()["items"] == []
