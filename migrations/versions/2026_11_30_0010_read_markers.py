"""A membership remembers the newest chat message its member has read (`last_read_message_id`).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 13:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010'
down_revision: str | Sequence[str] | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the read marker; existing members start caught up (at their tribe's newest message),
    not with the whole history unread."""
    with op.batch_alter_table('memberships') as batch:
        batch.add_column(sa.Column('last_read_message_id',
                                   sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
    op.execute(
        "UPDATE memberships SET last_read_message_id = "
        "(SELECT max(messages.id) FROM messages WHERE messages.tribe_id = memberships.tribe_id)"
    )


def downgrade() -> None:
    """Drop the read marker."""
    with op.batch_alter_table('memberships') as batch:
        batch.drop_column('last_read_message_id')
