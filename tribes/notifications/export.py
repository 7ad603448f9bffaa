"""Data export: every notification of the user."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tribes.accounts.models import User
from tribes.notifications.models import Notification
from tribes.notifications.preferences import get_settings
from tribes.notifications.service import serialise
from tribes.notifications.texts import Reader

TABLES = {"notifications", "notification_settings"}


def export_user(session: Session, user: User) -> dict[str, Any]:
    """`notifications`, oldest first, and `notification_settings` (my mail settings, defaults filled in)."""
    rows = list(session.scalars(
        select(Notification).where(Notification.user_id == user.id).order_by(Notification.created_at, Notification.id)
    ))
    settings = get_settings(session, user.id)
    return {
        "notifications": [n.model_dump(mode="json") for n in serialise(session, rows, Reader.of(user))],
        "notification_settings": {"email": settings.email, "digest": settings.digest},
    }
