"""Reports: filing (once per reporter and target while open), the admin queue, resolution."""

from __future__ import annotations

import copy
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tribes.accounts.models import User
from tribes.db import rowcount, utcnow
from tribes.errors import Conflict, Forbidden, NotFound, ValidationFailed
from tribes.groups import policy
from tribes.groups.audit import record as audit
from tribes.groups.models import Membership, Tribe
from tribes.i18n import _
from tribes.moderation.models import Report

ACTIONS = ("dismiss", "delete_content", "remove_member", "ban_member")
EXCERPT_CHARS = 500
#: what stands where a deleted account's name or erased text was
ERASED = "(erased)"


def users_of(session: Session, reports: list[Report]) -> dict[int, User]:
    """Everyone the reports mention, in one query."""
    ids = {i for r in reports for i in (r.reporter_id, r.target_user_id, r.resolved_by_id) if i}
    return {u.id: u for u in session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}


def _target(session: Session, tribe: Tribe, reporter_id: int, target_type: str, target_id: int) -> tuple[int | None, str]:
    """The reported thing's person and excerpt; NotFound unless it is in this tribe and visible."""
    if target_type == "message":
        from tribes.chat.service import get_message_for

        message = get_message_for(session, reporter_id, target_id)
        if message.tribe_id != tribe.id or message.deleted_at is not None:
            raise NotFound()
        return message.author_id, message.body[:EXCERPT_CHARS]
    if target_type == "meetup":
        from tribes.meetups.service import get_meetup_for

        meetup = get_meetup_for(session, reporter_id, target_id)
        if meetup.tribe_id != tribe.id:
            raise NotFound()
        return meetup.created_by_id, meetup.title[:EXCERPT_CHARS]
    member = policy.membership(session, tribe.id, target_id)
    if member is None:
        raise NotFound()
    if target_id == reporter_id:
        raise ValidationFailed({"target_id": _("You cannot report yourself.")})
    return target_id, member.user.display_name


def _open_report_by(session: Session, reporter_id: int, tribe_id: int, target_type: str, target_id: int) -> Report | None:
    return session.scalar(
        select(Report).where(
            Report.reporter_id == reporter_id, Report.tribe_id == tribe_id, Report.target_type == target_type,
            Report.target_id == target_id, Report.status == "open",
        )
    )


def file_report(
    session: Session, reporter_id: int, slug: str, target_type: str, target_id: int, reason: str
) -> tuple[Report, Tribe, bool]:
    """File a member's report; returns (report, tribe, created). An open duplicate is returned as is."""
    tribe, _ = policy.get_tribe_for(session, reporter_id, slug)
    target_user_id, excerpt = _target(session, tribe, reporter_id, target_type, target_id)
    existing = _open_report_by(session, reporter_id, tribe.id, target_type, target_id)
    if existing is not None:
        return existing, tribe, False
    now = utcnow()
    report = Report(
        tribe_id=tribe.id, reporter_id=reporter_id, target_type=target_type, target_id=target_id,
        target_user_id=target_user_id, reason=reason, excerpt=excerpt, status="open",
        created_at=now, updated_at=now,
    )
    try:
        with session.begin_nested():
            session.add(report)
            session.flush()
    except IntegrityError:
        # The same report was filed concurrently: the database kept exactly one.
        existing = _open_report_by(session, reporter_id, tribe.id, target_type, target_id)
        if existing is None:
            raise
        return existing, tribe, False
    notify_admins(session, tribe, report, exclude=reporter_id)
    return report, tribe, True


def notify_admins(session: Session, tribe: Tribe, report: Report, exclude: int | None = None) -> None:
    """Tell the tribe's admins and owners about a new report."""
    from tribes.notifications.service import notify

    admin_ids = session.scalars(policy.members_at_least(tribe.id, "admin"))
    for uid in list(admin_ids):
        if uid != exclude:
            notify(session, uid, "report_filed", {
                "tribe": {"slug": tribe.slug, "name": tribe.name},
                "report_id": report.id,
                "automatic": report.cluster_key is not None,
            })


def queue_query(tribe_id: int, status: str) -> Any:
    """A tribe's reports with the given status (page it newest first by id)."""
    return select(Report).where(Report.tribe_id == tribe_id, Report.status == status)


def filed_by_query(reporter_id: int) -> Any:
    """The reports a user filed (page it newest first by id)."""
    return select(Report).where(Report.reporter_id == reporter_id)


def get_report_as_admin(session: Session, user_id: int, report_id: int) -> tuple[Report, Tribe, Membership]:
    """A report of a tribe where the user is admin+ (404 outsiders and unknown ids, 403 below admin)."""
    report, actor = policy.get_as_member(session, Report, report_id, user_id)
    policy.require_role(actor, "admin")
    return report, session.get_one(Tribe, report.tribe_id), actor


