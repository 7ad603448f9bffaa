"""HTML pages for admins: reports queue, audit log, member management, invite tree and branch bans;
the tribe's settings, ban list, hand-over of ownership and deletion; leaving a tribe (any member)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select

from tribes.accounts.service import card
from tribes.db import time_id_keyset
from tribes.errors import ApiError
from tribes.extensions import db
from tribes.groups import bans, invites, policy
from tribes.groups import mutes as muting
from tribes.groups import service as groups
from tribes.groups.audit import AuditEntry
from tribes.groups.models import Ban, Membership, Mute
from tribes.groups.schemas import InviteTreeNodeOut, TribePatch
from tribes.i18n import _, lazy_gettext
from tribes.moderation import limits, reports, schemas, service
from tribes.moderation.details import readable
from tribes.moderation.models import Report
from tribes.moderation.schemas import TARGET_LABELS, ReportOut
from tribes.pages import form_action, form_id, form_page, page_blueprint
from tribes.paging import keyset_page

bp = page_blueprint("moderation_pages", __name__)

PAGE_SIZE = 50
ACTION_LABELS = {
    "dismiss": lazy_gettext("Dismiss"), "delete_content": lazy_gettext("Delete the content"),
    "remove_member": lazy_gettext("Remove the member"), "ban_member": lazy_gettext("Ban the member"),
}
ROLE_LABELS = {
    "member": lazy_gettext("member"), "organiser": lazy_gettext("organiser"),
    "admin": lazy_gettext("admin"), "owner": lazy_gettext("owner"),
}
AUDIT_LABELS = {
    "ban_lifted": lazy_gettext("ban lifted"), "invite_accepted": lazy_gettext("invite accepted"),
    "invite_created": lazy_gettext("invite created"), "invite_revoked": lazy_gettext("invite revoked"),
    "member_banned": lazy_gettext("member banned"), "member_left": lazy_gettext("member left"),
    "member_removed": lazy_gettext("member removed"), "member_muted": lazy_gettext("member muted"),
    "member_unmuted": lazy_gettext("member unmuted"), "role_changed": lazy_gettext("role changed"),
    "tribe_updated": lazy_gettext("tribe updated"), "report_resolved": lazy_gettext("report resolved"),
    "message_deleted": lazy_gettext("message deleted"), "meetup_cancelled": lazy_gettext("meet-up cancelled"),
    "announcement_sent": lazy_gettext("announcement sent"),
}
#: actions about no person: their Whom column is empty, not "deleted member"
UNTARGETED = {"invite_created", "invite_revoked", "announcement_sent", "tribe_updated", "meetup_cancelled"}


def _admin(slug: str) -> tuple[Any, Membership]:
    return policy.get_tribe_with_role(db.session, current_user.id, slug, "admin")




@bp.get("/t/<slug>/moderation")
@login_required
def queue(slug: str) -> Any:
    """The reports queue (open or resolved), newest first."""
    tribe, me = _admin(slug)
    status = "resolved" if request.args.get("status") == "resolved" else "open"
    rows, cursor = keyset_page(
        db.session, reports.queue_query(tribe.id, status), descending=True,
        **time_id_keyset(Report.created_at, Report.id),
        limit=PAGE_SIZE, cursor=request.args.get("cursor") or None,
    )
    users = reports.users_of(db.session, rows)
    items = [{**ReportOut.of(r, tribe.slug, users).model_dump(mode="json"), "created_at": r.created_at} for r in rows]
    return render_template("moderation/queue.html", tribe=tribe, me=me, items=items, status=status,
                           next_cursor=cursor, actions=ACTION_LABELS, targets=TARGET_LABELS)


@bp.post("/t/<slug>/moderation/reports/<int:report_id>/resolve")
@login_required
def resolve(slug: str, report_id: int) -> Any:
    """Resolve a report from the queue."""
    report, tribe, me = reports.get_report_as_admin(db.session, current_user.id, report_id)
    back = url_for("moderation_pages.queue", slug=tribe.slug)

    def run() -> None:
        data = schemas.ResolveIn.model_validate(
            {"action": request.form.get("action", ""), "note": request.form.get("note", "")}
        )
        reports.resolve(db.session, report, tribe, me, data.action, data.note)

    return form_action(back, _("Report resolved."), run)


@bp.get("/t/<slug>/moderation/audit")
@login_required
def audit_log(slug: str) -> Any:
    """The tribe's audit log, newest first."""
    tribe, me = _admin(slug)
    rows, cursor = keyset_page(
        db.session, service.audit_query(tribe.id), descending=True,
        **time_id_keyset(AuditEntry.created_at, AuditEntry.id),
        limit=PAGE_SIZE, cursor=request.args.get("cursor") or None,
    )
    users = service.users_by_id(db.session, {i for e in rows for i in (e.actor_id, e.target_user_id)})
    entries = [{**service.audit_dict(e, users), "created_at": e.created_at, "untargeted": e.action in UNTARGETED,
                "label": AUDIT_LABELS.get(e.action) or e.action.replace("_", " ")} for e in rows]
    return render_template("moderation/audit.html", tribe=tribe, me=me, entries=entries, next_cursor=cursor,
                           details=readable)


