"""Accounts get `email_verified`, `site_admin` and `suspended_at`; tribes `discreet_email`.

Existing addresses were never confirmed, so they start unverified (they get no notification
mail until their owner follows a verification link); nobody is a site admin until
`tribes admin grant EMAIL`. `tribes.discreet_email` null means the default (discreet while
secret).

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 05:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0014'
down_revision: str | Sequence[str] | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the three columns."""
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('email_verified', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column('site_admin', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column('suspended_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('tribes') as batch:
        batch.add_column(sa.Column('discreet_email', sa.Boolean(), nullable=True))


def downgrade() -> None:
    """Drop them."""
    with op.batch_alter_table('tribes') as batch:
        batch.drop_column('discreet_email')
    with op.batch_alter_table('users') as batch:
        batch.drop_column('suspended_at')
        batch.drop_column('site_admin')
        batch.drop_column('email_verified')
