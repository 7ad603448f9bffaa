"""Merge the feature branches (contacts, chat, meetups, moderation) into one head.

Each feature's revision was written against 0001 in parallel; none depends on another's
tables, so their order does not matter. From here on there is a single head again.

Revision ID: 0006
Revises: 0002, 0003, 0004, 0005
Create Date: 2026-11-21 23:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0006"
down_revision: str | Sequence[str] | None = ("0002", "0003", "0004", "0005")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing to change: this revision only joins the branches."""


def downgrade() -> None:
    """Nothing to change: downgrading splits the branches again."""
