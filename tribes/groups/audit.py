"""The tribe audit log: a low facility every feature writes through `record`; moderation lists it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from tribes.db import Base, IdType, RandomIdPK, utcnow


class AuditEntry(RandomIdPK, Base):
    """One membership or moderation action; never updated, kept after the actor is deleted."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_tribe_id_created_at_id", "tribe_id", "created_at", "id"),)

    tribe_id: Mapped[int] = mapped_column(IdType, ForeignKey("tribes.id", ondelete="CASCADE"))
    #: null once the actor's account is deleted ("deleted member")
    actor_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id", ondelete="SET NULL"))
    #: e.g. invite_created, role_changed, member_removed, member_banned, member_muted
    action: Mapped[str] = mapped_column(String(40))
    target_user_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id", ondelete="SET NULL"))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


def record(
    session: Session,
    tribe_id: int,
    actor_id: int | None,
    action: str,
    *,
    target_user_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append an entry to the tribe's audit log (flushed, never committed)."""
    entry = AuditEntry(
        tribe_id=tribe_id,
        actor_id=actor_id,
        action=action,
        target_user_id=target_user_id,
        details=details or {},
        created_at=utcnow(),
    )
    session.add(entry)
    session.flush()
    return entry
