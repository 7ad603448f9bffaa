"""HTML pages of the site administration under /admin (site admins; a 404 page for anyone else)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from tribes.accounts import site, suspension
from tribes.accounts.models import SiteAuditEntry, User
from tribes.db import time_id_keyset
from tribes.extensions import db
from tribes.i18n import _, lazy_gettext
from tribes.mail.models import OutboxMail
from tribes.moderation import reports, site_reports
from tribes.moderation.details import readable
from tribes.moderation.models import Report
from tribes.moderation.schemas import TARGET_LABELS, ReportOut
from tribes.pages import form_action, form_page, page_blueprint
from tribes.paging import keyset_page
from tribes.siteadmin import schemas, service
from tribes.siteadmin.schemas import OutboxMailOut, SiteAuditEntryOut, SiteUserOut

bp = page_blueprint("siteadmin_pages", __name__)
PAGE_SIZE = 50

REGISTRATION_LABELS = {
    "open": lazy_gettext("Open: anyone can register"),
    "invite_only": lazy_gettext("Invite-only: only through a tribe's invite link"),
    "closed": lazy_gettext("Closed: nobody can register"),
}
TRIBE_CREATION_LABELS = {
    "everyone": lazy_gettext("Everyone with an account"),
    "verified": lazy_gettext("People with a confirmed e-mail address"),
    "site_admins": lazy_gettext("Site admins only"),
}
SITE_ACTIONS = {"dismiss": lazy_gettext("Dismiss"), "suspend_user": lazy_gettext("Suspend the account")}
AUDIT_LABELS = {
    "admin_granted": lazy_gettext("made site admin"),
    "admin_revoked": lazy_gettext("no longer site admin"),
    "user_suspended": lazy_gettext("suspended"),
    "user_unsuspended": lazy_gettext("suspension lifted"),
    "settings_changed": lazy_gettext("settings changed"),
    "report_resolved": lazy_gettext("report resolved"),
}
MAIL_STATES = {"queued": lazy_gettext("queued"), "failed": lazy_gettext("failed")}


@bp.before_request
def _site_admins_only() -> None:
    """Every page here is for site admins (the app-wide hook already hid it; checked again)."""
    service.require_site_admin(current_user)


@bp.get("/admin")
def overview() -> Any:
    """The admin home: a few numbers and the way to each page."""
    counts = service.overview(db.session)
    counts["open_reports"] = site_reports.count_open(db.session)
    return render_template("siteadmin/overview.html", counts=counts)


@bp.route("/admin/settings", methods=["GET", "POST"])
def settings() -> Any:
    """The site's name, who may register, who may create tribes, the directory."""
    current = site.current(db.session)

    def values() -> dict[str, Any]:
        form = request.form
        return {"name": form.get("name", ""), "registration": form.get("registration") or None,
                "tribe_creation": form.get("tribe_creation") or None, "directory": form.get("directory") == "on"}

    def saved(_result: Any) -> Any:
        flash(_("Settings saved."), "success")
        return redirect(url_for("siteadmin_pages.settings"))

    return form_page(
        "siteadmin/settings.html", schemas.SettingsPatch,
        lambda data: site.update(db.session, current_user.id, data.model_dump(exclude_none=True)), saved,
        values=values, error_field="name",
        context=lambda: {
            "current": current, "registrations": REGISTRATION_LABELS, "creations": TRIBE_CREATION_LABELS,
            "directory_on": request.form.get("directory") == "on" if request.method == "POST" else current.directory,
        },
    )


@bp.get("/admin/users")
def users() -> Any:
    """Search accounts by name or e-mail; suspend or lift a suspension."""
    q = (request.args.get("q") or "").strip()[:254]
    rows, cursor = keyset_page(db.session, service.users_query(q), descending=True, limit=PAGE_SIZE,
                               cursor=request.args.get("cursor") or None, **time_id_keyset(User.created_at, User.id))
    counts = service.tribe_counts(db.session, [u.id for u in rows])
    items = [SiteUserOut.of(u, counts.get(u.id, 0)) for u in rows]
    return render_template("siteadmin/users.html", items=items, q=q, next_cursor=cursor)


