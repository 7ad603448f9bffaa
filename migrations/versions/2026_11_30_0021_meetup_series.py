"""Recurring meet-up series: the series table, standing answers, occurrences' series and
original start (unique per series, so two materialisers never create one twice).

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-30 08:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tribes.db

revision: str = '0021'
down_revision: str | Sequence[str] | None = '0020'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
TS = tribes.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    """Create the series tables and link meetups to their series."""
    op.create_table(
        'meetup_series',
        sa.Column('tribe_id', ID, nullable=False),
        sa.Column('organiser_id', ID, nullable=True),
        sa.Column('rrule', sa.String(length=300), nullable=False),
        sa.Column('starts_at', TS, nullable=False),
        sa.Column('until', TS, nullable=True),
        sa.Column('timezone', sa.String(length=64), nullable=False),
        sa.Column('duration_minutes', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('location', sa.String(length=300), nullable=False),
        sa.Column('online_url', sa.String(length=500), nullable=True),
        sa.Column('capacity', sa.Integer(), nullable=True),
        sa.Column('max_guests', sa.Integer(), nullable=False),
        sa.Column('attendee_visibility', sa.String(length=16), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('uid', sa.String(length=120), nullable=False),
        sa.Column('sequence', sa.Integer(), nullable=False),
        sa.Column('materialised_until', TS, nullable=True),
        sa.Column('orphan_notified_at', TS, nullable=True),
        sa.Column('created_at', TS, nullable=False),
        sa.Column('updated_at', TS, nullable=False),
        sa.Column('id', ID, autoincrement=False, nullable=False),
        sa.CheckConstraint("status IN ('active','ended','orphaned')", name=op.f('ck_meetup_series_status')),
        sa.CheckConstraint('duration_minutes > 0', name=op.f('ck_meetup_series_duration_positive')),
        sa.ForeignKeyConstraint(['tribe_id'], ['tribes.id'], name=op.f('fk_meetup_series_tribe_id_tribes'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['organiser_id'], ['users.id'], name=op.f('fk_meetup_series_organiser_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_meetup_series')),
        sa.UniqueConstraint('uid', name=op.f('uq_meetup_series_uid')),
    )
    op.create_index('ix_meetup_series_status_materialised_until', 'meetup_series', ['status', 'materialised_until'])
    op.create_index('ix_meetup_series_tribe_id', 'meetup_series', ['tribe_id'])
    op.create_table(
        'meetup_series_rsvps',
        sa.Column('series_id', ID, nullable=False),
        sa.Column('user_id', ID, nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('created_at', TS, nullable=False),
        sa.Column('updated_at', TS, nullable=False),
        sa.Column('id', ID, autoincrement=False, nullable=False),
        sa.CheckConstraint("status IN ('going','maybe','not_going')", name=op.f('ck_meetup_series_rsvps_status')),
        sa.ForeignKeyConstraint(['series_id'], ['meetup_series.id'],
                                name=op.f('fk_meetup_series_rsvps_series_id_meetup_series'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_meetup_series_rsvps_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_meetup_series_rsvps')),
        sa.UniqueConstraint('series_id', 'user_id', name=op.f('uq_meetup_series_rsvps_series_id_user_id')),
    )
    with op.batch_alter_table('meetups') as batch:
        batch.add_column(sa.Column('series_id', ID, nullable=True))
        batch.add_column(sa.Column('original_start', TS, nullable=True))
        batch.create_foreign_key(op.f('fk_meetups_series_id_meetup_series'), 'meetup_series',
                                 ['series_id'], ['id'], ondelete='SET NULL')
        batch.create_unique_constraint(op.f('uq_meetups_series_id_original_start'), ['series_id', 'original_start'])


def downgrade() -> None:
    """Drop the series (occurrences stay as plain meetups)."""
    with op.batch_alter_table('meetups') as batch:
        batch.drop_constraint(op.f('uq_meetups_series_id_original_start'), type_='unique')
        batch.drop_constraint(op.f('fk_meetups_series_id_meetup_series'), type_='foreignkey')
        batch.drop_column('original_start')
        batch.drop_column('series_id')
    op.drop_table('meetup_series_rsvps')
    op.drop_index('ix_meetup_series_tribe_id', table_name='meetup_series')
    op.drop_index('ix_meetup_series_status_materialised_until', table_name='meetup_series')
    op.drop_table('meetup_series')