@bp.get("/t/<slug>/moderation/members")
@login_required
def members(slug: str) -> Any:
    """Member management: roles, removal, bans and mutes."""
    tribe, me = _admin(slug)
    rows, cursor = keyset_page(
        db.session, groups.members_query(tribe.id), **time_id_keyset(Membership.joined_at, Membership.id),
        limit=PAGE_SIZE * 2, cursor=request.args.get("cursor") or None,
    )
    on_page = [m.user_id for m in rows]
    mutes = {m.user_id: m for m in db.session.scalars(muting.active_mutes_query(tribe.id).where(Mute.user_id.in_(on_page)))}
    return render_template("moderation/members.html", tribe=tribe, me=me, members=rows, mutes=mutes,
                           next_cursor=cursor, may=policy.can(tribe, me), roles=ROLE_LABELS)


def _target(tribe_id: int, user_id: int) -> Membership:
    return groups.get_member(db.session, tribe_id, user_id)


@bp.post("/t/<slug>/moderation/members/<int:user_id>/role")
@login_required
def change_role(slug: str, user_id: int) -> Any:
    """Change a member's role."""
    tribe, me = _admin(slug)
    role = request.form.get("role", "")
    if role not in ("member", "organiser", "admin", "owner"):
        flash(_("Choose a role."), "error")
        return redirect(url_for("moderation_pages.members", slug=tribe.slug))
    return form_action(url_for("moderation_pages.members", slug=tribe.slug), _("Role changed."),
                lambda: groups.change_role(db.session, tribe, me, _target(tribe.id, user_id), role))


@bp.post("/t/<slug>/moderation/members/<int:user_id>/remove")
@login_required
def remove(slug: str, user_id: int) -> Any:
    """Remove a member."""
    tribe, me = _admin(slug)
    return form_action(url_for("moderation_pages.members", slug=tribe.slug), _("Member removed."),
                lambda: groups.remove_member(db.session, tribe, me, _target(tribe.id, user_id)))


@bp.post("/t/<slug>/moderation/members/<int:user_id>/mute")
@login_required
def mute(slug: str, user_id: int) -> Any:
    """Mute a member for some minutes."""
    tribe, me = _admin(slug)

    def run() -> None:
        data = schemas.MuteIn.model_validate({"user_id": user_id, "minutes": request.form.get("minutes") or 0})
        muting.mute(db.session, tribe, me, data.user_id, data.minutes)

    return form_action(url_for("moderation_pages.members", slug=tribe.slug), _("Member muted."), run)


@bp.post("/t/<slug>/moderation/members/<int:user_id>/unmute")
@login_required
def unmute(slug: str, user_id: int) -> Any:
    """Lift a mute."""
    tribe, me = _admin(slug)
    return form_action(url_for("moderation_pages.members", slug=tribe.slug), _("Mute lifted."),
                lambda: muting.unmute(db.session, tribe, me, user_id))


@bp.get("/t/<slug>/moderation/invite-tree")
@login_required
def invite_tree(slug: str) -> Any:
    """Who invited whom, with "ban with branch" on every member."""
    tribe, me = _admin(slug)
    tree = invites.invite_tree(db.session, tribe.id)
    ids, cursor = invites.tree_page(tree, PAGE_SIZE, request.args.get("cursor") or None)
    roots = [InviteTreeNodeOut.of(tree, uid).model_dump(mode="json") for uid in ids]
    # nobody bans themselves: their own node offers no "ban with branch"
    return render_template("moderation/tree.html", tribe=tribe, me=me, roots=roots, next_cursor=cursor,
                           unbannable={me.user_id})


