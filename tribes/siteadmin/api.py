"""JSON API of the site administration (`/api/v1/site/...`, site admins; hidden from everyone else)."""

from __future__ import annotations

from flask import request
from flask_login import current_user

from tribes.accounts import site, suspension
from tribes.accounts.models import SiteAuditEntry, User
from tribes.db import time_id_keyset
from tribes.endpoint import Page, endpoint
from tribes.errors import ValidationFailed
from tribes.extensions import db
from tribes.http import api_blueprint, public
from tribes.i18n import _
from tribes.mail.models import OutboxMail
from tribes.moderation import reports, site_reports
from tribes.moderation.models import Report
from tribes.moderation.schemas import ReportOut
from tribes.paging import keyset_page
from tribes.siteadmin import schemas, service
from tribes.siteadmin.schemas import (
    OutboxMailOut,
    SettingsOut,
    SiteAuditEntryOut,
    SitePublicOut,
    SiteUserOut,
    StatsOut,
)

bp = api_blueprint("siteadmin_api", __name__)


def settings_out(settings: site.Settings) -> SettingsOut:
    """The settings as the contract writes them."""
    return SettingsOut(name=settings.name, registration=settings.registration,
                       tribe_creation=settings.tribe_creation, directory=settings.directory)


@bp.get("/site")
@public
@endpoint(SitePublicOut)
def public_site() -> SitePublicOut:
    """The site's name and registration mode (anyone)."""
    settings = site.current(db.session)
    return SitePublicOut(name=settings.name, registration=settings.registration)


@bp.get("/site/settings")
@endpoint(SettingsOut)
def get_settings() -> SettingsOut:
    """The site settings."""
    return settings_out(site.current(db.session))


@bp.patch("/site/settings")
@endpoint(SettingsOut, body=schemas.SettingsPatch)
def patch_settings(data: schemas.SettingsPatch) -> SettingsOut:
    """Change the site settings (audited); they hold in every process at once."""
    return settings_out(site.update(db.session, current_user.id, data.model_dump(exclude_unset=True)))


@bp.get("/site/users")
@endpoint(Page[SiteUserOut], paged=True)
def users() -> Page[SiteUserOut]:
    """Accounts, newest first; ?q= searches name and e-mail (case-insensitive substring)."""
    q = (request.args.get("q") or "").strip()[:254]
    rows, cursor = keyset_page(db.session, service.users_query(q), descending=True,
                               **time_id_keyset(User.created_at, User.id))
    counts = service.tribe_counts(db.session, [u.id for u in rows])
    return Page(items=[SiteUserOut.of(u, counts.get(u.id, 0)) for u in rows], next_cursor=cursor)


def _user_out(user: User) -> SiteUserOut:
    return SiteUserOut.of(user, service.tribe_counts(db.session, [user.id]).get(user.id, 0))


@bp.post("/site/users/<int:user_id>/suspend")
@endpoint(SiteUserOut, body=schemas.SuspendIn)
def suspend(user_id: int, data: schemas.SuspendIn) -> SiteUserOut:
    """Suspend an account: its sessions and sockets end at once; logins answer 403 `suspended`."""
    target = service.get_user(db.session, user_id)
    suspension.suspend(db.session, current_user._get_current_object(), target, data.reason)
    return _user_out(target)


@bp.delete("/site/users/<int:user_id>/suspend")
@endpoint(SiteUserOut)
def unsuspend(user_id: int) -> SiteUserOut:
    """Lift a suspension; 409 when the account is not suspended."""
    target = service.get_user(db.session, user_id)
    suspension.unsuspend(db.session, current_user._get_current_object(), target)
    return _user_out(target)


@bp.get("/site/reports")
@endpoint(Page[ReportOut], paged=True)
def site_report_queue() -> Page[ReportOut]:
    """Reports to the site admins, newest first; ?status=open (default) or resolved."""
    status = request.args.get("status", "open")
    if status not in ("open", "resolved"):
        raise ValidationFailed({"status": _("Use open or resolved.")})
    rows, cursor = keyset_page(db.session, site_reports.site_queue_query(status), descending=True,
                               **time_id_keyset(Report.created_at, Report.id))
    users = reports.users_of(db.session, rows)
    return Page(items=[ReportOut.of(r, None, users) for r in rows], next_cursor=cursor)


@bp.get("/site/audit-log")
@endpoint(Page[SiteAuditEntryOut], paged=True)
def audit_log() -> Page[SiteAuditEntryOut]:
    """Site-level actions, newest first."""
    rows, cursor = keyset_page(db.session, service.audit_query(), descending=True,
                               **time_id_keyset(SiteAuditEntry.created_at, SiteAuditEntry.id))
    users = service.users_by_id(db.session, {i for e in rows for i in (e.actor_id, e.target_user_id)})
    return Page(items=[SiteAuditEntryOut.of(e, users) for e in rows], next_cursor=cursor)


@bp.get("/site/mail")
@endpoint(Page[OutboxMailOut], paged=True)
def mail() -> Page[OutboxMailOut]:
    """Queued and failed mails (?status=queued|failed), newest first: never subjects or bodies."""
    status = request.args.get("status") or None
    if status is not None and status not in service.MAIL_STATUSES:
        raise ValidationFailed({"status": _("Use queued or failed.")})
    rows, cursor = keyset_page(db.session, service.mail_query(status), descending=True,
                               **time_id_keyset(OutboxMail.created_at, OutboxMail.id))
    return Page(items=[OutboxMailOut.of(m) for m in rows], next_cursor=cursor)


@bp.post("/site/mail/<int:mail_id>/retry")
@endpoint(OutboxMailOut)
def retry_mail(mail_id: int) -> OutboxMailOut:
    """Queue a failed mail again now (404 unless it failed)."""
    return OutboxMailOut.of(service.retry_mail(db.session, mail_id))


@bp.get("/site/stats")
@endpoint(StatsOut)
def stats() -> StatsOut:
    """New accounts, tribes, messages and meetups per UTC day for the last 30 days, and totals."""
    result = service.stats(db.session)
    return StatsOut.model_validate({"days": result.days, "totals": result.totals})
