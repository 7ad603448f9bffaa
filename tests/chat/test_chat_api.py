"""REST chat: history pages, idempotent posting, edits, deletions, mentions, export."""

from __future__ import annotations

from typing import Any

from tests.chat.conftest import client_id


def post(api: Any, slug: str, body: str, cid: str | None = None) -> Any:
    return api.post(f"tribes/{slug}/messages", {"body": body, "client_id": cid or client_id()})


def test_post_and_idempotent_repeat(make_user: Any, make_tribe: Any) -> None:
    alice = make_user("Alice")
    tribe = make_tribe(owner=alice)
    first = post(alice, tribe["slug"], "  hello <b>world</b>  ", "same")
    assert first.status_code == 201
    message = first.get_json()
    assert message["body"] == "hello <b>world</b>"
    assert message["author"]["id"] == alice.user["id"]
    assert message["tribe"] == tribe["slug"] and message["deleted"] is False
    again = post(alice, tribe["slug"], "different text", "same")
    assert again.status_code == 200 and again.get_json()["id"] == message["id"]
    items = alice.get(f"tribes/{tribe['slug']}/messages").get_json()["items"]
    assert [m["id"] for m in items] == [message["id"]]


def test_body_validation_and_outsiders(make_user: Any, make_tribe: Any) -> None:
    alice, eve = make_user(), make_user()
    tribe = make_tribe(owner=alice)
    assert post(alice, tribe["slug"], "   ").status_code == 422
    assert post(alice, tribe["slug"], "x" * 4001).status_code == 422
    assert post(alice, tribe["slug"], "x" * 4000).status_code == 201
    assert alice.post(f"tribes/{tribe['slug']}/messages", {"body": "x"}).status_code == 422
    outsider = post(eve, tribe["slug"], "hi")
    missing = post(eve, "no-such-tribe", "hi")
    assert outsider.status_code == missing.status_code == 404
    assert outsider.get_data() == missing.get_data()
    assert eve.get(f"tribes/{tribe['slug']}/messages").status_code == 404


def test_history_pages_before_and_after(make_user: Any, make_tribe: Any) -> None:
    alice = make_user()
    tribe = make_tribe(owner=alice)
    slug = tribe["slug"]
    ids = [post(alice, slug, f"m{i}").get_json()["id"] for i in range(7)]
    newest = alice.get(f"tribes/{slug}/messages?limit=3").get_json()
    assert [m["id"] for m in newest["items"]] == ids[::-1][:3]
    rest = alice.get(f"tribes/{slug}/messages?limit=3&cursor={newest['next_cursor']}").get_json()
    assert [m["id"] for m in rest["items"]] == ids[::-1][3:6]
    before = alice.get(f"tribes/{slug}/messages?before={ids[3]}").get_json()
    assert [m["id"] for m in before["items"]] == [ids[2], ids[1], ids[0]]
    assert before["next_cursor"] is None
    after = alice.get(f"tribes/{slug}/messages?after={ids[1]}&limit=2").get_json()
    assert [m["id"] for m in after["items"]] == ids[2:4]
    more = alice.get(f"tribes/{slug}/messages?limit=2&cursor={after['next_cursor']}").get_json()
    assert [m["id"] for m in more["items"]] == ids[4:6]
    assert alice.get(f"tribes/{slug}/messages?before=1&after=2").status_code == 422
    assert alice.get(f"tribes/{slug}/messages?cursor=garbage").status_code == 422
    assert alice.get(f"tribes/{slug}/messages?before=x").status_code == 422


def test_history_query_count_does_not_grow_with_page_size(
    make_user: Any, make_tribe: Any, count_queries: Any
) -> None:
    authors = [make_user() for _ in range(5)]
    tribe = make_tribe(owner=authors[0], members=authors[1:])
    for i in range(60):
        post(authors[i % 5], tribe["slug"], f"message {i}")
    counts = []
    for limit in (2, 50):
        count_queries.reset()
        response = authors[0].get(f"tribes/{tribe['slug']}/messages?limit={limit}")
        assert len(response.get_json()["items"]) == limit
        counts.append(count_queries.count)
    assert counts[0] == counts[1] <= 4