def resolve(session: Session, report: Report, tribe: Tribe, actor: Membership, action: str, note: str) -> Report:
    """Apply the action through the owning feature, record it, audit it and tell the reporter."""
    claimed = session.execute(
        update(Report)
        .where(Report.id == report.id, Report.status == "open")
        .values(status="resolved", resolution=action, resolution_note=note,
                resolved_by_id=actor.user_id, resolved_at=utcnow(), updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if rowcount(claimed) != 1:
        raise Conflict(_("This report was already resolved."), code="already_resolved")
    session.refresh(report)
    affected = _apply(session, report, tribe, actor, action, note)
    audit(session, tribe.id, actor.user_id, "report_resolved", target_user_id=report.target_user_id,
          details={"report_id": report.id, "action": action, "note": note, "affected": affected})
    if report.reporter_id is not None and report.reporter_id != actor.user_id:
        from tribes.notifications.service import notify

        notify(session, report.reporter_id, "report_handled",
               {"report_id": report.id, "tribe": {"slug": tribe.slug, "name": tribe.name}})
    return report


def _cluster_messages(report: Report) -> list[int]:
    return [m["id"] for m in (report.evidence or {}).get("messages", [])]


def _cluster_accounts(report: Report) -> list[int]:
    return [a["user"]["id"] for a in (report.evidence or {}).get("accounts", []) if a.get("user")]


def _apply(session: Session, report: Report, tribe: Tribe, actor: Membership, action: str, note: str) -> list[int]:
    """Carry out a resolution; returns the ids of the messages/meetup/users acted upon."""
    if action == "dismiss":
        return []
    automatic = report.cluster_key is not None
    if action == "delete_content":
        return _delete_content(session, report, tribe, actor, note, automatic)
    from tribes.groups import bans
    from tribes.groups import service as groups

    user_ids = _cluster_accounts(report) if automatic else [report.target_user_id]
    done: list[int] = []
    for uid in user_ids:
        if uid is None or uid == actor.user_id:
            continue
        target = policy.membership(session, tribe.id, uid)
        if target is not None and not policy.may_remove(actor, target):
            if automatic:
                continue  # a cluster may include staff; act on everyone else
            raise Forbidden()
        if action == "remove_member":
            if target is not None:
                groups.remove_member(session, tribe, actor, target)
                done.append(uid)
        else:
            try:
                bans.ban(session, tribe, actor, uid, note or report.reason)
            except NotFound:
                if automatic:
                    continue  # never in the tribe (a join-request cluster): decline them in the queue
                raise
            done.append(uid)
    return done


def _delete_content(session: Session, report: Report, tribe: Tribe, actor: Membership, note: str, automatic: bool) -> list[int]:
    """Tombstone the reported message(s) or cancel the reported meetup."""
    if report.target_type == "user":
        raise ValidationFailed({"action": _("A report about a member has no content to delete.")})
    if report.target_type == "meetup":
        from tribes.meetups.service import cancel_meetup, get_meetup_for

        meetup = get_meetup_for(session, actor.user_id, report.target_id)
        cancel_meetup(session, meetup, actor.user_id, note or _("Cancelled by a moderator."))
        audit(session, tribe.id, actor.user_id, "meetup_cancelled", target_user_id=meetup.created_by_id,
              details={"meetup_id": meetup.id, "title": meetup.title})
        return [meetup.id]
    from tribes.chat.service import delete_message, get_message_for

    ids = _cluster_messages(report) if automatic else [report.target_id]
    done = []
    for message_id in ids:
        try:
            message = get_message_for(session, actor.user_id, message_id)
        except NotFound:
            continue
        if message.tribe_id == tribe.id:
            delete_message(session, message, actor.user_id, moderator=True)
            done.append(message_id)
    return done


# ---------------------------------------------------------------- account deletion


def _erase_from_evidence(evidence: dict[str, Any], user_id: int) -> dict[str, Any]:
    """The evidence without the person's card (name, avatar) or authorship."""
    evidence = copy.deepcopy(evidence)
    for account in evidence.get("accounts", []):
        if (account.get("user") or {}).get("id") == user_id:
            account["user"] = None
        if (account.get("invited_by") or {}).get("id") == user_id:
            account["invited_by"] = None
    for message in evidence.get("messages", []):
        if message.get("author_id") == user_id:
            message["author_id"] = None
    return evidence


def forget_person(session: Session, user_id: int, *, erase_messages: bool) -> None:
    """Account deletion: reports keep no name or avatar of the person (excerpts of reports
    about them as a member, automatic reports' evidence); with `erase_messages` neither the
    text of their reported messages nor the reasons they wrote themselves."""
    conditions = [Report.target_user_id == user_id, Report.cluster_key.is_not(None)]
    if erase_messages:
        conditions.append(Report.reporter_id == user_id)
    for report in session.scalars(select(Report).where(or_(*conditions))):
        if report.target_user_id == user_id and (
            report.target_type == "user" or (erase_messages and report.target_type == "message")
        ):
            report.excerpt = ERASED
        if erase_messages and report.reporter_id == user_id:
            report.reason = ERASED
        if report.evidence:
            evidence = _erase_from_evidence(report.evidence, user_id)
            if evidence != report.evidence:
                report.evidence = evidence
    session.flush()
