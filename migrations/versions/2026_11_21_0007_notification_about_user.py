"""Notifications name the person they are about; they go when that account is deleted.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-21 23:58:33.145153
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0007'
down_revision: str | Sequence[str] | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add notifications.about_user_id (indexed, cascading with the user)."""
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('about_user_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_notifications_about_user_id', ['about_user_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_notifications_about_user_id_users'), 'users', ['about_user_id'], ['id'], ondelete='CASCADE')



def downgrade() -> None:
    """Drop notifications.about_user_id."""
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_notifications_about_user_id_users'), type_='foreignkey')
        batch_op.drop_index('ix_notifications_about_user_id')
        batch_op.drop_column('about_user_id')

