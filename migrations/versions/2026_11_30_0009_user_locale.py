"""Users get a language: `users.locale` ("de" or "en", English for existing accounts).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | Sequence[str] | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the column; existing people keep English until they choose."""
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('locale', sa.String(length=8), nullable=False, server_default='en'))


def downgrade() -> None:
    """Drop the column."""
    with op.batch_alter_table('users') as batch:
        batch.drop_column('locale')
