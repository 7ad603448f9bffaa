"""An index for the unread counts: live messages of a tribe by id, with their author.

The tribe list (GET /tribes, the tribes page, the header badge) counts each tribe's messages
after the member's read marker that are not deleted and not their own. With only
(tribe_id, id) PostgreSQL visited the table row of every counted message to read
deleted_at and author_id; this partial index (deleted_at IS NULL) holds both answers, so
the count is an index-only scan (found by bench/reads.py; see bench/README.md).

Revision ID: 0024
Revises: 0023
Create Date: 2026-11-30 08:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0024'
down_revision: str | Sequence[str] | None = '0023'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the index."""
    op.create_index(
        'ix_messages_live_tribe_id_id_author_id', 'messages', ['tribe_id', 'id', 'author_id'],
        postgresql_where=sa.text('deleted_at IS NULL'), sqlite_where=sa.text('deleted_at IS NULL'),
    )


def downgrade() -> None:
    """Drop it."""
    op.drop_index('ix_messages_live_tribe_id_id_author_id', table_name='messages')
