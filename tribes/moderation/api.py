"""JSON API: reports, the admin queue and resolutions, mutes, the audit log."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask_login import current_user

from tribes.db import time_id_keyset
from tribes.errors import ValidationFailed
from tribes.extensions import db
from tribes.groups import mutes, policy
from tribes.groups.audit import AuditEntry
from tribes.groups.models import Mute
from tribes.http import api_blueprint, body, keyset_page, page, parse
from tribes.moderation import limits, reports, schemas, service
from tribes.moderation.models import Report

bp = api_blueprint("moderation_api", __name__)


@bp.post("/reports")
@body(schemas.ReportIn)
@limits.report_filing
def file_report() -> Any:
    """Report a message, member or meetup of my tribe; the same open report is not filed twice."""
    data = parse(schemas.ReportIn)
    report, tribe, created = reports.file_report(
        db.session, current_user.id, data.tribe, data.target_type, data.target_id, data.reason
    )
    db.session.commit()
    return jsonify(reports.filed_dict(report, tribe.slug)), 201 if created else 200


@bp.get("/me/reports")
def my_reports() -> Any:
    """Reports I filed, newest first (status only: not what happened to whom)."""
    rows, cursor = keyset_page(db.session, reports.filed_by_query(current_user.id), descending=True,
                                 **time_id_keyset(Report.created_at, Report.id))
    slugs = service.tribe_slugs(db.session, {r.tribe_id for r in rows})
    return jsonify(page([reports.filed_dict(r, slugs.get(r.tribe_id, "")) for r in rows], cursor))


@bp.get("/tribes/<slug>/reports")
def report_queue(slug: str) -> Any:
    """The tribe's reports (admins), newest first; ?status=open (default) or resolved."""
    tribe, _ = policy.get_tribe_with_role(db.session, current_user.id, slug, "admin")
    status = request.args.get("status", "open")
    if status not in ("open", "resolved"):
        raise ValidationFailed({"status": "Use open or resolved."})
    rows, cursor = keyset_page(db.session, reports.queue_query(tribe.id, status), descending=True,
                                 **time_id_keyset(Report.created_at, Report.id))
    users = reports.users_of(db.session, rows)
    return jsonify(page([reports.serialise(r, tribe.slug, users) for r in rows], cursor))


@bp.get("/reports/<int:report_id>")
def get_report(report_id: int) -> Any:
    """One report (admins of its tribe)."""
    report, tribe, _ = reports.get_report_as_admin(db.session, current_user.id, report_id)
    return jsonify(reports.serialise(report, tribe.slug, reports.users_of(db.session, [report])))


@bp.post("/reports/<int:report_id>/resolve")
@body(schemas.ResolveIn)
def resolve_report(report_id: int) -> Any:
    """Resolve a report: dismiss, delete the content, remove or ban the member."""
    report, tribe, actor = reports.get_report_as_admin(db.session, current_user.id, report_id)
    data = parse(schemas.ResolveIn)
    slug = tribe.slug
    reports.resolve(db.session, report, tribe, actor, data.action, data.note)
    db.session.commit()
    return jsonify(reports.serialise(report, slug, reports.users_of(db.session, [report])))


@bp.post("/tribes/<slug>/mutes")
@body(schemas.MuteIn)
def mute(slug: str) -> Any:
    """Mute a member for some minutes (admins; members ranked below me)."""
    tribe, actor = policy.get_tribe_with_role(db.session, current_user.id, slug, "admin")
    data = parse(schemas.MuteIn)
    row = mutes.mute(db.session, tribe, actor, data.user_id, data.minutes)
    db.session.commit()
    return jsonify(service.mute_dict(row, service.users_by_id(db.session, {row.user_id, row.muted_by_id}))), 201


@bp.get("/tribes/<slug>/mutes")
def list_mutes(slug: str) -> Any:
    """Mutes still running in the tribe (admins)."""
    tribe, _ = policy.get_tribe_with_role(db.session, current_user.id, slug, "admin")
    rows, cursor = keyset_page(db.session, mutes.active_mutes_query(tribe.id), **time_id_keyset(Mute.created_at, Mute.id))
    users = service.users_by_id(db.session, {i for m in rows for i in (m.user_id, m.muted_by_id)})
    return jsonify(page([service.mute_dict(m, users) for m in rows], cursor))


@bp.delete("/tribes/<slug>/mutes/<int:user_id>")
def unmute(slug: str, user_id: int) -> Any:
    """Lift a mute now (admins)."""
    tribe, actor = policy.get_tribe_with_role(db.session, current_user.id, slug, "admin")
    mutes.unmute(db.session, tribe, actor, user_id)
    db.session.commit()
    return "", 204


@bp.get("/tribes/<slug>/audit-log")
def audit_log(slug: str) -> Any:
    """Every membership and moderation action of the tribe, newest first (admins)."""
    tribe, _ = policy.get_tribe_with_role(db.session, current_user.id, slug, "admin")
    rows, cursor = keyset_page(db.session, service.audit_query(tribe.id), descending=True,
                                 **time_id_keyset(AuditEntry.created_at, AuditEntry.id))
    users = service.users_by_id(db.session, {i for e in rows for i in (e.actor_id, e.target_user_id)})
    return jsonify(page([service.audit_dict(e, users) for e in rows], cursor))
