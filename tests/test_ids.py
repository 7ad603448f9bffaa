"""Every table takes random ids unless it is allow-listed here with its reason.

The rule (tribes/db.py): no identifier or count that a person can observe may move because
of an event hidden from them. A new table is covered without editing this file: it fails
here until it uses `RandomIdPK` or is added to SEQUENTIAL with a reason.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer, insert, select
from sqlalchemy.dialects import postgresql, sqlite

import tribes.models  # noqa: F401  (every table registered)
from tribes.db import MAX_RANDOM_ID, Base, RandomIdPK, random_id
from tribes.extensions import db

#: tables that keep a sequence, each with the reason it is safe
SEQUENTIAL = {
    "messages": "chat needs per-tribe id order (keyset paging, catch-up by after_id, events in "
    "id order) and a message is seen by everyone who may read its tribe; the residual leak is "
    "the site-wide message volume between two ids (documented on the model)",
    "site_settings": "one row with the fixed id 1, never shown; nothing is counted by it",
    "conversation_members": "no id column and no sequence: its key is (conversation_id, user_id)",
    "hidden_messages": "no id column and no sequence: its key is (message_id, user_id)",
    "message_blocks": "no id column and no sequence: its key is (tribe_id, block); never shown",
}


def mapped_classes() -> dict[str, type]:
    return {m.local_table.name: m.class_ for m in Base.registry.mappers}


def test_every_table_with_ids_uses_random_ids_or_says_why_not():
    classes = mapped_classes()
    assert set(SEQUENTIAL) <= set(Base.metadata.tables), "stale allow-list entry"
    for name, table in Base.metadata.tables.items():
        if name in SEQUENTIAL:
            assert not issubclass(classes[name], RandomIdPK)
            continue
        assert issubclass(classes[name], RandomIdPK), f"{name}: random ids (RandomIdPK) or allow-list it"
        column = table.c.id
        assert column.primary_key and column.autoincrement is False and column.server_default is None
        # 53 bits need BIGINT on PostgreSQL; SQLite's INTEGER keeps the rowid and is 64-bit
        assert isinstance(column.type.dialect_impl(postgresql.dialect()), BigInteger), name
        assert type(column.type.dialect_impl(sqlite.dialect())) is Integer, name


def test_every_column_pointing_at_a_random_id_is_wide_enough():
    for table in Base.metadata.tables.values():
        for fk in table.foreign_keys:
            if fk.column.table.name in SEQUENTIAL:
                continue
            impl = fk.parent.type.dialect_impl(postgresql.dialect())
            assert isinstance(impl, BigInteger), f"{table.name}.{fk.parent.name} must be IdType"


def test_random_ids_are_json_safe_and_unpredictable():
    ids = [random_id() for _ in range(1000)]
    assert all(1 <= i <= MAX_RANDOM_ID == 2**53 - 1 for i in ids)
    assert len(set(ids)) == len(ids)
    # not a counter: consecutive ids are far apart (a gap below 2^32 has odds ~1e-6 per pair)
    assert sum(abs(b - a) < 2**32 for a, b in zip(ids, ids[1:], strict=False)) == 0


def test_rows_inserted_by_the_database_layer_get_random_ids(app, make_user):
    """Core inserts (not only the ORM) take the random default, and it survives the round trip."""
    from tribes.accounts.models import User

    make_user()
    with app.app_context():
        db.session.execute(insert(User).values(
            email="core@example.test", password_hash="x", display_name="Core", bio="",
            profile_visibility="tribes", timezone="UTC",
        ))
        db.session.commit()
        ids = list(db.session.scalars(select(User.id)))
        assert len(ids) == 2 and all(i > 2**24 for i in ids), ids
        assert max(ids) <= MAX_RANDOM_ID


def test_lists_of_random_id_rows_page_newest_first_by_time(make_user, make_tribe):
    """Random ids carry no order: a paged list still reads newest first, across pages."""
    sender = make_user()
    recipients = [make_user() for _ in range(5)]
    make_tribe(sender, recipients)
    for recipient in recipients:
        assert sender.post("contacts/requests", {"user_id": recipient.user["id"]}).status_code == 202
    seen, cursor = [], None
    while True:
        body = sender.get("contacts/requests/outgoing?limit=2" + (f"&cursor={cursor}" if cursor else "")).get_json()
        seen += [r["to"]["id"] for r in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert seen == [r.user["id"] for r in reversed(recipients)]
    bad = sender.get("contacts/requests/outgoing?cursor=WzEyM10")  # [123]: an id-only cursor
    assert bad.status_code == 422 and bad.get_json()["error"]["fields"] == {"cursor": "Invalid cursor."}


def test_the_rule_in_tribes_db_names_every_table():
    """The rule as written where ids are made (tribes/db.py) names every random-id table with
    its reason, and every table that keeps a sequence or has no id: a reader sees where the rule
    applies, and a new table fails here until it is named there too."""
    import re
    from pathlib import Path

    import tribes.db

    source = Path(tribes.db.__file__).read_text()
    rule = source.split("# THE RULE", 1)[1].split("MAX_RANDOM_ID =", 1)[0]
    random_part, rest = rule.split("# Tables with random ids", 1)[1].split("# Tables without random ids", 1)
    classes = mapped_classes()
    random = {name for name in Base.metadata.tables if issubclass(classes[name], RandomIdPK)}
    assert random - set(re.findall(r"[a-z][a-z_]+", random_part)) == set(), "name them and why in tribes/db.py"
    assert set(SEQUENTIAL) - set(re.findall(r"[a-z][a-z_]+", rest)) == set(), "name them and why in tribes/db.py"
