"""Lists run a bounded number of queries: the count does not grow with the page (no N+1)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.conftest import QueryCounter


def count_selects(count_queries: QueryCounter, fn: Callable[[], Any]) -> int:
    """How many SELECT statements fn sends to the database."""
    response, _ = count_queries.measure(fn)
    assert response.status_code == 200, response.get_json()
    return len(count_queries.selects)


def test_list_endpoints_do_not_grow_with_their_length(make_user: Any, make_tribe: Any, count_queries: Any) -> None:
    small_owner, big_owner = make_user(), make_user()
    small = make_tribe(owner=small_owner, visibility="listed", members=[make_user()])
    big = make_tribe(owner=big_owner, visibility="listed", members=[make_user() for _ in range(6)])
    for n in range(5):
        make_tribe(owner=big_owner, name=f"Extra {n}", visibility="listed")
    for owner, tribe in ((small_owner, small), (big_owner, big)):
        slug = tribe["slug"]
        banned = owner.get(f"tribes/{slug}/members").get_json()["items"][1]["user"]["id"]
        owner.post(f"tribes/{slug}/invites", {"for_user_id": banned})  # made while they share the tribe
        owner.post(f"tribes/{slug}/bans", {"user_id": banned, "reason": "x"})
    # a second ban in the big tribe, so its lists are longer everywhere
    second = big_owner.get(f"tribes/{big['slug']}/members").get_json()["items"][1]["user"]["id"]
    big_owner.post(f"tribes/{big['slug']}/bans", {"user_id": second, "reason": "y"})
    for suffix in ("members", "invites", "bans", "invite-tree"):
        few = count_selects(count_queries, lambda s=suffix: small_owner.get(f"tribes/{small['slug']}/{s}"))
        many = count_selects(count_queries, lambda s=suffix: big_owner.get(f"tribes/{big['slug']}/{s}"))
        assert many == few, suffix
        assert many <= 5, suffix
    assert count_selects(count_queries, lambda: big_owner.get("tribes")) == count_selects(count_queries, lambda: small_owner.get("tribes"))
    assert count_selects(count_queries, lambda: big_owner.get("tribes/directory")) <= 3
