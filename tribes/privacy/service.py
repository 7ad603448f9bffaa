"""Data export (a registry of per-feature `export.py` modules) and account deletion."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from tribes import events
from tribes.accounts import avatars, passwords
from tribes.accounts.models import User
from tribes.accounts.service import end_sessions
from tribes.db import utcnow
from tribes.errors import ApiError, Conflict
from tribes.features import feature_modules
from tribes.groups.models import Membership, Tribe
from tribes.groups.policy import member_of
from tribes.groups.service import end_all_memberships
from tribes.i18n import _

#: bump when the shape of the export changes
EXPORT_FORMAT = 1


def export_modules() -> list[Any]:
    """Every feature's `export` module (each has TABLES and export_user)."""
    return feature_modules("export")


def covered_tables() -> set[str]:
    """The union of the tables the export modules say they cover."""
    tables: set[str] = set()
    for module in export_modules():
        tables |= set(module.TABLES)
    return tables


def export_user(session: Session, user: User) -> dict[str, Any]:
    """Everything stored about the user, one JSON-ready document; keys never collide."""
    document: dict[str, Any] = {"format": EXPORT_FORMAT, "exported_at": utcnow().isoformat()}
    for module in export_modules():
        part = module.export_user(session, user)
        clash = set(part) & set(document)
        if clash:
            raise RuntimeError(f"export keys {sorted(clash)} of {module.__name__} collide")
        document.update(part)
    return document


def sole_owned_tribes(session: Session, user_id: int) -> list[Tribe]:
    """Tribes with other members where the user is the only owner (deletion must wait); one query."""
    owner = aliased(Membership)
    owners = (
        select(func.count(owner.id))
        .where(owner.tribe_id == Tribe.id, owner.role == "owner")
        .correlate(Tribe)
        .scalar_subquery()
    )
    return list(
        session.scalars(
            select(Tribe)
            .join(Membership, member_of(Tribe.id, user_id))
            .where(Membership.role == "owner", Tribe.member_count > 1)
            .where(owners <= 1)
        )
    )


def delete_account(session: Session, user: User, password: str, *, erase_messages: bool = False) -> None:
    """Delete the account in the caller's transaction; any failure leaves everything intact."""
    from tribes.contacts.service import delete_for_user as delete_contacts
    from tribes.notifications.service import delete_for_user as delete_notifications

    if not passwords.verify_password(user.password_hash, password):
        raise ApiError(_("The password is wrong."), status=403, code="invalid_password")
    if sole_owned_tribes(session, user.id):
        raise Conflict(
            _("You are the only owner of a tribe with other members; hand ownership over first."),
            code="sole_owner",
        )
    user_id = user.id
    end_all_memberships(session, user_id, "deleted")
    events.user_deleting.send(user_id, session=session, erase_messages=erase_messages)
    end_sessions(session, user_id, reason="deleted")
    delete_contacts(session, user_id)
    delete_notifications(session, user_id)
    avatars.forget_avatar(session, user)  # the picture file goes after the commit
    session.delete(user)
    session.flush()
