"""Announcements: organisers tell the tribe, or the people of one meetup, something; who got it.

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-30 08:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tribes.db

revision: str = '0023'
down_revision: str | Sequence[str] | None = '0022'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    """Create announcements and announcement_recipients."""
    op.create_table(
        'announcements',
        sa.Column('tribe_id', ID, nullable=False),
        sa.Column('author_id', ID, nullable=True),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('audience', sa.String(length=8), nullable=False),
        sa.Column('meetup_id', ID, nullable=True),
        sa.Column('rsvp', sa.JSON(), nullable=False),
        sa.Column('essential', sa.Boolean(), nullable=False),
        sa.Column('recipient_count', sa.Integer(), nullable=False),
        sa.Column('created_at', tribes.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('id', ID, autoincrement=False, nullable=False),
        sa.CheckConstraint("audience IN ('tribe','meetup')", name=op.f('ck_announcements_audience')),
        sa.ForeignKeyConstraint(['tribe_id'], ['tribes.id'], name=op.f('fk_announcements_tribe_id_tribes'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_announcements_author_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['meetup_id'], ['meetups.id'], name=op.f('fk_announcements_meetup_id_meetups'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_announcements')),
    )
    op.create_index('ix_announcements_tribe_id_created_at_id', 'announcements', ['tribe_id', 'created_at', 'id'])
    op.create_table(
        'announcement_recipients',
        sa.Column('announcement_id', ID, nullable=False),
        sa.Column('user_id', ID, nullable=False),
        sa.Column('id', ID, autoincrement=False, nullable=False),
        sa.ForeignKeyConstraint(['announcement_id'], ['announcements.id'],
                                name=op.f('fk_announcement_recipients_announcement_id_announcements'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_announcement_recipients_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_announcement_recipients')),
        sa.UniqueConstraint('announcement_id', 'user_id',
                            name=op.f('uq_announcement_recipients_announcement_id_user_id')),
    )
    op.create_index('ix_announcement_recipients_user_id', 'announcement_recipients', ['user_id'])


def downgrade() -> None:
    """Drop announcements and who got them."""
    op.drop_index('ix_announcement_recipients_user_id', table_name='announcement_recipients')
    op.drop_table('announcement_recipients')
    op.drop_index('ix_announcements_tribe_id_created_at_id', table_name='announcements')
    op.drop_table('announcements')
