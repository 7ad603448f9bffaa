"""The mail outbox and password-reset tokens.

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-01 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tribes.db

revision: str = '0012'
down_revision: str | Sequence[str] | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    """Create outbox_mails and password_reset_tokens."""
    op.create_table(
        'outbox_mails',
        sa.Column('id', ID, autoincrement=False, nullable=False),
        sa.Column('user_id', ID, nullable=True),
        sa.Column('to_address', sa.String(length=254), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('subject', sa.String(length=300), nullable=False),
        sa.Column('message_id', sa.String(length=255), nullable=False),
        sa.Column('message', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('created_at', tribes.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('next_attempt_at', tribes.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('claimed_until', tribes.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('sent_at', tribes.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('last_error', sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_outbox_mails_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_mails')),
    )
    op.create_index('ix_outbox_mails_status_next_attempt_at', 'outbox_mails', ['status', 'next_attempt_at'])
    op.create_index('ix_outbox_mails_user_id_created_at', 'outbox_mails', ['user_id', 'created_at'])
    op.create_table(
        'password_reset_tokens',
        sa.Column('id', ID, autoincrement=False, nullable=False),
        sa.Column('user_id', ID, nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', tribes.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('expires_at', tribes.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_password_reset_tokens_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_password_reset_tokens')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_password_reset_tokens_token_hash')),
    )
    op.create_index('ix_password_reset_tokens_user_id', 'password_reset_tokens', ['user_id'])


def downgrade() -> None:
    """Drop them."""
    op.drop_table('password_reset_tokens')
    op.drop_table('outbox_mails')
