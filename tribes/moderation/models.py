"""Moderation: reports and message fingerprints (mutes and the audit log belong to groups)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from tribes.db import Base, IdType, RandomIdPK, utcnow


class Report(RandomIdPK, Base):
    """A member's (or the astroturfing signal's) report about a message, member or meetup;
    without a tribe, a report to the site admins (about a user)."""

    __tablename__ = "reports"
    __table_args__ = (
        Index("ix_reports_tribe_id_status_created_at_id", "tribe_id", "status", "created_at", "id"),
        Index("ix_reports_reporter_id_created_at_id", "reporter_id", "created_at", "id"),
        # The same reporter cannot hold two open reports on the same thing.
        Index(
            "uq_reports_open_per_reporter",
            "reporter_id",
            "tribe_id",
            "target_type",
            "target_id",
            unique=True,
            sqlite_where=text("status = 'open' AND reporter_id IS NOT NULL"),
            postgresql_where=text("status = 'open' AND reporter_id IS NOT NULL"),
        ),
        # The same for reports to the site admins (no tribe: NULLs never collide above).
        Index(
            "uq_reports_open_site_per_reporter",
            "reporter_id",
            "target_type",
            "target_id",
            unique=True,
            sqlite_where=text("status = 'open' AND reporter_id IS NOT NULL AND tribe_id IS NULL"),
            postgresql_where=text("status = 'open' AND reporter_id IS NOT NULL AND tribe_id IS NULL"),
        ),
        # One open automatic report per cluster (fingerprint) and tribe.
        Index(
            "uq_reports_open_cluster",
            "tribe_id",
            "cluster_key",
            unique=True,
            sqlite_where=text("status = 'open' AND cluster_key IS NOT NULL"),
            postgresql_where=text("status = 'open' AND cluster_key IS NOT NULL"),
        ),
        # ... and per cluster among the site admins' reports (no tribe: NULLs never collide above).
        Index(
            "uq_reports_open_site_cluster",
            "cluster_key",
            unique=True,
            sqlite_where=text("status = 'open' AND cluster_key IS NOT NULL AND tribe_id IS NULL"),
            postgresql_where=text("status = 'open' AND cluster_key IS NOT NULL AND tribe_id IS NULL"),
        ),
        CheckConstraint("status IN ('open','resolved')", name="status"),
        CheckConstraint("target_type IN ('message','user','meetup')", name="target_type"),
    )

    #: null for reports to the site admins (site-level reports)
    tribe_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("tribes.id", ondelete="CASCADE"))
    #: null for automatic reports, and once the reporter's account is deleted
    reporter_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id", ondelete="SET NULL"))
    #: message | user | meetup
    target_type: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[int] = mapped_column(IdType)
    #: the person the report is about (message author, the user, meetup creator)
    target_user_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(Text, default="")
    #: what the target looked like when reported (message text, meetup title, member name)
    excerpt: Mapped[str] = mapped_column(Text, default="")
    #: open | resolved
    status: Mapped[str] = mapped_column(String(16), default="open")
    #: automatic reports: the text fingerprint of the cluster (one open report per cluster)
    cluster_key: Mapped[str | None] = mapped_column(String(64))
    #: automatic reports: accounts, messages, times and invite paths
    evidence: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    #: dismiss | delete_content | remove_member | ban_member; site reports: dismiss | suspend_user
    resolution: Mapped[str | None] = mapped_column(String(16))
    resolution_note: Mapped[str] = mapped_column(Text, default="")
    resolved_by_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id", ondelete="SET NULL"))
    resolved_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class MessageFingerprint(RandomIdPK, Base):
    """The normalised-text hash of a recent chat message (for the astroturfing signal)."""

    __tablename__ = "message_fingerprints"
    __table_args__ = (
        Index("ix_message_fingerprints_tribe_fp_time", "tribe_id", "fingerprint", "created_at"),
        Index("ix_message_fingerprints_author_fp_time", "author_id", "fingerprint", "created_at"),
        Index("ix_message_fingerprints_created_at", "created_at"),
        Index("ix_message_fingerprints_fp_time", "fingerprint", "created_at"),
    )

    tribe_id: Mapped[int] = mapped_column(IdType, ForeignKey("tribes.id", ondelete="CASCADE"))
    #: the chat message (no foreign key: chat owns that table; its ids are sequential)
    message_id: Mapped[int] = mapped_column(IdType)
    author_id: Mapped[int] = mapped_column(IdType, ForeignKey("users.id", ondelete="CASCADE"))
    #: sha256 of the normalised text
    fingerprint: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
