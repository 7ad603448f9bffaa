"""Joining a listed tribe: `tribes.join_requests` / `join_questions`, join requests and vouches.

Join request ids are random (a declined or swallowed request must not move any id the
requester sees). `open_slot` is 1 while a request is open and NULL afterwards, so the
unique (tribe_id, user_id, open_slot) allows one open request per person and tribe on
SQLite and PostgreSQL alike.

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-30 06:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from tribes.db import UTCDateTime

revision: str = '0018'
down_revision: str | Sequence[str] | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    """Add the tribe settings and the two tables."""
    with op.batch_alter_table('tribes') as batch:
        batch.add_column(sa.Column('join_requests', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column('join_questions', sa.JSON(), nullable=False, server_default='[]'))
    op.create_table(
        'join_requests',
        sa.Column('id', ID, nullable=False, autoincrement=False),
        sa.Column('tribe_id', ID, nullable=False),
        sa.Column('user_id', ID, nullable=False),
        sa.Column('answers', sa.JSON(), nullable=False),
        sa.Column('message', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('open_slot', sa.Integer(), nullable=True),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('queued_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('declined_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('decided_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('decided_by_id', ID, nullable=True),
        sa.CheckConstraint('open_slot IS NULL OR open_slot = 1', name=op.f('ck_join_requests_open_slot_one')),
        sa.CheckConstraint("status IN ('pending','declined','swallowed','accepted','closed')",
                           name=op.f('ck_join_requests_status')),
        sa.ForeignKeyConstraint(['tribe_id'], ['tribes.id'], name=op.f('fk_join_requests_tribe_id_tribes'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_join_requests_user_id_users'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'],
                                name=op.f('fk_join_requests_decided_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_join_requests')),
        sa.UniqueConstraint('tribe_id', 'user_id', 'open_slot',
                            name=op.f('uq_join_requests_tribe_id_user_id_open_slot')),
    )
    op.create_index('ix_join_requests_tribe_id_status_queued_at_id', 'join_requests',
                    ['tribe_id', 'status', 'queued_at', 'id'])
    op.create_index('ix_join_requests_user_id_created_at_id', 'join_requests', ['user_id', 'created_at', 'id'])
    op.create_table(
        'join_vouches',
        sa.Column('id', ID, nullable=False, autoincrement=False),
        sa.Column('request_id', ID, nullable=False),
        sa.Column('user_id', ID, nullable=False),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['request_id'], ['join_requests.id'],
                                name=op.f('fk_join_vouches_request_id_join_requests'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_join_vouches_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_join_vouches')),
        sa.UniqueConstraint('request_id', 'user_id', name=op.f('uq_join_vouches_request_id_user_id')),
    )


def downgrade() -> None:
    """Drop the tables and the tribe settings."""
    op.drop_table('join_vouches')
    op.drop_index('ix_join_requests_user_id_created_at_id', table_name='join_requests')
    op.drop_index('ix_join_requests_tribe_id_status_queued_at_id', table_name='join_requests')
    op.drop_table('join_requests')
    with op.batch_alter_table('tribes') as batch:
        batch.drop_column('join_questions')
        batch.drop_column('join_requests')
