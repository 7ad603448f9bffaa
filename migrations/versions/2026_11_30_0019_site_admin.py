"""Site administration: site settings (one row), the site audit log, reports without a tribe.

`site_settings` gets its one row with the defaults (open registration, everyone creates
tribes, directory on, name "Tribes"). `reports.tribe_id` becomes nullable: a report without a
tribe goes to the site admins. An index for the admins' user list (the outbox list uses the senders' claim index, 0015).

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-30 06:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tribes.db

revision: str = '0019'
down_revision: str | Sequence[str] | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
OPEN_SITE = "status = 'open' AND reporter_id IS NOT NULL AND tribe_id IS NULL"


def upgrade() -> None:
    """Create site_settings (with its row) and site_audit_log; let reports go without a tribe."""
    settings = op.create_table(
        'site_settings',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('name', sa.String(length=80), nullable=False),
        sa.Column('registration', sa.String(length=16), nullable=False),
        sa.Column('tribe_creation', sa.String(length=16), nullable=False),
        sa.Column('directory', sa.Boolean(), nullable=False),
        sa.Column('updated_at', tribes.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_site_settings')),
    )
    op.bulk_insert(settings, [{
        'id': 1, 'name': 'Tribes', 'registration': 'open', 'tribe_creation': 'everyone', 'directory': True,
        'updated_at': tribes.db.utcnow(),
    }])
    op.create_table(
        'site_audit_log',
        sa.Column('id', ID, autoincrement=False, nullable=False),
        sa.Column('actor_id', ID, nullable=True),
        sa.Column('action', sa.String(length=40), nullable=False),
        sa.Column('target_user_id', ID, nullable=True),
        sa.Column('details', sa.JSON(), nullable=False),
        sa.Column('created_at', tribes.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_site_audit_log_actor_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['target_user_id'], ['users.id'],
                                name=op.f('fk_site_audit_log_target_user_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_site_audit_log')),
    )
    op.create_index('ix_site_audit_log_created_at_id', 'site_audit_log', ['created_at', 'id'])
    with op.batch_alter_table('reports') as batch:
        batch.alter_column('tribe_id', existing_type=ID, nullable=True)
    op.create_index('uq_reports_open_site_per_reporter', 'reports', ['reporter_id', 'target_type', 'target_id'],
                    unique=True, sqlite_where=sa.text(OPEN_SITE), postgresql_where=sa.text(OPEN_SITE))
    op.create_index('ix_users_created_at_id', 'users', ['created_at', 'id'])


def downgrade() -> None:
    """Drop them again (site reports go: they have no tribe to belong to)."""
    op.drop_index('ix_users_created_at_id', table_name='users')
    op.drop_index('uq_reports_open_site_per_reporter', table_name='reports')
    op.execute("DELETE FROM reports WHERE tribe_id IS NULL")
    with op.batch_alter_table('reports') as batch:
        batch.alter_column('tribe_id', existing_type=ID, nullable=False)
    op.drop_index('ix_site_audit_log_created_at_id', table_name='site_audit_log')
    op.drop_table('site_audit_log')
    op.drop_table('site_settings')
