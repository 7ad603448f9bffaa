"""The history page from Core rows (tribes/chat/history.py) is byte for byte the JSON the ORM
path made: `Page(items=[MessageOut.of(m, slug)...])` dumped by the same `jsonify`."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from sqlalchemy import update

from tests.chat.conftest import client_id
from tribes.accounts.models import User
from tribes.chat import api as chat_api
from tribes.chat import service
from tribes.chat.models import Message
from tribes.chat.schemas import MessageOut
from tribes.endpoint import Page
from tribes.extensions import db
from tribes.groups.models import Tribe


def post(api: Any, slug: str, body: str) -> int:
    response = api.post(f"tribes/{slug}/messages", {"body": body, "client_id": client_id()})
    assert response.status_code == 201, response.get_json()
    return int(response.get_json()["id"])


def orm_page(app: Any, query: str, slug: str) -> bytes:
    """What GET /tribes/{slug}/messages?{query} answered before: ORM messages → MessageOut → jsonify."""
    with app.test_request_context(f"/api/v1/tribes/{slug}/messages?{query}"):
        tribe = db.session.query(Tribe).filter_by(slug=slug).one()
        rows, next_cursor = chat_api._history(service.history_query(tribe.id))
        page = Page[MessageOut](items=[MessageOut.of(m, tribe.slug) for m in rows], next_cursor=next_cursor)
        data: bytes = jsonify(page.model_dump(mode="json")).get_data()
        db.remove()
        return data


def test_history_rows_match_the_orm_output_byte_for_byte(app: Any, make_user: Any, make_tribe: Any) -> None:
    shown, hidden, bare, gone, mod = (make_user(n) for n in ("Ava Ünal", "Ben", "Cem", "Dora", "Eli"))
    tribe = make_tribe(owner=mod, members=[shown, hidden, bare, gone])
    slug = tribe["slug"]
    ids = []
    for i in range(4):
        for who in (shown, hidden, bare, gone, mod):
            ids.append(post(who, slug, f"{who.user['display_name']} says {i} <b>\"quoted\"</b> 😀"))
    # edited, deleted by its author, deleted by a moderator
    assert shown.patch(f"messages/{ids[0]}", {"body": "edited ✓"}).status_code == 200
    assert hidden.delete(f"messages/{ids[1]}").status_code == 204
    assert mod.delete(f"messages/{ids[5]}").status_code == 204
    with app.app_context():
        # avatars: shown to tribes (in the card), hidden by visibility (left out), none
        db.session.execute(update(User).where(User.id == shown.user["id"])
                           .values(avatar_url="/avatars/a.webp", profile_visibility="tribes"))
        db.session.execute(update(User).where(User.id == hidden.user["id"])
                           .values(avatar_url="/avatars/b.webp", profile_visibility="contacts"))
        db.session.execute(update(User).where(User.id == bare.user["id"]).values(avatar_url=""))
        service.forget_author(db.session, gone.user["id"], erase=False)  # "deleted member": author null
        db.session.commit()
        tribe_id = db.session.query(Tribe.id).filter_by(slug=slug).scalar()
        assert db.session.query(Message).filter_by(tribe_id=tribe_id, author_id=None).count() == 4
        db.remove()

    queries = ["", "limit=3", "limit=7", f"before={ids[10]}", f"after={ids[2]}&limit=4", f"after={ids[-1]}",
               "limit=200"]
    cursor_pages = 0
    for query in queries:
        pending = [query]
        while pending:
            q = pending.pop()
            new = shown.get(f"tribes/{slug}/messages?{q}")
            assert new.status_code == 200
            assert new.get_data() == orm_page(app, q, slug), q
            cursor = new.get_json()["next_cursor"]
            if cursor:
                cursor_pages += 1
                pending.append(f"limit=3&cursor={cursor}" if "limit=3" in q else f"cursor={cursor}&limit=7")
    assert cursor_pages > 5
    items = shown.get(f"tribes/{slug}/messages?limit=200").get_json()["items"]
    by_id = {m["id"]: m for m in items}
    assert by_id[ids[0]]["edited_at"] and by_id[ids[0]]["author"]["avatar_url"] == "/avatars/a.webp"
    assert by_id[ids[1]]["deleted"] and by_id[ids[1]]["body"] == "" and "avatar_url" not in by_id[ids[1]]["author"]
    assert by_id[ids[3]]["author"] is None and by_id[ids[5]]["deleted"]


def test_outsiders_still_get_the_same_404(make_user: Any, make_tribe: Any) -> None:
    alice, eve = make_user(), make_user()
    tribe = make_tribe(owner=alice)
    post(alice, tribe["slug"], "hello")
    outsider = eve.get(f"tribes/{tribe['slug']}/messages")
    missing = eve.get("tribes/no-such-tribe/messages")
    assert outsider.status_code == missing.status_code == 404
    assert outsider.get_data() == missing.get_data()
