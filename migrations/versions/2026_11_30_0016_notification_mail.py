"""Notification mail: `notifications.tribe_id` and `mailed_at`; the digest's `digest_states`
and `digest_marks`.

A notification stored before this revision has no tribe and counts as not mailed: the first
digest after the upgrade gathers what is still unread (old news already read is skipped).

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30 06:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tribes.db

revision: str = '0016'
down_revision: str | Sequence[str] | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    """Add the two columns and the two tables."""
    with op.batch_alter_table('notifications') as batch:
        batch.add_column(sa.Column('tribe_id', ID, nullable=True))
        batch.add_column(sa.Column('mailed_at', tribes.db.UTCDateTime(timezone=True), nullable=True))
        batch.create_foreign_key(op.f('fk_notifications_tribe_id_tribes'), 'tribes', ['tribe_id'], ['id'],
                                 ondelete='SET NULL')
    op.create_table(
        'digest_states',
        sa.Column('id', ID, autoincrement=False, nullable=False),
        sa.Column('user_id', ID, nullable=False),
        sa.Column('checked_at', tribes.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('sent_at', tribes.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_digest_states_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_digest_states')),
        sa.UniqueConstraint('user_id', name=op.f('uq_digest_states_user_id')),
    )
    op.create_table(
        'digest_marks',
        sa.Column('id', ID, autoincrement=False, nullable=False),
        sa.Column('user_id', ID, nullable=False),
        sa.Column('tribe_id', ID, nullable=False),
        sa.Column('through_message_id', ID, nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_digest_marks_user_id_users'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['tribe_id'], ['tribes.id'], name=op.f('fk_digest_marks_tribe_id_tribes'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_digest_marks')),
        sa.UniqueConstraint('user_id', 'tribe_id', name=op.f('uq_digest_marks_user_id_tribe_id')),
    )


def downgrade() -> None:
    """Drop them."""
    op.drop_table('digest_marks')
    op.drop_table('digest_states')
    with op.batch_alter_table('notifications') as batch:
        batch.drop_constraint(op.f('fk_notifications_tribe_id_tribes'), type_='foreignkey')
        batch.drop_column('mailed_at')
        batch.drop_column('tribe_id')
