"""Data export: every notification of the user."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tribes.accounts.models import User
from tribes.notifications.models import Notification
from tribes.notifications.schemas import NotificationOut

TABLES = {"notifications"}


def export_user(session: Session, user: User) -> dict[str, Any]:
    """`notifications`, oldest first."""
    rows = session.scalars(
        select(Notification).where(Notification.user_id == user.id).order_by(Notification.created_at, Notification.id)
    )
    return {"notifications": [NotificationOut.of(n).model_dump(mode="json") for n in rows]}
