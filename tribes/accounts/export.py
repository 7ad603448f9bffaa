"""Data export: the account itself and its sessions (never token hashes or the password hash)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tribes.accounts.models import SiteAuditEntry, User
from tribes.accounts.schemas import ExportedSessionOut, MeOut
from tribes.accounts.service import list_sessions

TABLES = {"users", "user_sessions", "site_audit_log"}
#: details of a site audit entry about me that I get to read (the reason of my suspension)
OWN_SITE_DETAILS = ("reason",)


def export_user(session: Session, user: User) -> dict[str, Any]:
    """`profile`, `sessions`, the site-level actions about me (never who acted) and my own as site admin."""
    profile = MeOut.of(user).model_dump(mode="json")
    profile["avatar_url"] = user.avatar_url
    about = session.scalars(select(SiteAuditEntry).where(SiteAuditEntry.target_user_id == user.id)
                            .order_by(SiteAuditEntry.created_at, SiteAuditEntry.id))
    done = session.scalars(select(SiteAuditEntry).where(SiteAuditEntry.actor_id == user.id)
                           .order_by(SiteAuditEntry.created_at, SiteAuditEntry.id))
    return {
        "profile": profile,
        "sessions": [ExportedSessionOut.of(s).model_dump(mode="json") for s in list_sessions(session, user)],
        "site_actions_about_me": [
            {"action": e.action, "details": {k: v for k, v in (e.details or {}).items() if k in OWN_SITE_DETAILS},
             "created_at": e.created_at.isoformat()} for e in about
        ],
        "site_admin_actions": [{"action": e.action, "created_at": e.created_at.isoformat()} for e in done],
    }