def _back_to_users() -> str:
    return url_for("siteadmin_pages.users", q=request.form.get("q") or None)


@bp.post("/admin/users/<int:user_id>/suspend")
def suspend(user_id: int) -> Any:
    """Suspend an account with a reason: its sessions and sockets end at once."""

    def run() -> Any:
        data = schemas.SuspendIn.model_validate({"reason": request.form.get("reason", "")})
        target = service.get_user(db.session, user_id)
        return suspension.suspend(db.session, current_user._get_current_object(), target, data.reason)

    return form_action(_back_to_users(), lambda u: _("%(name)s is suspended.", name=u.display_name), run)


@bp.post("/admin/users/<int:user_id>/unsuspend")
def unsuspend(user_id: int) -> Any:
    """Lift a suspension."""
    return form_action(
        _back_to_users(), lambda u: _("%(name)s can log in again.", name=u.display_name),
        lambda: suspension.unsuspend(db.session, current_user._get_current_object(),
                                     service.get_user(db.session, user_id)),
    )


@bp.get("/admin/reports")
def site_reports_page() -> Any:
    """Reports to the site admins (open or resolved), newest first."""
    status = "resolved" if request.args.get("status") == "resolved" else "open"
    rows, cursor = keyset_page(db.session, site_reports.site_queue_query(status), descending=True, limit=PAGE_SIZE,
                               cursor=request.args.get("cursor") or None,
                               **time_id_keyset(Report.created_at, Report.id))
    users = reports.users_of(db.session, rows)
    items = [ReportOut.of(r, None, users) for r in rows]
    return render_template("siteadmin/reports.html", items=items, status=status, next_cursor=cursor,
                           actions=SITE_ACTIONS, targets=TARGET_LABELS)


@bp.post("/admin/reports/<int:report_id>/resolve")
def resolve_report(report_id: int) -> Any:
    """Dismiss a report to the site admins, or suspend the reported account."""
    action = request.form.get("action", "")
    note = request.form.get("note", "")[:2000]

    def run() -> Any:
        report = site_reports.get_site_report(db.session, current_user, report_id)
        return site_reports.resolve_site_report(db.session, report, current_user._get_current_object(), action, note)

    return form_action(url_for("siteadmin_pages.site_reports_page"), _("Report resolved."), run)


@bp.get("/admin/mail")
def mail() -> Any:
    """Queued and failed mails (never their subjects or bodies), newest first."""
    status = request.args.get("status") if request.args.get("status") in service.MAIL_STATUSES else None
    rows, cursor = keyset_page(db.session, service.mail_query(status), descending=True, limit=PAGE_SIZE,
                               cursor=request.args.get("cursor") or None,
                               **time_id_keyset(OutboxMail.created_at, OutboxMail.id))
    return render_template("siteadmin/mail.html", items=[OutboxMailOut.of(m) for m in rows], status=status,
                           next_cursor=cursor, states=MAIL_STATES)


@bp.post("/admin/mail/<int:mail_id>/retry")
def retry_mail(mail_id: int) -> Any:
    """Queue a failed mail again; the sender takes it on its next round."""
    return form_action(url_for("siteadmin_pages.mail", status="failed"), _("The mail is queued again."),
                       lambda: service.retry_mail(db.session, mail_id))


@bp.get("/admin/audit")
def audit() -> Any:
    """The site audit log, newest first."""
    rows, cursor = keyset_page(db.session, service.audit_query(), descending=True, limit=PAGE_SIZE,
                               cursor=request.args.get("cursor") or None,
                               **time_id_keyset(SiteAuditEntry.created_at, SiteAuditEntry.id))
    users = service.users_by_id(db.session, {i for e in rows for i in (e.actor_id, e.target_user_id)})
    return render_template("siteadmin/audit.html", items=[SiteAuditEntryOut.of(e, users) for e in rows],
                           next_cursor=cursor, labels=AUDIT_LABELS, details=readable)


@bp.get("/admin/stats")
def stats() -> Any:
    """New accounts, tribes, messages and meetups per day for the last 30 days."""
    return render_template("siteadmin/stats.html", stats=service.stats(db.session))