@bp.route("/t/<slug>/moderation/ban/<int:user_id>", methods=["GET", "POST"])
@login_required
def ban(slug: str, user_id: int) -> Any:
    """Ban a member, optionally with their invite branch: preview (dry run) first, then confirm."""
    tribe, me = _admin(slug)
    with_branch = request.values.get("with_branch") == "1"
    if request.method == "GET":
        try:
            affected = bans.ban(db.session, tribe, me, user_id, "", with_branch=with_branch, dry_run=True)
        except ApiError as exc:
            db.session.rollback()
            if exc.status == 404:
                raise
            flash(exc.message, "error")
            return redirect(url_for("moderation_pages.invite_tree", slug=tribe.slug))
        db.session.rollback()
        return render_template("moderation/ban.html", tribe=tribe, me=me, target_id=user_id,
                               affected=[card(u) for u in affected], with_branch=with_branch)
    reason = request.form.get("reason", "").strip()[:2000]
    return form_action(url_for("moderation_pages.invite_tree", slug=tribe.slug), _("Banned."),
                lambda: bans.ban(db.session, tribe, me, user_id, reason, with_branch=with_branch))


@bp.post("/t/<slug>/moderation/bans/<int:user_id>/lift")
@login_required
def lift_ban(slug: str, user_id: int) -> Any:
    """Lift a ban."""
    tribe, me = _admin(slug)
    return form_action(url_for("moderation_pages.bans_list", slug=tribe.slug), _("Ban lifted."),
                lambda: bans.lift_ban(db.session, tribe, user_id, actor_id=me.user_id))


@bp.route("/t/<slug>/report", methods=["GET", "POST"])
@login_required
@limits.report_filing
def report(slug: str) -> Any:
    """Report a message, member or meetup of my tribe to its admins."""
    tribe, me = policy.get_tribe_for(db.session, current_user.id, slug)
    target_type = request.values.get("target_type", "user")
    target_id = request.values.get("target_id", "")
    if request.method == "POST":
        home = url_for("groups_pages.tribe_home", slug=tribe.slug)

        def run() -> None:
            data = schemas.ReportIn.model_validate({
                "tribe": tribe.slug, "target_type": target_type, "target_id": target_id or 0,
                "reason": request.form.get("reason", ""),
            })
            reports.file_report(db.session, current_user.id, tribe.slug, data.target_type, data.target_id, data.reason)

        return form_action(home, _("Thank you. The admins will look at your report."), run)
    others, cursor = keyset_page(
        db.session, groups.members_query(tribe.id).where(Membership.user_id != current_user.id),
        **time_id_keyset(Membership.joined_at, Membership.id),
        limit=PAGE_SIZE * 2, cursor=request.args.get("cursor") or None,
    )
    return render_template("moderation/report.html", tribe=tribe, me=me, target_type=target_type,
                           target_id=target_id, members=others, next_cursor=cursor)


# ---------------------------------------------------------------- tribe settings, bans, ownership, leaving

SETTINGS_FIELDS = ("name", "description", "visibility", "invite_policy", "max_guests", "new_member_hours")


def _owner_count(tribe_id: int) -> int:
    return db.session.scalar(
        select(func.count()).where(Membership.tribe_id == tribe_id, Membership.role == "owner")
    ) or 0


def _settings_context(tribe: Any, me: Membership) -> dict[str, Any]:
    """What the settings page shows besides the form: the owner's hand-over and delete sections."""
    owner = policy.at_least(me.role, "owner")
    candidates = []
    if owner:
        candidates = list(db.session.scalars(
            groups.members_query(tribe.id).where(Membership.role != "owner")
            .order_by(Membership.joined_at, Membership.id).limit(HANDOVER_CHOICES)
        ))
    return {"tribe": tribe, "me": me, "may": policy.can(tribe, me), "owner": owner, "candidates": candidates}


#: how many members the hand-over list offers (oldest members first)
HANDOVER_CHOICES = 500


