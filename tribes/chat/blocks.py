"""Live-message counts per block of ids, kept by the database as messages change.

An exact unread count used to read every unread index entry: a member back after months
in busy tribes waited for hundreds of thousands of them (236 ms at 660k, bench/reads.py).
`message_blocks` holds, per tribe and block of BLOCK_IDS consecutive message ids
(block = id / BLOCK_IDS), how many of the tribe's messages in it are live (not deleted).
The unread count after a marker is then a sum over at most (newest id / BLOCK_IDS) block
rows, corrected by a direct count inside the marker's own block towards its nearer edge
(at most half a block of ids), minus my own live messages after the marker
(`groups.reads.unread_of_membership`).

Triggers keep the rows exact in the transaction that changes the messages, whoever
writes them (the send paths, moderation, account deletion, a cascade from a deleted tribe
or a hand-written statement):

* PostgreSQL: statement-level triggers with transition tables, one upsert per statement
  (a send batch of many messages is one upsert), its rows in key order so that two
  statements touching the same blocks never wait for each other in a circle;
* SQLite: row-level triggers (one writer at a time: no ordering to keep).

A soft delete (deleted_at set) takes the message out of its block's count and a restore
puts it back; a hard delete of a live message takes it out; direct messages (no tribe)
are not counted. A block row is never needed for a tribe that is being deleted (its rows
go with it, ON DELETE CASCADE), so the delete trigger skips such tribes.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

#: message ids per block (a power of two: at 1M messages a tribe has at most 62 blocks)
BLOCK_IDS = 16384


def _pg_function(name: str, counted: str) -> str:
    """A PostgreSQL trigger function adding `counted` (rows of tribe_id, block, change) to the
    counts in one upsert, in key order (see the module doc)."""
    return f"""
CREATE OR REPLACE FUNCTION tribes_message_blocks_{name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO message_blocks (tribe_id, block, live)
    {counted}
    GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (tribe_id, block) DO UPDATE SET live = message_blocks.live + excluded.live;
    RETURN NULL;
END $$"""


POSTGRESQL = [
    _pg_function("inserted", f"SELECT tribe_id, id / {BLOCK_IDS}, count(*) FROM new_rows"
                             " WHERE tribe_id IS NOT NULL AND deleted_at IS NULL"),
    _pg_function("updated", f"SELECT n.tribe_id, n.id / {BLOCK_IDS}, sum(CASE WHEN n.deleted_at IS NULL THEN 1 ELSE -1 END)"
                            " FROM new_rows n JOIN old_rows o ON o.id = n.id"
                            " WHERE n.tribe_id IS NOT NULL AND (n.deleted_at IS NULL) <> (o.deleted_at IS NULL)"),
    _pg_function("deleted", f"SELECT o.tribe_id, o.id / {BLOCK_IDS}, -count(*) FROM old_rows o"
                            " WHERE o.tribe_id IS NOT NULL AND o.deleted_at IS NULL"
                            " AND EXISTS (SELECT 1 FROM tribes t WHERE t.id = o.tribe_id)"),
    "DROP TRIGGER IF EXISTS message_blocks_inserted ON messages",
    "DROP TRIGGER IF EXISTS message_blocks_updated ON messages",
    "DROP TRIGGER IF EXISTS message_blocks_deleted ON messages",
    "CREATE TRIGGER message_blocks_inserted AFTER INSERT ON messages REFERENCING NEW TABLE AS new_rows"
    " FOR EACH STATEMENT EXECUTE FUNCTION tribes_message_blocks_inserted()",
    "CREATE TRIGGER message_blocks_updated AFTER UPDATE ON messages REFERENCING OLD TABLE AS old_rows"
    " NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tribes_message_blocks_updated()",
    "CREATE TRIGGER message_blocks_deleted AFTER DELETE ON messages REFERENCING OLD TABLE AS old_rows"
    " FOR EACH STATEMENT EXECUTE FUNCTION tribes_message_blocks_deleted()",
]

SQLITE = [
    "DROP TRIGGER IF EXISTS message_blocks_inserted",
    "DROP TRIGGER IF EXISTS message_blocks_updated",
    "DROP TRIGGER IF EXISTS message_blocks_deleted",
    f"""
CREATE TRIGGER message_blocks_inserted AFTER INSERT ON messages
WHEN NEW.tribe_id IS NOT NULL AND NEW.deleted_at IS NULL
BEGIN
    INSERT INTO message_blocks (tribe_id, block, live) VALUES (NEW.tribe_id, NEW.id / {BLOCK_IDS}, 1)
    ON CONFLICT (tribe_id, block) DO UPDATE SET live = live + 1;
END""",
    f"""
CREATE TRIGGER message_blocks_updated AFTER UPDATE OF deleted_at ON messages
WHEN NEW.tribe_id IS NOT NULL AND (NEW.deleted_at IS NULL) <> (OLD.deleted_at IS NULL)
BEGIN
    INSERT INTO message_blocks (tribe_id, block, live)
    VALUES (NEW.tribe_id, NEW.id / {BLOCK_IDS}, CASE WHEN NEW.deleted_at IS NULL THEN 1 ELSE -1 END)
    ON CONFLICT (tribe_id, block) DO UPDATE SET live = live + excluded.live;
END""",
    f"""
CREATE TRIGGER message_blocks_deleted AFTER DELETE ON messages
WHEN OLD.tribe_id IS NOT NULL AND OLD.deleted_at IS NULL
BEGIN
    UPDATE message_blocks SET live = live - 1 WHERE tribe_id = OLD.tribe_id AND block = OLD.id / {BLOCK_IDS};
END""",
]

#: the counts of the messages already stored (a new database, or the migration's backfill)
FILL = (
    f"INSERT INTO message_blocks (tribe_id, block, live) SELECT tribe_id, id / {BLOCK_IDS}, count(*)"
    " FROM messages WHERE tribe_id IS NOT NULL AND deleted_at IS NULL GROUP BY 1, 2"
)


def install(connection: Connection) -> None:
    """Create (or replace) the triggers on `messages` for the connection's database."""
    for statement in POSTGRESQL if connection.dialect.name == "postgresql" else SQLITE:
        connection.execute(text(statement))
