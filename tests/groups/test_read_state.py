"""Read state ("Tribes: read state"): my marker moves forward only, nobody else sees it,
unread counts leave out my own messages, and "my tribes" counts them in bounded queries."""

from __future__ import annotations

import itertools
from typing import Any

_ids = itertools.count(1)


def post(member: Any, slug: str, body: str = "hello") -> int:
    """Post a chat message over REST; returns its id."""
    response = member.post(f"tribes/{slug}/messages", {"body": body, "client_id": f"read-{next(_ids)}"})
    assert response.status_code == 201, response.get_json()
    return int(response.get_json()["id"])


def tribe_of(member: Any, slug: str) -> dict[str, Any]:
    response = member.get(f"tribes/{slug}")
    assert response.status_code == 200
    return response.get_json()


def test_unread_counts_leave_out_my_own_and_the_marker_moves_forward_only(make_user: Any, make_tribe: Any) -> None:
    reader, other = make_user(), make_user()
    tribe = make_tribe(members=[reader, other])
    slug, owner = tribe["slug"], tribe["owner"]
    start = tribe_of(reader, slug)
    assert start["unread_messages"] == 0 and start["last_read_message_id"] is None
    first = post(owner, slug, "one")
    second = post(other, slug, "two")
    post(reader, slug, "my own")
    third = post(owner, slug, "three")
    assert tribe_of(reader, slug)["unread_messages"] == 3  # my own message is not unread
    assert tribe_of(owner, slug)["unread_messages"] == 2  # reader's and other's

    assert reader.post(f"tribes/{slug}/read", {"message_id": second}).status_code == 204
    mine = tribe_of(reader, slug)
    assert mine["last_read_message_id"] == second and mine["unread_messages"] == 1
    # backwards is a no-op (another tab that is behind), not an error
    assert reader.post(f"tribes/{slug}/read", {"message_id": first}).status_code == 204
    assert tribe_of(reader, slug)["last_read_message_id"] == second
    assert reader.post(f"tribes/{slug}/read", {"message_id": third}).status_code == 204
    assert tribe_of(reader, slug)["unread_messages"] == 0
    listed = {t["slug"]: t for t in reader.get("tribes").get_json()["items"]}
    assert listed[slug]["unread_messages"] == 0 and listed[slug]["last_read_message_id"] == third


def test_nobody_else_sees_or_moves_my_marker(make_user: Any, make_tribe: Any) -> None:
    reader, other = make_user(), make_user()
    tribe = make_tribe(members=[reader, other])
    slug, owner = tribe["slug"], tribe["owner"]
    message = post(owner, slug)
    assert reader.post(f"tribes/{slug}/read", {"message_id": message}).status_code == 204
    assert tribe_of(other, slug)["last_read_message_id"] is None
    assert tribe_of(other, slug)["unread_messages"] == 1
    members = owner.get(f"tribes/{slug}/members").get_json()["items"]
    assert all("last_read_message_id" not in m for m in members)


def test_read_refuses_outsiders_foreign_messages_and_bad_bodies(make_user: Any, make_tribe: Any) -> None:
    reader, outsider = make_user(), make_user()
    tribe = make_tribe(members=[reader])
    elsewhere = make_tribe(owner=outsider)
    slug = tribe["slug"]
    message = post(tribe["owner"], slug)
    foreign = post(outsider, elsewhere["slug"])
    secret = outsider.post(f"tribes/{slug}/read", {"message_id": message})
    missing = outsider.post("tribes/no-such-tribe/read", {"message_id": message})
    assert secret.status_code == missing.status_code == 404
    assert secret.get_json() == missing.get_json()
    # a message of another tribe is as unknown here as a missing one
    assert reader.post(f"tribes/{slug}/read", {"message_id": foreign}).status_code == 404
    assert reader.post(f"tribes/{slug}/read", {"message_id": 10**12}).status_code == 404
    assert tribe_of(reader, slug)["last_read_message_id"] is None
    bad = reader.post(f"tribes/{slug}/read", {"message_id": "x"})
    assert bad.status_code == 422 and "message_id" in bad.get_json()["error"]["fields"]
    assert reader.post(f"tribes/{slug}/read", {}).status_code == 422


def test_a_new_member_starts_caught_up(make_user: Any, make_tribe: Any) -> None:
    from tests.conftest import join

    tribe = make_tribe()
    slug, owner = tribe["slug"], tribe["owner"]
    latest = [post(owner, slug, f"history {n}") for n in range(3)][-1]
    newcomer = make_user()
    join(owner, newcomer, slug)
    assert tribe_of(newcomer, slug)["unread_messages"] == 0
    assert tribe_of(newcomer, slug)["last_read_message_id"] == latest
    post(owner, slug, "welcome!")
    assert tribe_of(newcomer, slug)["unread_messages"] == 1


def test_my_tribes_count_unread_in_a_bounded_number_of_queries(make_user: Any, make_tribe: Any, count_queries: Any) -> None:
    few, many = make_user(), make_user()
    for reader, tribes in ((few, 1), (many, 6)):
        for _ in range(tribes):
            tribe = make_tribe(members=[reader])
            for _ in range(2):
                post(tribe["owner"], tribe["slug"])

    def selects(reader: Any, path: str) -> int:
        response, _ = count_queries.measure(lambda: reader.get(path) if path.startswith("tribes") else reader.http.get(path))
        assert response.status_code == 200
        return len(count_queries.selects)

    assert selects(many, "tribes") == selects(few, "tribes")
    assert selects(many, "/tribes") == selects(few, "/tribes")
    assert sum(t["unread_messages"] for t in many.get("tribes").get_json()["items"]) == 12
    page = many.http.get("/tribes").get_data(as_text=True)
    assert page.count('class="badge unread-messages"') == 6
    assert 'id="nav-unread-messages"' in page and ">12</span>" in page