@bp.route("/t/<slug>/admin/settings", methods=["GET", "POST"])
@login_required
def settings(slug: str) -> Any:
    """The tribe's settings (admins and owners); owners also hand over ownership and delete it."""
    tribe, me = _admin(slug)

    def saved(_result: Any) -> Any:
        flash(_("The tribe's settings are saved."), "success")
        return redirect(url_for("moderation_pages.settings", slug=tribe.slug))

    def values() -> dict[str, Any]:
        discreet = request.form.get("discreet_email") == "1"  # left at its default unless changed
        return {**{k: request.form.get(k, "") for k in SETTINGS_FIELDS},
                "discreet_email": discreet if discreet != tribe.mails_discreetly else None}

    return form_page(
        "moderation/settings.html", TribePatch,
        lambda data: groups.update_tribe(db.session, tribe, data.model_dump(exclude_unset=True), actor_id=me.user_id),
        saved, values=values, context=lambda: _settings_context(tribe, me),
    )


@bp.post("/t/<slug>/admin/delete")
@login_required
def delete_tribe(slug: str) -> Any:
    """Delete the tribe (owners), after typing its name."""
    tribe, me = policy.get_tribe_with_role(db.session, current_user.id, slug, "owner")
    if request.form.get("confirm_name", "").strip() != tribe.name.strip():
        flash(_("Please correct the marked fields."), "error")
        return render_template(
            "moderation/settings.html", form={}, **_settings_context(tribe, me),
            errors={"confirm_name": _("Type the tribe's name exactly as shown to delete it.")},
        ), 422
    name = tribe.name
    groups.delete_tribe(db.session, tribe)
    flash(_("The tribe %(name)s is deleted.", name=name), "success")
    return redirect(url_for("groups_pages.my_tribes"))


@bp.post("/t/<slug>/admin/ownership")
@login_required
def hand_over(slug: str) -> Any:
    """Make another member an owner (owners); optionally step down to admin afterwards."""
    tribe, me = policy.get_tribe_with_role(db.session, current_user.id, slug, "owner")
    back = url_for("moderation_pages.settings", slug=tribe.slug)
    user_id = form_id(request.form.get("user_id"))
    if user_id is None:
        flash(_("Choose the member who becomes owner."), "error")
        return redirect(back)
    target = _target(tribe.id, user_id)
    step_down = request.form.get("step_down") == "1"

    def run() -> Any:
        groups.change_role(db.session, tribe, me, target, "owner")
        if step_down:
            groups.change_role(db.session, tribe, me, me, "admin")
        return target.user.display_name

    return form_action(back, lambda name: _("%(name)s is now an owner of the tribe.", name=name), run)


@bp.get("/t/<slug>/admin/bans")
@login_required
def bans_list(slug: str) -> Any:
    """Who is banned from the tribe, with "lift ban"."""
    tribe, me = _admin(slug)
    rows, cursor = keyset_page(
        db.session, bans.bans_query(tribe.id), descending=True, **time_id_keyset(Ban.created_at, Ban.id),
        limit=PAGE_SIZE, cursor=request.args.get("cursor") or None,
    )
    people = service.users_by_id(db.session, {i for b in rows for i in (b.user_id, b.banned_by_id)})
    return render_template("moderation/bans.html", tribe=tribe, me=me, bans=rows, people=people, next_cursor=cursor)


@bp.route("/t/<slug>/leave", methods=["GET", "POST"])
@login_required
def leave(slug: str) -> Any:
    """Leave the tribe (any member); the only owner of a tribe with others sees why not."""
    tribe, me = policy.get_tribe_for(db.session, current_user.id, slug)
    sole_owner = policy.at_least(me.role, "owner") and _owner_count(tribe.id) <= 1 and tribe.member_count > 1
    if request.method == "POST" and not sole_owner:
        name = tribe.name
        groups.remove_member(db.session, tribe, me, me)
        flash(_("You left %(name)s.", name=name), "success")
        return redirect(url_for("groups_pages.my_tribes"))
    status = 409 if request.method == "POST" else 200
    return render_template("moderation/leave.html", tribe=tribe, me=me, sole_owner=sole_owner,
                           last_member=tribe.member_count <= 1), status
