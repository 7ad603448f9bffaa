"""JSON API: reports, the admin queue and resolutions, mutes, the audit log."""

from __future__ import annotations

from flask import request
from flask_login import current_user

from tribes.db import time_id_keyset
from tribes.endpoint import Page, endpoint
from tribes.errors import ValidationFailed
from tribes.extensions import db
from tribes.groups import mutes, policy
from tribes.groups.audit import AuditEntry
from tribes.groups.models import Mute
from tribes.http import api_blueprint
from tribes.i18n import _
from tribes.moderation import limits, reports, schemas, service, site_reports
from tribes.moderation.models import Report
from tribes.moderation.schemas import AuditEntryOut, FiledReportOut, MuteOut, ReportOut
from tribes.paging import keyset_page

bp = api_blueprint("moderation_api", __name__)


@bp.post("/reports")
@limits.report_filing
@endpoint(FiledReportOut, status=201, also=(200,), body=schemas.ReportIn)
def file_report(data: schemas.ReportIn) -> tuple[FiledReportOut, int]:
    """Report a message, member or meetup of my tribe, or (without a tribe) a user to the site
    admins; the same open report is not filed twice."""
    if data.tribe is None:
        if data.target_type not in ("user", "message"):
            raise ValidationFailed({"tribe": _("Name the tribe of the reported meetup.")})
        site_report, created = site_reports.file_site_report(
            db.session, current_user.id, data.target_id, data.reason, data.target_type)
        return FiledReportOut.of(site_report, None), 201 if created else 200
    report, tribe, created = reports.file_report(
        db.session, current_user.id, data.tribe, data.target_type, data.target_id, data.reason
    )
    return FiledReportOut.of(report, tribe.slug), 201 if created else 200


@bp.get("/me/reports")
@endpoint(Page[FiledReportOut], paged=True)
def my_reports() -> Page[FiledReportOut]:
    """Reports I filed, newest first (status only: not what happened to whom)."""
    rows, cursor = keyset_page(db.session, reports.filed_by_query(current_user.id), descending=True,
                                 **time_id_keyset(Report.created_at, Report.id))
    slugs = service.tribe_slugs(db.session, {r.tribe_id for r in rows if r.tribe_id is not None})
    return Page(items=[FiledReportOut.of(r, slugs.get(r.tribe_id, "") if r.tribe_id is not None else None)
                       for r in rows], next_cursor=cursor)


@bp.get("/tribes/<slug>/reports")
@endpoint(Page[ReportOut], paged=True)
def report_queue(slug: str) -> Page[ReportOut]:
    """The tribe's reports (admins), newest first; ?status=open (default) or resolved."""
    tribe, _admin = policy.get_tribe_with_role(db.session, current_user.id, slug, "admin")
    status = request.args.get("status", "open")
    if status not in ("open", "resolved"):
        raise ValidationFailed({"status": _("Use open or resolved.")})
    rows, cursor = keyset_page(db.session, reports.queue_query(tribe.id, status), descending=True,
                                 **time_id_keyset(Report.created_at, Report.id))
    users = reports.users_of(db.session, rows)
    return Page(items=[ReportOut.of(r, tribe.slug, users) for r in rows], next_cursor=cursor)


@bp.get("/reports/<int:report_id>")
@endpoint(ReportOut)
def get_report(report_id: int) -> ReportOut:
    """One report (admins of its tribe; site admins for a report to the site admins)."""
    if site_reports.is_site_report(db.session, report_id):
        site_report = site_reports.get_site_report(db.session, current_user, report_id)
        return ReportOut.of(site_report, None, reports.users_of(db.session, [site_report]))
    report, tribe, _ = reports.get_report_as_admin(db.session, current_user.id, report_id)
    return ReportOut.of(report, tribe.slug, reports.users_of(db.session, [report]))


@bp.post("/reports/<int:report_id>/resolve")
@endpoint(ReportOut, body=schemas.ResolveIn)
def resolve_report(report_id: int, data: schemas.ResolveIn) -> ReportOut:
    """Resolve a report: dismiss, delete the content, remove or ban the member; a report to
    the site admins: dismiss or suspend_user (site admins)."""
    if site_reports.is_site_report(db.session, report_id):
        site_report = site_reports.get_site_report(db.session, current_user, report_id)
        site_reports.resolve_site_report(db.session, site_report, current_user._get_current_object(),
                                         data.action, data.note)
        return ReportOut.of(site_report, None, reports.users_of(db.session, [site_report]))
    report, tribe, actor = reports.get_report_as_admin(db.session, current_user.id, report_id)
    if data.action not in reports.ACTIONS:
        raise ValidationFailed({"action": _("Use dismiss, delete_content, remove_member or ban_member.")})
    slug = tribe.slug
    reports.resolve(db.session, report, tribe, actor, data.action, data.note)
    return ReportOut.of(report, slug, reports.users_of(db.session, [report]))


@bp.post("/tribes/<slug>/mutes")
@endpoint(MuteOut, status=201, body=schemas.MuteIn)
def mute(slug: str, data: schemas.MuteIn) -> MuteOut:
    """Mute a member for some minutes (admins; members ranked below me)."""
    tribe, actor = policy.get_tribe_with_role(db.session, current_user.id, slug, "admin")
    row = mutes.mute(db.session, tribe, actor, data.user_id, data.minutes)
    return MuteOut.model_validate(service.mute_dict(row, service.users_by_id(db.session, {row.user_id, row.muted_by_id})))


@bp.get("/tribes/<slug>/mutes")
@endpoint(Page[MuteOut], paged=True)
def list_mutes(slug: str) -> Page[MuteOut]:
    """Mutes still running in the tribe (admins)."""
    tribe, _ = policy.get_tribe_with_role(db.session, current_user.id, slug, "admin")
    rows, cursor = keyset_page(db.session, mutes.active_mutes_query(tribe.id), **time_id_keyset(Mute.created_at, Mute.id))
    users = service.users_by_id(db.session, {i for m in rows for i in (m.user_id, m.muted_by_id)})
    return Page(items=[MuteOut.model_validate(service.mute_dict(m, users)) for m in rows], next_cursor=cursor)


@bp.delete("/tribes/<slug>/mutes/<int:user_id>")
@endpoint(status=204)
def unmute(slug: str, user_id: int) -> None:
    """Lift a mute now (admins)."""
    tribe, actor = policy.get_tribe_with_role(db.session, current_user.id, slug, "admin")
    mutes.unmute(db.session, tribe, actor, user_id)


@bp.get("/tribes/<slug>/audit-log")
@endpoint(Page[AuditEntryOut], paged=True)
def audit_log(slug: str) -> Page[AuditEntryOut]:
    """Every membership and moderation action of the tribe, newest first (admins)."""
    tribe, _ = policy.get_tribe_with_role(db.session, current_user.id, slug, "admin")
    rows, cursor = keyset_page(db.session, service.audit_query(tribe.id), descending=True,
                                 **time_id_keyset(AuditEntry.created_at, AuditEntry.id))
    users = service.users_by_id(db.session, {i for e in rows for i in (e.actor_id, e.target_user_id)})
    return Page(items=[AuditEntryOut.model_validate(service.audit_dict(e, users)) for e in rows], next_cursor=cursor)
