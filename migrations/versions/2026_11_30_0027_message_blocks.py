"""Live-message counts per tribe and block of ids, kept by triggers (flat unread counts).

The unread count of a member back after months read every unread index entry. The table
`message_blocks` counts each tribe's live messages per block of ids, triggers on `messages`
keep it exact (tribes/chat/blocks.py: statement-level on PostgreSQL, row-level on SQLite),
and an index on (tribe_id, author_id, id) of live messages finds my own messages after a
block. The counts of the messages already stored are filled in here.

The triggers' SQL is tribes.chat.blocks' (a later change to them comes with a migration of
its own that installs them again; they replace what is there).

Revision ID: 0027
Revises: 0026
Create Date: 2026-11-30 21:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tribes.db
from tribes.chat import blocks

revision: str = '0027'
down_revision: str | Sequence[str] | None = '0026'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the table and the index, fill in the counts, install the triggers."""
    op.create_table(
        'message_blocks',
        sa.Column('tribe_id', tribes.db.IdType, nullable=False),
        sa.Column('block', tribes.db.IdType, nullable=False),
        sa.Column('live', tribes.db.IdType, nullable=False),
        sa.ForeignKeyConstraint(['tribe_id'], ['tribes.id'], name=op.f('fk_message_blocks_tribe_id_tribes'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('tribe_id', 'block', name=op.f('pk_message_blocks')),
    )
    op.create_index(
        'ix_messages_live_tribe_id_author_id_id', 'messages', ['tribe_id', 'author_id', 'id'],
        postgresql_where=sa.text('deleted_at IS NULL'), sqlite_where=sa.text('deleted_at IS NULL'),
    )
    connection = op.get_bind()
    if connection.dialect.name == 'postgresql':  # no message may be stored between the fill and the triggers
        op.execute('LOCK TABLE messages IN SHARE ROW EXCLUSIVE MODE')
    op.execute(blocks.FILL)
    blocks.install(connection)


def downgrade() -> None:
    """Drop the triggers, the index and the table."""
    for name in ('inserted', 'updated', 'deleted'):
        if op.get_bind().dialect.name == 'postgresql':
            op.execute(f'DROP TRIGGER IF EXISTS message_blocks_{name} ON messages')
            op.execute(f'DROP FUNCTION IF EXISTS tribes_message_blocks_{name}()')
        else:
            op.execute(f'DROP TRIGGER IF EXISTS message_blocks_{name}')
    op.drop_index('ix_messages_live_tribe_id_author_id_id', table_name='messages')
    op.drop_table('message_blocks')
