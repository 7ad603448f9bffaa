"""Moderation: mutes and the append-only audit log (reports follow)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tribes.db import Base, utcnow


class Mute(Base):
    """A member who may not send chat messages in a tribe until `until`."""

    __tablename__ = "mutes"
    __table_args__ = (UniqueConstraint("tribe_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tribe_id: Mapped[int] = mapped_column(ForeignKey("tribes.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    muted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    until: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEntry(Base):
    """One membership or moderation action; never updated, kept after the actor is deleted."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_tribe_id_id", "tribe_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tribe_id: Mapped[int] = mapped_column(ForeignKey("tribes.id", ondelete="CASCADE"))
    #: null once the actor's account is deleted ("deleted member")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: e.g. invite_created, role_changed, member_removed, member_banned, member_muted
    action: Mapped[str] = mapped_column(String(40))
    target_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
