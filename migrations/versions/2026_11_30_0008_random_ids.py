"""Random ids: no identifier a person can observe moves because of an event hidden from them.

Every table but `messages` takes its ids from `tribes.db.random_id()` (1..2^53-1) instead of a
sequence, and lists of those tables are ordered by (time, id); see tribes/db.py for the rule and
the list of tables. On PostgreSQL the ids and every column that refers to them become BIGINT and
the sequences go; on SQLite INTEGER is already 64-bit, so only the indexes change there. Rows
that exist keep their ids (they were already seen).

Downgrade restores the sequences (continuing after the highest id) and INTEGER columns; on
PostgreSQL that fails once random ids exist, as they do not fit the old 32-bit columns.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '0008'
down_revision: str | Sequence[str] | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: tables whose `id` loses its sequence and becomes random (all but messages)
RANDOM_ID_TABLES = (
    'users', 'user_sessions', 'tribes', 'memberships', 'invite_edges', 'invites', 'bans',
    'contacts', 'contact_requests', 'blocks', 'notifications', 'meetups', 'rsvps',
    'calendar_tokens', 'mutes', 'audit_log', 'reports', 'message_fingerprints',
)

#: columns that hold such ids (besides each table's own `id`): BIGINT on PostgreSQL
ID_COLUMNS = {
    'blocks': ('blocker_id', 'blocked_id'),
    'calendar_tokens': ('user_id',),
    'contact_requests': ('sender_id', 'recipient_id', 'low_id', 'high_id'),
    'contacts': ('low_id', 'high_id'),
    'notifications': ('user_id', 'about_user_id'),
    'tribes': ('created_by_id',),
    'user_sessions': ('user_id',),
    'audit_log': ('tribe_id', 'actor_id', 'target_user_id'),
    'bans': ('tribe_id', 'user_id', 'banned_by_id'),
    'invites': ('tribe_id', 'created_by_id', 'for_user_id'),
    'meetups': ('tribe_id', 'created_by_id'),
    'messages': ('id', 'tribe_id', 'author_id', 'deleted_by_id'),
    'message_fingerprints': ('tribe_id', 'author_id', 'message_id'),
    'mutes': ('tribe_id', 'user_id', 'muted_by_id'),
    'reports': ('tribe_id', 'reporter_id', 'target_id', 'target_user_id', 'resolved_by_id'),
    'invite_edges': ('tribe_id', 'inviter_id', 'invitee_id', 'invite_id'),
    'memberships': ('tribe_id', 'user_id', 'invited_by_id', 'invite_id'),
    'rsvps': ('meetup_id', 'user_id'),
}

#: (table, old index, old columns, new index, new columns): lists page by (time, id) now
INDEXES = (
    ('notifications', 'ix_notifications_user_id_id', ['user_id', 'id'],
     'ix_notifications_user_id_created_at_id', ['user_id', 'created_at', 'id']),
    ('contact_requests', 'ix_contact_requests_recipient_id_id', ['recipient_id', 'id'],
     'ix_contact_requests_recipient_id_created_at_id', ['recipient_id', 'created_at', 'id']),
    ('contact_requests', 'ix_contact_requests_sender_id_id', ['sender_id', 'id'],
     'ix_contact_requests_sender_id_created_at_id', ['sender_id', 'created_at', 'id']),
    ('user_sessions', 'ix_user_sessions_user_id_id', ['user_id', 'id'],
     'ix_user_sessions_user_id_created_at_id', ['user_id', 'created_at', 'id']),
    ('audit_log', 'ix_audit_log_tribe_id_id', ['tribe_id', 'id'],
     'ix_audit_log_tribe_id_created_at_id', ['tribe_id', 'created_at', 'id']),
    ('reports', 'ix_reports_tribe_id_status_id', ['tribe_id', 'status', 'id'],
     'ix_reports_tribe_id_status_created_at_id', ['tribe_id', 'status', 'created_at', 'id']),
    ('reports', 'ix_reports_reporter_id', ['reporter_id'],
     'ix_reports_reporter_id_created_at_id', ['reporter_id', 'created_at', 'id']),
    ('invites', 'ix_invites_tribe_id_id', ['tribe_id', 'id'],
     'ix_invites_tribe_id_created_at_id', ['tribe_id', 'created_at', 'id']),
    ('meetups', 'ix_meetups_tribe_id_starts_at_id', ['tribe_id', 'starts_at', 'id'],
     'ix_meetups_tribe_id_starts_at_created_at_id', ['tribe_id', 'starts_at', 'created_at', 'id']),
    ('memberships', 'ix_memberships_user_id', ['user_id'],
     'ix_memberships_user_id_joined_at_id', ['user_id', 'joined_at', 'id']),
)

#: indexes that are new, not replacements
NEW_INDEXES = (
    ('memberships', 'ix_memberships_tribe_id_joined_at_id', ['tribe_id', 'joined_at', 'id']),
    ('tribes', 'ix_tribes_visibility_created_at_id', ['visibility', 'created_at', 'id']),
)


def _set_types(type_: str) -> None:
    """PostgreSQL: every id column (and each random table's own id) to `type_`, one ALTER per table."""
    for table in dict.fromkeys((*ID_COLUMNS, *RANDOM_ID_TABLES)):
        columns = ID_COLUMNS.get(table, ()) + (('id',) if table in RANDOM_ID_TABLES else ())
        clauses = ', '.join(f'ALTER COLUMN {column} TYPE {type_}' for column in columns)
        op.execute(f'ALTER TABLE {table} {clauses}')


def upgrade() -> None:
    """BIGINT ids without sequences on PostgreSQL; (time, id) indexes for the lists."""
    if op.get_bind().dialect.name == 'postgresql':
        _set_types('BIGINT')
        for table in RANDOM_ID_TABLES:
            op.execute(f'ALTER TABLE {table} ALTER COLUMN id DROP DEFAULT')
            op.execute(f'DROP SEQUENCE IF EXISTS {table}_id_seq')
    for table, old, _, new, columns in INDEXES:
        op.drop_index(old, table_name=table)
        op.create_index(new, table, columns, unique=False)
    for table, name, columns in NEW_INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    """The indexes by id, sequences (after the highest id) and INTEGER ids again."""
    for table, name, _ in NEW_INDEXES:
        op.drop_index(name, table_name=table)
    for table, old, old_columns, new, _ in INDEXES:
        op.drop_index(new, table_name=table)
        op.create_index(old, table, old_columns, unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        for table in RANDOM_ID_TABLES:
            op.execute(f'CREATE SEQUENCE {table}_id_seq OWNED BY {table}.id')
            op.execute(f"SELECT setval('{table}_id_seq', COALESCE(MAX(id), 0) + 1, false) FROM {table}")
            op.execute(f"ALTER TABLE {table} ALTER COLUMN id SET DEFAULT nextval('{table}_id_seq')")
        _set_types('INTEGER')
