"""An index for the outbox senders' claim: (status, created_at, id).

The claim looks for due mails in queue order; without this index it read and sorted every
row of outbox_mails on every pass of every sender, sent mails included (they are kept for the
data export), so each pass grew slower with the site's whole mail history.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 06:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '0015'
down_revision: str | Sequence[str] | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the index."""
    op.create_index('ix_outbox_mails_status_created_at', 'outbox_mails', ['status', 'created_at', 'id'])


def downgrade() -> None:
    """Drop it."""
    op.drop_index('ix_outbox_mails_status_created_at', table_name='outbox_mails')
