"""Unread counts stay cheap as a tribe's history grows (issue 16, item 6; bench/reads.py).

On PostgreSQL, with tens of thousands of messages, the tribe list and a tribe's page count
my unread messages with an index range scan per tribe, never by reading every message;
and the counts are still right (my own and deleted messages left out)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event, select, text

from tribes.extensions import db
from tribes.groups.models import Tribe

BULK = 30_000
TRIBES = 20


def test_unread_counts_read_an_index_not_every_message(app: Any, make_user: Any, make_tribe: Any) -> None:
    if db.engine is None or db.engine.dialect.name != "postgresql":
        pytest.skip("query plans are checked on PostgreSQL")
    reader = make_user()
    busy = make_tribe(members=[reader])
    owner = busy["owner"]
    others = [make_tribe(owner=owner, members=[reader]) for _ in range(TRIBES - 1)]
    quiet = others[0]
    with app.app_context():
        ids = [db.session.scalar(select(Tribe.id).where(Tribe.slug == t["slug"])) for t in [busy, *others]]
        # 90 % of the messages in the busy tribe, the rest spread over the others
        db.session.execute(
            text("INSERT INTO messages (tribe_id, author_id, body, client_id, created_at) "
                 "SELECT CASE WHEN g % 10 = 0 THEN (:others)[1 + (g / 10) % :k] ELSE :busy END, "
                 "       :author, 'bulk', 'bulk-' || g, now() "
                 "FROM generate_series(1, :n) g"),
            {"busy": ids[0], "others": ids[1:], "k": TRIBES - 1, "author": owner.user["id"], "n": BULK},
        )
        db.session.commit()
        db.remove()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE messages"))  # what autovacuum does after a burst of inserts
    newest = owner.get(f"tribes/{busy['slug']}/messages?limit=1").get_json()["items"][0]["id"]
    assert reader.post(f"tribes/{busy['slug']}/read", {"message_id": newest}).status_code == 204
    for n in range(3):
        assert owner.post(f"tribes/{busy['slug']}/messages", {"body": f"new {n}", "client_id": f"n{n}"}).status_code == 201
    assert reader.post(f"tribes/{busy['slug']}/messages", {"body": "mine", "client_id": "mine"}).status_code == 201
    gone = owner.post(f"tribes/{busy['slug']}/messages", {"body": "oops", "client_id": "gone"}).get_json()["id"]
    assert owner.delete(f"messages/{gone}").status_code == 204

    captured: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        captured.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        listed = {t["slug"]: t["unread_messages"] for t in reader.get("tribes").get_json()["items"]}
        page = reader.get(f"tribes/{quiet['slug']}").get_json()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    # 3 new from the owner; my own and the deleted one are not unread; the quiet tribe: all of its bulk
    per_other = BULK // 10 // (TRIBES - 1)
    assert listed[busy["slug"]] == 3
    assert all(per_other <= listed[t["slug"]] <= per_other + 1 for t in others), listed
    assert page["unread_messages"] == listed[quiet["slug"]]

    counting = [(s, p) for s, p in captured if "messages" in s and "count(" in s.lower()]
    assert len(counting) == 2
    with db.engine.connect() as conn:
        for statement, parameters in counting:
            plan = "\n".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + statement, parameters))
            assert "Seq Scan on messages" not in plan, plan
            assert "ix_messages_live_tribe_id_id_author_id" in plan, plan  # the marker's block
            assert "pk_message_blocks" in plan, plan  # the blocks after it (my own after them: an
            # index too, by author or by (tribe, author, id), whichever the planner finds cheaper)
