"""Account deletion runs the same number of statements however many contacts and requests."""

from __future__ import annotations

from typing import Any

from tests.conftest import PASSWORD


def _statements_to_delete(make_user: Any, make_tribe: Any, count_queries: Any, people: int) -> int:
    """Delete an account with `people` others: half contacts, half open requests both ways."""
    me = make_user()
    others = [make_user() for _ in range(people)]
    make_tribe(others[0], [me, *others[1:]])
    for i, other in enumerate(others):
        if i % 2 == 0:
            rid = other.post("contacts/requests", {"user_id": me.user["id"]}).get_json()["id"]
            assert me.post(f"contacts/requests/{rid}/accept").status_code == 200
        elif i % 4 == 1:
            assert me.post("contacts/requests", {"user_id": other.user["id"]}).status_code == 202
        else:
            assert other.post("contacts/requests", {"user_id": me.user["id"]}).status_code == 202
    count_queries.reset()
    assert me.delete("me", {"password": PASSWORD}).status_code == 204
    return count_queries.count


def test_deleting_an_account_is_not_n_plus_one(make_user: Any, make_tribe: Any, count_queries: Any) -> None:
    few = _statements_to_delete(make_user, make_tribe, count_queries, 2)
    many = _statements_to_delete(make_user, make_tribe, count_queries, 10)
    assert few == many


def _statements_to_leave(make_user: Any, make_tribe: Any, count_queries: Any, tribes: int) -> int:
    """Delete an account that is a member of `tribes` tribes (one of them its own, alone)."""
    me = make_user()
    make_tribe(me)  # owned alone: it goes with the account
    for _ in range(tribes - 1):
        make_tribe(make_user(), [me, make_user()])
    count_queries.reset()
    assert me.delete("me", {"password": PASSWORD}).status_code == 204
    return count_queries.count


def test_deleting_an_account_in_many_tribes_is_not_n_plus_one(
    make_user: Any, make_tribe: Any, count_queries: Any
) -> None:
    few = _statements_to_leave(make_user, make_tribe, count_queries, 2)
    many = _statements_to_leave(make_user, make_tribe, count_queries, 6)
    assert few == many
