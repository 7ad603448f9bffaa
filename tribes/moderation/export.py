"""The moderation part of a user's data export: only what is the user's own."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tribes.accounts.models import User
from tribes.groups.audit import AuditEntry
from tribes.groups.models import Mute, Tribe
from tribes.moderation.models import MessageFingerprint, Report

#: moderation tables that refer to users
TABLES = {"reports", "mutes", "audit_log", "message_fingerprints"}
#: audit details a person may read about themselves (no free text an admin wrote, no other people)
OWN_DETAILS = {"invite_id", "max_uses", "expires_at", "from", "to", "message_id", "meetup_id", "title",
               "minutes", "until", "with_branch", "action"}


def export_user(session: Session, user: User) -> dict[str, Any]:
    """Reports the user filed, reports and audit entries about them (never who reported them or
    why, nor who acted), their mutes, their own logged actions."""
    from tribes.groups.export import tribe_labels

    filed = session.execute(
        select(Report, Tribe.slug).outerjoin(Tribe, Tribe.id == Report.tribe_id)
        .where(Report.reporter_id == user.id).order_by(Report.created_at, Report.id)
    ).all()
    mutes = session.execute(
        select(Mute, Tribe.slug).join(Tribe, Tribe.id == Mute.tribe_id).where(Mute.user_id == user.id).order_by(Mute.created_at, Mute.id)
    ).all()
    actions = session.execute(
        select(AuditEntry, Tribe.slug).join(Tribe, Tribe.id == AuditEntry.tribe_id)
        .where(AuditEntry.actor_id == user.id).order_by(AuditEntry.created_at, AuditEntry.id)
    ).all()
    fingerprints = session.execute(
        select(MessageFingerprint, Tribe.slug).join(Tribe, Tribe.id == MessageFingerprint.tribe_id)
        .where(MessageFingerprint.author_id == user.id).order_by(MessageFingerprint.created_at, MessageFingerprint.id)
    ).all()
    about = list(session.scalars(select(Report).where(Report.target_user_id == user.id).order_by(Report.id)))
    about_log = list(session.scalars(
        select(AuditEntry).where(AuditEntry.target_user_id == user.id).order_by(AuditEntry.id)
    ))
    labels = tribe_labels(session, user.id, {r.tribe_id for r in about if r.tribe_id is not None}
                          | {e.tribe_id for e in about_log})

    def slug_of(tribe_id: int | None) -> str | None:
        return labels.get(tribe_id, (None, None))[0] if tribe_id is not None else None

    return {
        "reports_about_me": [
            {
                "id": r.id, "tribe": slug_of(r.tribe_id), "target_type": r.target_type, "target_id": r.target_id,
                "excerpt": r.excerpt, "automatic": r.cluster_key is not None, "status": r.status,
                "resolution": r.resolution if r.status == "resolved" else None,
                "created_at": r.created_at.isoformat(),
            }
            for r in about
        ],
        "moderation_about_me": [
            {
                "tribe": slug_of(e.tribe_id), "action": e.action,
                "details": {k: v for k, v in (e.details or {}).items() if k in OWN_DETAILS},
                "created_at": e.created_at.isoformat(),
            }
            for e in about_log
        ],
        "reports_filed": [
            {
                "id": r.id, "tribe": slug, "target_type": r.target_type, "target_id": r.target_id,
                "reason": r.reason, "status": r.status, "created_at": r.created_at.isoformat(),
            }
            for r, slug in filed
        ],
        "mutes": [{"tribe": slug, "until": m.until.isoformat(), "created_at": m.created_at.isoformat()} for m, slug in mutes],
        "moderation_actions": [
            {"tribe": slug, "action": e.action, "created_at": e.created_at.isoformat()} for e, slug in actions
        ],
        "message_fingerprints": [
            {"tribe": slug, "message_id": f.message_id, "fingerprint": f.fingerprint, "created_at": f.created_at.isoformat()}
            for f, slug in fingerprints
        ],
    }
