"""Reports to the site admins (no tribe): filed about a user the reporter can see or a direct
message the reporter can read (the admins see that one message, nothing else of the
conversation), listed and resolved by site admins (dismiss, or suspend the account)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tribes.accounts import suspension
from tribes.accounts.models import User
from tribes.accounts.site import record as record_site
from tribes.contacts.visibility import can_see_profile
from tribes.db import rowcount, utcnow
from tribes.errors import Conflict, NotFound, ValidationFailed
from tribes.i18n import _
from tribes.moderation.models import Report

SITE_ACTIONS = ("dismiss", "suspend_user")


def _open_site_report_by(session: Session, reporter_id: int, target_type: str, target_id: int) -> Report | None:
    return session.scalar(
        select(Report).where(
            Report.reporter_id == reporter_id, Report.tribe_id.is_(None), Report.target_type == target_type,
            Report.target_id == target_id, Report.status == "open",
        )
    )


#: how much of a reported direct message the site admins see (that one message only)
EXCERPT_CHARS = 500


def _target(session: Session, reporter_id: int, target_type: str, target_id: int) -> tuple[int, str]:
    """(the reported account's id, the excerpt the site admins see) of a user the reporter can see,
    or of a direct message the reporter can read (404 otherwise, like a missing one)."""
    if target_type == "message":
        from tribes.chat.direct_sending import get_direct_message

        message = get_direct_message(session, reporter_id, target_id)
        if message.author_id is None:
            raise NotFound()
        author_id, excerpt = message.author_id, message.body[:EXCERPT_CHARS]
    else:
        target = session.get(User, target_id)
        if target is None or not can_see_profile(session, reporter_id, target):
            raise NotFound()
        author_id, excerpt = target.id, target.display_name
    if author_id == reporter_id:
        raise ValidationFailed({"target_id": _("You cannot report yourself.")})
    return author_id, excerpt


def file_site_report(
    session: Session, reporter_id: int, target_id: int, reason: str, target_type: str = "user",
) -> tuple[Report, bool]:
    """Report a user the reporter can see, or a direct message the reporter can read, to the site
    admins (else 404). Of a conversation they see that one message, nothing else. Returns
    (report, created); an open duplicate is returned as is."""
    target_user_id, excerpt = _target(session, reporter_id, target_type, target_id)
    existing = _open_site_report_by(session, reporter_id, target_type, target_id)
    if existing is not None:
        return existing, False
    now = utcnow()
    report = Report(
        tribe_id=None, reporter_id=reporter_id, target_type=target_type, target_id=target_id,
        target_user_id=target_user_id, reason=reason, excerpt=excerpt, status="open", created_at=now, updated_at=now,
    )
    try:
        with session.begin_nested():
            session.add(report)
            session.flush()
    except IntegrityError:
        existing = _open_site_report_by(session, reporter_id, target_type, target_id)
        if existing is None:
            raise
        return existing, False
    return report, True


def site_queue_query(status: str) -> Any:
    """Site-level reports with the given status (page it newest first by time and id)."""
    return select(Report).where(Report.tribe_id.is_(None), Report.status == status)


def count_open(session: Session) -> int:
    """How many reports to the site admins are open."""
    return int(session.scalar(select(func.count()).where(Report.tribe_id.is_(None), Report.status == "open")) or 0)


def get_site_report(session: Session, user: Any, report_id: int) -> Report:
    """A site-level report, for site admins only (404 for anyone else and for tribe reports)."""
    report = session.get(Report, report_id)
    if report is None or report.tribe_id is not None or not getattr(user, "site_admin", False):
        raise NotFound()
    return report


def is_site_report(session: Session, report_id: int) -> bool:
    """Whether the id names a site-level report (callers then ask `get_site_report`)."""
    found = session.scalar(select(Report.id).where(Report.id == report_id, Report.tribe_id.is_(None)))
    return found is not None


def resolve_site_report(session: Session, report: Report, actor: User, action: str, note: str) -> Report:
    """Resolve a site report: dismiss it, or suspend the reported account; audited on the site log."""
    if action not in SITE_ACTIONS:
        raise ValidationFailed({"action": _("Use dismiss or suspend_user for a report to the site admins.")})
    claimed = session.execute(
        update(Report)
        .where(Report.id == report.id, Report.status == "open")
        .values(status="resolved", resolution=action, resolution_note=note,
                resolved_by_id=actor.id, resolved_at=utcnow(), updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if rowcount(claimed) != 1:
        raise Conflict(_("This report was already resolved."), code="already_resolved")
    session.refresh(report)
    if action == "suspend_user":
        target = session.get(User, report.target_user_id) if report.target_user_id else None
        if target is None:
            raise Conflict(_("The reported account no longer exists."))
        suspension.suspend(session, actor, target, note or report.reason)
    record_site(session, actor.id, "report_resolved", target_user_id=report.target_user_id,
                details={"report_id": report.id, "action": action, "note": note})
    return report
