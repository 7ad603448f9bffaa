"""In-app notifications."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from tribes.db import Base, IdType, RandomIdPK, utcnow


class Notification(RandomIdPK, Base):
    """Something a user should learn about; never created for declines, blocks or removals."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_user_id_created_at_id", "user_id", "created_at", "id"),
        Index("ix_notifications_about_user_id", "about_user_id"),
    )

    user_id: Mapped[int] = mapped_column(IdType, ForeignKey("users.id", ondelete="CASCADE"))
    #: e.g. contact_request, contact_accepted, tribe_invite, mention, meetup_changed
    kind: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: the person the notification names (requester, mentioner, inviter); when that account
    #: is deleted, the notifications naming them go with it
    about_user_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id", ondelete="CASCADE"))
    read_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: the tribe it is about (found from its data when stored): that tribe's mail volume and
    #: discretion apply to its mail; null for contact news or once the tribe is deleted
    tribe_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("tribes.id", ondelete="SET NULL"))
    #: when it went out by mail, instantly or in a digest (a mailed notification is never mailed again)
    mailed_at: Mapped[datetime | None]


class NotificationSettings(RandomIdPK, Base):
    """A person's mail preferences: only the kinds they changed (the rest follow the defaults
    in tribes.notifications.kinds) and how often their digest goes out."""

    __tablename__ = "notification_settings"

    user_id: Mapped[int] = mapped_column(IdType, ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    #: {kind: "instant" | "digest" | "off"} for the kinds chosen by the person
    email: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    #: daily | weekly
    digest: Mapped[str] = mapped_column(String(8), default="daily")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
