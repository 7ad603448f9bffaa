"""The live counts per block of ids (tribes/chat/blocks.py) stay exact through every way
messages change, and the unread counts made from them equal a direct count of the unread
messages, for markers anywhere, block edges included (SQLite and PostgreSQL)."""

from __future__ import annotations

import random
from typing import Any

from sqlalchemy import insert, select, text

from tribes.chat.blocks import BLOCK_IDS
from tribes.chat.models import Message
from tribes.db import utcnow
from tribes.extensions import db
from tribes.groups import reads
from tribes.groups.models import Tribe

#: what the triggers must hold: the live messages of each tribe per block, counted directly
_DIRECT_BLOCKS = text(
    f"SELECT tribe_id, id / {BLOCK_IDS}, count(*) FROM messages WHERE tribe_id IS NOT NULL AND deleted_at IS NULL"
    " GROUP BY 1, 2"
)
_DIRECT_UNREAD = text(
    "SELECT m.tribe_id, (SELECT count(*) FROM messages x WHERE x.tribe_id = m.tribe_id"
    " AND x.id > coalesce(m.last_read_message_id, 0) AND x.deleted_at IS NULL"
    " AND (x.author_id IS NULL OR x.author_id <> m.user_id)) FROM memberships m WHERE m.user_id = :uid"
)


def _check(session: Any, user_ids: list[int], rng: random.Random, ids: list[int]) -> None:
    kept = {(t, b): n for t, b, n in session.execute(text("SELECT tribe_id, block, live FROM message_blocks")) if n}
    assert kept == {(t, b): n for t, b, n in session.execute(_DIRECT_BLOCKS)}
    # block edges and half-block points (where the count turns to the block's other edge), ±1
    edges = [k * BLOCK_IDS + h + d for k in range(6) for h in (0, BLOCK_IDS // 2) for d in (-1, 0, 1)]
    for marker in [None, 0, *edges, *rng.sample(ids, 5)]:
        session.execute(text("UPDATE memberships SET last_read_message_id = :m"), {"m": marker})
        for user_id in user_ids:
            direct = {tribe: n for tribe, n in session.execute(_DIRECT_UNREAD, {"uid": user_id}) if n}
            assert reads.unread_counts(session, user_id) == direct, (marker, user_id)
            assert reads.unread_total(session, user_id) == sum(direct.values())


def test_unread_counts_equal_a_direct_count_through_every_change(app: Any, make_user: Any, make_tribe: Any) -> None:
    alice, bob, carol = make_user(), make_user(), make_user()
    first = make_tribe(owner=alice, members=[bob, carol])
    second = make_tribe(owner=bob, members=[alice])
    rng = random.Random(16)
    users = [alice.user["id"], bob.user["id"], carol.user["id"]]
    with app.app_context():
        session = db.session
        tribes = [session.scalar(select(Tribe.id).where(Tribe.slug == t["slug"])) for t in (first, second)]
        edges = {k * BLOCK_IDS + h + d for k in range(1, 5) for h in (0, BLOCK_IDS // 2) for d in (-1, 0, 1)}
        ids = sorted(edges | set(rng.sample(range(1, 5 * BLOCK_IDS), 300)))
        rows = [{"id": i, "tribe": rng.choice(tribes), "author": rng.choice(users), "cid": f"b{i}"} for i in ids]
        now = utcnow()
        values = [{"id": r["id"], "tribe_id": r["tribe"], "author_id": r["author"], "body": "x",
                   "client_id": r["cid"], "created_at": now} for r in rows]
        session.execute(insert(Message).values(values[:200]))  # 200 rows in one statement ...
        for row in values[200:]:
            session.execute(insert(Message).values(row))  # ... and one at a time
        session.commit()
        _check(session, users, rng, ids)

        gone = rng.sample(ids, 80)
        session.execute(text("UPDATE messages SET deleted_at = CURRENT_TIMESTAMP, body = '' WHERE id IN "
                             f"({','.join(map(str, gone))})"))  # soft deletes, one statement
        session.execute(text("UPDATE messages SET deleted_at = NULL WHERE id IN "
                             f"({','.join(map(str, gone[:20]))})"))  # restored
        session.execute(text("UPDATE messages SET body = 'edited', edited_at = CURRENT_TIMESTAMP WHERE id IN "
                             f"({','.join(map(str, ids[::7]))})"))  # edits change no count
        session.commit()
        _check(session, users, rng, ids)

        removed = rng.sample(ids, 60)  # hard deletes: live and soft-deleted ones alike
        session.execute(text(f"DELETE FROM messages WHERE id IN ({','.join(map(str, removed))})"))
        session.execute(text("UPDATE messages SET author_id = NULL WHERE author_id = :u"), {"u": users[2]})
        session.commit()
        _check(session, users, rng, sorted(set(ids) - set(removed)))

        session.execute(text("DELETE FROM tribes WHERE id = :t"), {"t": tribes[1]})  # cascades to its messages
        session.commit()
        assert session.scalar(text("SELECT count(*) FROM message_blocks WHERE tribe_id = :t"), {"t": tribes[1]}) == 0
        _check(session, users, rng, sorted(set(ids) - set(removed)))
        db.remove()


def test_a_member_back_after_a_long_time_gets_the_exact_count(app: Any, make_user: Any, make_tribe: Any) -> None:
    """Over the API: messages of others over several blocks are all unread, my own are not,
    a deleted one is not; reading up to the newest makes it 0."""
    reader, other = make_user(), make_user()
    tribe = make_tribe(owner=other, members=[reader])
    slug = tribe["slug"]
    with app.app_context():
        tribe_id = db.session.scalar(select(Tribe.id).where(Tribe.slug == slug))
        step = BLOCK_IDS // 3
        rows = [{"id": 10 + i * step, "t": tribe_id, "a": (reader if i % 5 == 0 else other).user["id"], "c": f"l{i}"}
                for i in range(40)]
        db.session.execute(text("INSERT INTO messages (id, tribe_id, author_id, body, client_id, created_at)"
                                " VALUES (:id, :t, :a, 'x', :c, CURRENT_TIMESTAMP)"), rows)
        db.session.execute(text("UPDATE messages SET deleted_at = CURRENT_TIMESTAMP WHERE id = :id"), {"id": rows[1]["id"]})
        db.session.commit()
        db.remove()
    listed = {t["slug"]: t for t in reader.get("tribes").get_json()["items"]}
    assert listed[slug]["unread_messages"] == 40 - 8 - 1  # 8 of mine, 1 deleted
    assert reader.get(f"tribes/{slug}").get_json()["unread_messages"] == 31
    assert reader.post(f"tribes/{slug}/read", {"message_id": rows[-1]["id"]}).status_code == 204
    assert reader.get(f"tribes/{slug}").get_json()["unread_messages"] == 0
