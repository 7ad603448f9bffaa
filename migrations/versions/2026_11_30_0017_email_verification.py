"""Address confirmation links (`email_tokens`) and invites by e-mail (`invites.email`,
`invites.email_token_hash`).

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30 06:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tribes.db

revision: str = '0017'
down_revision: str | Sequence[str] | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    """Create email_tokens; add the two invite columns."""
    op.create_table(
        'email_tokens',
        sa.Column('id', ID, autoincrement=False, nullable=False),
        sa.Column('user_id', ID, nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('purpose', sa.String(length=16), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('created_at', tribes.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('expires_at', tribes.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_email_tokens_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_email_tokens')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_email_tokens_token_hash')),
    )
    op.create_index('ix_email_tokens_user_id', 'email_tokens', ['user_id'], unique=False)
    with op.batch_alter_table('invites') as batch:
        batch.add_column(sa.Column('email', sa.String(length=254), nullable=True))
        batch.add_column(sa.Column('email_token_hash', sa.String(length=64), nullable=True))
        batch.create_unique_constraint(batch.f('uq_invites_email_token_hash'), ['email_token_hash'])


def downgrade() -> None:
    """Drop them."""
    with op.batch_alter_table('invites') as batch:
        batch.drop_constraint(batch.f('uq_invites_email_token_hash'), type_='unique')
        batch.drop_column('email_token_hash')
        batch.drop_column('email')
    op.drop_index('ix_email_tokens_user_id', table_name='email_tokens')
    op.drop_table('email_tokens')
