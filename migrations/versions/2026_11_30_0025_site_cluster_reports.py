"""One open automatic report per cluster among the site admins' reports.

`uq_reports_open_cluster` is unique on (tribe_id, cluster_key); for reports to the site admins
tribe_id is NULL, and NULLs never collide, so two messages of the same account at the same
moment could file two reports. This partial index settles that race in the database.

Revision ID: 0025
Revises: 0024
Create Date: 2026-11-30 08:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0025'
down_revision: str | Sequence[str] | None = '0024'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHERE = "status = 'open' AND cluster_key IS NOT NULL AND tribe_id IS NULL"


def upgrade() -> None:
    """Close duplicates an earlier race may have left (keeping one), then index."""
    op.execute(
        "UPDATE reports SET status = 'resolved', resolution = 'dismiss', "
        "resolution_note = 'duplicate automatic report', resolved_at = updated_at "
        f"WHERE {WHERE} AND id NOT IN (SELECT MIN(id) FROM reports WHERE {WHERE} GROUP BY cluster_key)"
    )
    op.create_index('uq_reports_open_site_cluster', 'reports', ['cluster_key'], unique=True,
                    sqlite_where=sa.text(WHERE), postgresql_where=sa.text(WHERE))


def downgrade() -> None:
    """Drop it."""
    op.drop_index('uq_reports_open_site_cluster', table_name='reports',
                  sqlite_where=sa.text(WHERE), postgresql_where=sa.text(WHERE))
