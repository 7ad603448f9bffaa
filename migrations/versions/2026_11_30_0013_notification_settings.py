"""Mail preferences: per person and kind (`notification_settings`), per membership (`memberships.email`).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tribes.db

revision: str = '0013'
down_revision: str | Sequence[str] | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """The settings table (a row only for people who changed something) and every tribe's
    mail volume, "all" for existing members."""
    op.create_table(
        'notification_settings',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False, nullable=False),
        sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('email', sa.JSON(), nullable=False),
        sa.Column('digest', sa.String(length=8), nullable=False),
        sa.Column('updated_at', tribes.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notification_settings_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_settings')),
        sa.UniqueConstraint('user_id', name=op.f('uq_notification_settings_user_id')),
    )
    with op.batch_alter_table('memberships') as batch:
        batch.add_column(sa.Column('email', sa.String(length=16), nullable=False, server_default='all'))
        batch.create_check_constraint(op.f('ck_memberships_email'), "email IN ('all','mentions','none')")


def downgrade() -> None:
    """Drop both."""
    with op.batch_alter_table('memberships') as batch:
        batch.drop_constraint(op.f('ck_memberships_email'), type_='check')
        batch.drop_column('email')
    op.drop_table('notification_settings')