def test_edit_and_delete_rules(make_user: Any, make_tribe: Any) -> None:
    owner, alice, bob = make_user(), make_user(), make_user()
    tribe = make_tribe(owner=owner, members=[alice, bob])
    msg = post(alice, tribe["slug"], "first").get_json()
    assert bob.patch(f"messages/{msg['id']}", {"body": "hacked"}).status_code == 403
    edited = alice.patch(f"messages/{msg['id']}", {"body": "second"})
    assert edited.status_code == 200
    assert edited.get_json()["body"] == "second" and edited.get_json()["edited_at"]
    assert bob.delete(f"messages/{msg['id']}").status_code == 403
    assert owner.delete(f"messages/{msg['id']}").status_code == 204
    history = alice.get(f"tribes/{tribe['slug']}/messages").get_json()["items"]
    assert history[0]["deleted"] is True and history[0]["body"] == ""
    log = owner.get(f"tribes/{tribe['slug']}/audit-log")
    if log.status_code == 200:
        assert any(e.get("action") == "message_deleted" for e in log.get_json()["items"])
    own = post(bob, tribe["slug"], "mine").get_json()
    assert bob.delete(f"messages/{own['id']}").status_code == 204
    eve = make_user()
    assert eve.delete(f"messages/{own['id']}").status_code == 404
    assert eve.patch(f"messages/{own['id']}", {"body": "x"}).status_code == 404


def _mentions(in_db: Any, user_id: int) -> list[Any]:
    from sqlalchemy import select

    from tribes.notifications.models import Notification

    return in_db(lambda s: [n.data for n in s.scalars(
        select(Notification).where(Notification.user_id == user_id, Notification.kind == "mention")
    )])


def test_mentions_notify_members(make_user: Any, make_tribe: Any, in_db: Any) -> None:
    alice, bob = make_user("Alice Smith"), make_user("Bob Jones")
    carol = make_user("Carol")
    tribe = make_tribe(owner=alice, members=[bob])
    msg = post(alice, tribe["slug"], "Hi @Bob Jones, and @carol too").get_json()
    mentions = _mentions(in_db, bob.user["id"])
    assert len(mentions) == 1
    assert mentions[0]["tribe"] == tribe["slug"] and mentions[0]["message_id"] == msg["id"]
    assert _mentions(in_db, carol.user["id"]) == []  # not a member of the tribe
    post(bob, tribe["slug"], "email me at bob@Alice Smith.org, not a mention")
    assert _mentions(in_db, alice.user["id"]) == []


def _delete_account(session: Any, user_id: int, erase: bool) -> None:
    """What account deletion does: the synchronous signal, then the row goes."""
    from tribes import events
    from tribes.accounts.models import User

    events.user_deleting.send(user_id, session=session, erase_messages=erase)
    session.delete(session.get(User, user_id))
    session.commit()


def test_account_deletion_keeps_or_erases_messages(make_user: Any, make_tribe: Any, in_db: Any) -> None:
    from tribes.chat.models import Message

    owner, alice, bob = make_user(), make_user(), make_user()
    tribe = make_tribe(owner=owner, members=[alice, bob])
    kept = post(alice, tribe["slug"], "I stay").get_json()
    erased = post(bob, tribe["slug"], "I go").get_json()
    in_db(lambda s: _delete_account(s, alice.user["id"], erase=False))
    in_db(lambda s: _delete_account(s, bob.user["id"], erase=True))
    items = {m["id"]: m for m in owner.get(f"tribes/{tribe['slug']}/messages").get_json()["items"]}
    assert items[kept["id"]]["author"] is None and items[kept["id"]]["body"] == "I stay"
    assert items[erased["id"]]["deleted"] is True and items[erased["id"]]["body"] == ""
    assert in_db(lambda s: s.get(Message, erased["id"]).author_id) is None


def test_export_lists_own_messages(make_user: Any, make_tribe: Any, in_db: Any) -> None:
    from tribes.accounts.models import User
    from tribes.chat.export import export_user

    alice, bob = make_user(), make_user()
    tribe = make_tribe(owner=alice, members=[bob])
    post(alice, tribe["slug"], "mine")
    post(bob, tribe["slug"], "not mine")
    data = in_db(lambda s: export_user(s, s.get(User, alice.user["id"])))
    assert [m["body"] for m in data["messages"]] == ["mine"]
