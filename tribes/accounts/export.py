"""Data export: the account itself and its sessions (never token hashes or the password hash)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from tribes.accounts.models import User
from tribes.accounts.schemas import ExportedSessionOut, MeOut
from tribes.accounts.service import list_sessions

TABLES = {"users", "user_sessions"}


def export_user(session: Session, user: User) -> dict[str, Any]:
    """`profile` and `sessions`."""
    profile = MeOut.of(user).model_dump(mode="json")
    profile["avatar_url"] = user.avatar_url
    return {
        "profile": profile,
        "sessions": [ExportedSessionOut.of(s).model_dump(mode="json") for s in list_sessions(session, user)],
    }
