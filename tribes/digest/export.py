"""What the digest stores about a user, for the account export: when it last looked and sent."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tribes.accounts.models import User
from tribes.digest.models import DigestState

#: tables holding personal data of this feature (the marks are message ids: bookkeeping only)
TABLES = {"digest_states", "digest_marks"}


def export_user(session: Session, user: User) -> dict[str, Any]:
    """`digest`: when the digest job last looked for the user, and when it last sent them one."""
    state = session.scalar(select(DigestState).where(DigestState.user_id == user.id))
    if state is None:
        return {"digest": {"checked_at": None, "sent_at": None}}
    return {"digest": {"checked_at": state.checked_at.isoformat(),
                       "sent_at": state.sent_at.isoformat() if state.sent_at else None}}
