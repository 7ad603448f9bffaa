"""Meetups at the door: questions asked on RSVP, answers and check-in per RSVP, the door code.

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-30 08:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tribes.db

revision: str = '0022'
down_revision: str | Sequence[str] | None = '0021'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    """Add the questions table, the answers and check-in of RSVPs and the meetup's door code."""
    op.create_table(
        'meetup_questions',
        sa.Column('meetup_id', ID, nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('text', sa.String(length=300), nullable=False),
        sa.Column('required', sa.Boolean(), nullable=False),
        sa.Column('created_at', tribes.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('id', ID, autoincrement=False, nullable=False),
        sa.ForeignKeyConstraint(['meetup_id'], ['meetups.id'], name=op.f('fk_meetup_questions_meetup_id_meetups'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_meetup_questions')),
    )
    op.create_index('ix_meetup_questions_meetup_id_position', 'meetup_questions', ['meetup_id', 'position'])
    with op.batch_alter_table('rsvps') as batch:
        batch.add_column(sa.Column('answers', sa.JSON(), nullable=True))
        batch.add_column(sa.Column('checked_in_at', tribes.db.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('meetups') as batch:
        batch.add_column(sa.Column('checkin_code', sa.String(length=12), nullable=True))


def downgrade() -> None:
    """Drop them again."""
    with op.batch_alter_table('meetups') as batch:
        batch.drop_column('checkin_code')
    with op.batch_alter_table('rsvps') as batch:
        batch.drop_column('checked_in_at')
        batch.drop_column('answers')
    op.drop_index('ix_meetup_questions_meetup_id_position', table_name='meetup_questions')
    op.drop_table('meetup_questions')
