"""Site admins and suspended accounts: grant and revoke the right, suspend and unsuspend."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tribes.accounts.models import User
from tribes.accounts.service import end_sessions_everywhere, normalise_email
from tribes.accounts.site import record
from tribes.db import rowcount, utcnow
from tribes.errors import Conflict, Forbidden
from tribes.i18n import _


def user_by_email(session: Session, email: str) -> User | None:
    """The account with this address (compared case-insensitively), or None."""
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def set_site_admin(session: Session, user: User, admin: bool, *, actor_id: int | None = None) -> bool:
    """Grant or revoke the site-admin right (audited); False when nothing changed."""
    if user.site_admin == admin:
        return False
    user.site_admin = admin
    record(session, actor_id, "admin_granted" if admin else "admin_revoked", target_user_id=user.id)
    session.flush()
    return True


def suspend(session: Session, actor: User, target: User, reason: str) -> User:
    """Suspend an account: its sessions and sockets end at once (all processes); audited.

    A site admin cannot suspend themselves or another site admin (403); an account that is
    already suspended stays as it was (the first reason and time are kept)."""
    if target.id == actor.id:
        raise Forbidden(_("You cannot suspend yourself."))
    if target.site_admin:
        raise Forbidden(_("A site admin cannot be suspended; revoke the right first."))
    claimed = session.execute(
        update(User).where(User.id == target.id, User.suspended_at.is_(None))
        .values(suspended_at=utcnow()).execution_options(synchronize_session=False)
    )
    session.refresh(target)
    if rowcount(claimed) == 1:
        record(session, actor.id, "user_suspended", target_user_id=target.id, details={"reason": reason})
    # Also when already suspended: a session that slipped in (it cannot) would end here.
    end_sessions_everywhere(session, target.id, keep=None, reason="suspended")
    return target


def unsuspend(session: Session, actor: User, target: User) -> User:
    """Lift a suspension (audited); the person can log in again. 409 when not suspended."""
    claimed = session.execute(
        update(User).where(User.id == target.id, User.suspended_at.is_not(None))
        .values(suspended_at=None).execution_options(synchronize_session=False)
    )
    session.refresh(target)
    if rowcount(claimed) != 1:
        raise Conflict(_("This account is not suspended."))
    record(session, actor.id, "user_unsuspended", target_user_id=target.id)
    return target
