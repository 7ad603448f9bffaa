"""The tribe list from Core rows (tribes/groups/listing.py) is byte for byte the JSON the ORM path
made: memberships paged by `keyset_page`, their tribes and unread counts → `TribeOut.of` →
`Page` → the same `jsonify`, for every reader and every keyset page."""

from __future__ import annotations

import itertools
from typing import Any

from flask import jsonify
from sqlalchemy import select, update

from tribes.db import time_id_keyset
from tribes.endpoint import Page
from tribes.extensions import db
from tribes.groups import reads, service
from tribes.groups.models import Membership, Tribe
from tribes.groups.schemas import TribeOut
from tribes.paging import keyset_page

_ids = itertools.count(1)


def orm_page(app: Any, query: str, user_id: int) -> bytes:
    """What GET /api/v1/tribes?{query} answered before, for the user."""
    with app.test_request_context(f"/api/v1/tribes?{query}"):
        mine = service.my_tribes_query(user_id)
        rows, cursor = keyset_page(db.session, mine, **time_id_keyset(Membership.joined_at, Membership.id))
        ids = [m.tribe_id for m in rows]
        tribes = {t.id: t for t in db.session.scalars(select(Tribe).where(Tribe.id.in_(ids)))} if ids else {}
        unread = reads.unread_counts(db.session, user_id, ids)
        page = Page[TribeOut](items=[TribeOut.of(tribes[m.tribe_id], m, unread.get(m.tribe_id, 0)) for m in rows],
                              next_cursor=cursor)
        data: bytes = jsonify(page.model_dump(mode="json")).get_data()
        db.remove()
        return data


def post(member: Any, slug: str, body: str = "hallo") -> int:
    response = member.post(f"tribes/{slug}/messages", {"body": body, "client_id": f"rows-{next(_ids)}"})
    assert response.status_code == 201, response.get_json()
    return int(response.get_json()["id"])


def test_tribe_list_matches_the_orm_output_byte_for_byte(app: Any, make_user: Any, make_tribe: Any) -> None:
    ava, ben, cem, dora = (make_user(n) for n in ("Ava Ünal", "Ben", "Cem", "Dora"))
    tribes = [
        make_tribe(owner=ava, members=[ben, cem], name="Kreis Ünïcode <b>&</b>", description="Über uns 😀"),
        make_tribe(owner=ben, members=[ava, cem], name="Listed", visibility="listed"),
        make_tribe(owner=cem, members=[ava, ben], name="Discreet", visibility="listed"),
        make_tribe(owner=ava, members=[cem], name="Plain"),
        make_tribe(owner=ben, members=[ava], name="Asking", visibility="listed"),
        make_tribe(owner=ava, name="Alone"),
    ]
    slugs = [t["slug"] for t in tribes]
    asking = ben.patch(f"tribes/{slugs[4]}", {"join_requests": True, "join_questions": ["Warum wir?", "Woher?"]})
    assert asking.status_code == 200, asking.get_json()
    # mails: discreet although listed, plain although secret (the setting over the default)
    assert cem.patch(f"tribes/{slugs[2]}", {"discreet_email": True}).status_code == 200
    assert ava.patch(f"tribes/{slugs[3]}", {"discreet_email": False}).status_code == 200
    assert ben.patch(f"tribes/{slugs[1]}/members/{ava.user['id']}", {"role": "organiser"}).status_code == 200
    # unread: nothing, some, my own left out, everything read, a deleted message
    first = post(ben, slugs[0], "eins")
    post(cem, slugs[0], "zwei")
    post(ava, slugs[0], "meine")
    gone = post(ben, slugs[1])
    assert ben.delete(f"messages/{gone}").status_code == 204
    post(ben, slugs[1])
    last = post(cem, slugs[2])
    assert ava.post(f"tribes/{slugs[0]}/read", {"message_id": first}).status_code == 204
    assert ava.post(f"tribes/{slugs[2]}/read", {"message_id": last}).status_code == 204
    with app.app_context():  # two memberships at the same instant: the keyset falls back to the id
        joined = db.session.scalar(select(Membership.joined_at).where(Membership.user_id == ava.user["id"]).limit(1))
        db.session.execute(update(Membership).where(Membership.user_id == ava.user["id"],
                                                    Membership.tribe_id.in_(select(Tribe.id).where(
                                                        Tribe.slug.in_(slugs[3:5]))))
                           .values(joined_at=joined))
        db.session.commit()
        db.remove()

    pages = cursor_pages = 0
    seen: dict[str, dict[str, Any]] = {}
    for reader in (ava, ben, cem, dora):
        for query in ("", "limit=1", "limit=2", "limit=4", "limit=200"):
            q: str | None = query
            while q is not None:
                new = reader.get(f"tribes?{q}")
                assert new.status_code == 200, new.get_json()
                assert new.get_data() == orm_page(app, q, reader.user["id"]), (reader.user["display_name"], q)
                pages += 1
                body = new.get_json()
                if reader is ava:
                    seen.update({t["slug"]: t for t in body["items"]})
                cursor = body["next_cursor"]
                q = None
                if cursor:
                    cursor_pages += 1
                    q = f"{query}&cursor={cursor}"
    assert pages > 30 and cursor_pages > 15
    assert set(seen) == set(slugs)
    assert seen[slugs[0]]["unread_messages"] == 1 and seen[slugs[0]]["last_read_message_id"] == first
    assert seen[slugs[1]]["unread_messages"] == 1 and seen[slugs[1]]["my_role"] == "organiser"
    assert seen[slugs[2]]["unread_messages"] == 0 and seen[slugs[2]]["discreet_email"] is True
    assert seen[slugs[3]]["discreet_email"] is False and seen[slugs[0]]["discreet_email"] is True
    assert seen[slugs[1]]["discreet_email"] is False
    assert seen[slugs[4]]["join_questions"] == ["Warum wir?", "Woher?"] and seen[slugs[4]]["join_requests"]
    assert dora.get("tribes").get_json() == {"items": [], "next_cursor": None}


def test_bad_cursor_and_limit_are_the_same_422(make_user: Any, make_tribe: Any) -> None:
    ava = make_user()
    make_tribe(owner=ava)
    for query, field in (("cursor=abc", "cursor"), ("limit=0&cursor=abc", "limit"), ("cursor=WyJ4IiwxXQ", "cursor"),
                         ("cursor=WzEsMV0", "cursor"), ("limit=201", "limit")):
        response = ava.get(f"tribes?{query}")
        assert response.status_code == 422 and field in response.get_json()["error"]["fields"], query
