"""An index on message fingerprints by (fingerprint, created_at).

The astroturfing signal judges the messages one process stored together in one query: every
recent fingerprint row of their texts, whatever the tribe or author (`astroturf.check_messages`).

Revision ID: 0026
Revises: 0025
Create Date: 2026-11-30 15:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '0026'
down_revision: str | Sequence[str] | None = '0025'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the index."""
    op.create_index('ix_message_fingerprints_fp_time', 'message_fingerprints', ['fingerprint', 'created_at'])


def downgrade() -> None:
    """Drop the index."""
    op.drop_index('ix_message_fingerprints_fp_time', table_name='message_fingerprints')
