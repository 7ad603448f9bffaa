"""Data export: the account itself and its sessions (never token hashes or the password hash)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from tribes.accounts.models import User
from tribes.accounts.service import list_sessions, me

TABLES = {"users", "user_sessions"}


def export_user(session: Session, user: User) -> dict[str, Any]:
    """`profile` and `sessions`."""
    profile = me(user)
    profile["avatar_url"] = user.avatar_url
    return {
        "profile": profile,
        "sessions": [
            {
                "id": s.id,
                "created_at": s.created_at.isoformat(),
                "last_seen_at": s.last_seen_at.isoformat(),
                "ip": s.ip,
                "user_agent": s.user_agent,
            }
            for s in list_sessions(session, user)
        ],
    }
