"""HTML pages: my tribes, the directory, create a tribe, tribe home, invite landing."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from pydantic import ValidationError

from tribes.accounts import site
from tribes.accounts.views import log_in, register_from_form
from tribes.db import time_id_keyset
from tribes.errors import ApiError, Forbidden, NotFound, pydantic_fields
from tribes.extensions import db, limiter
from tribes.groups import invites, limits, policy, reads, schemas, service, signup
from tribes.groups.api import invite_url
from tribes.groups.models import Invite, Membership, Tribe
from tribes.i18n import _, lazy_gettext
from tribes.pages import form_action, form_page, page_blueprint, tribe_section_context
from tribes.paging import keyset_page

bp = page_blueprint("groups_pages", __name__)

#: rows per page on the member list and the directory
PAGE_SIZE = 100


@bp.get("/tribes")
@login_required
def my_tribes() -> Any:
    """The tribes I belong to, each with its unread messages (counted in one query)."""
    return render_template("groups/my_tribes.html", tribes=service.my_tribes(db.session, current_user.id),
                           unread=reads.unread_counts(db.session, current_user.id), roles=ROLE_LABELS)


@bp.get("/directory")
@login_required
def directory() -> Any:
    """Listed tribes: name, description and size only."""
    tribes, cursor = keyset_page(
        db.session, service.directory_query(db.session), **time_id_keyset(Tribe.created_at, Tribe.id),
        limit=PAGE_SIZE, cursor=request.args.get("cursor") or None,
    )
    mine = set(db.session.scalars(
        service.my_tribes_query(current_user.id).with_only_columns(Membership.tribe_id)
    ))
    return render_template("groups/directory.html", tribes=tribes, next_cursor=cursor, mine=mine)


@bp.route("/tribes/new", methods=["GET", "POST"])
@login_required
@limits.tribe_creation
@limits.tribe_creation_new
def create_tribe() -> Any:
    """Create a tribe."""

    def values() -> dict[str, str]:
        fields = ("name", "slug", "description", "visibility", "invite_policy")
        raw = {k: request.form.get(k, "").strip() for k in fields}
        return {k: v for k, v in raw.items() if v or k == "name"}

    def ready(tribe: Any) -> Any:
        flash(_("“%(tribe)s” is ready. Invite the first members.", tribe=tribe.name), "success")
        return redirect(url_for("groups_pages.tribe_home", slug=tribe.slug))

    return form_page(
        "groups/create.html", schemas.TribeIn,
        lambda data: service.create_tribe(db.session, current_user, **data.model_dump()),
        ready, values=values, error_field="slug",
        context=lambda: {"refusal": site.tribe_creation_refusal(db.session, current_user)},
    )


def _take_new_invite(slug: str) -> str | None:
    """The invite link created just before, shown once on its tribe's invites tab."""
    pending = session.pop("new_invite", None)
    if isinstance(pending, list) and len(pending) == 2 and pending[0] == slug:
        return str(pending[1])
    return None


#: how an invite's state reads on the page
INVITE_STATES = {
    "active": lazy_gettext("active"), "revoked": lazy_gettext("revoked"),
    "expired": lazy_gettext("expired"), "used_up": lazy_gettext("used up"),
}

#: how a role reads on the page
ROLE_LABELS = {
    "member": lazy_gettext("member"), "organiser": lazy_gettext("organiser"),
    "admin": lazy_gettext("admin"), "owner": lazy_gettext("owner"),
}

#: registered tribe sections that belong to another tab than the chat, by their template's folder
#: (the meetups tab is the meetups feature's own page, so its summary section is not repeated)
SECTION_TABS = {"meetups": "meetups", "moderation": "admin", "joining": "admin"}


def _sections(tab: str) -> list[str]:
    """The registered tribe sections (pages.add_tribe_section) shown on `tab`."""
    registered = current_app.extensions.get("tribes_tribe_sections", [])
    return [t for t in registered if SECTION_TABS.get(t.split("/", 1)[0], "chat") == tab]


def _space(template: str, tribe: Tribe, me: Membership, tab: str, **context: Any) -> Any:
    """Render one tab of a tribe's space: the tribe, my membership, my abilities and the tab bar."""
    return render_template(template, tribe=tribe, me=me, may=policy.can(tribe, me), tab=tab,
                           space_sections=_sections(tab), **context)


@bp.get("/t/<slug>")
@login_required
def tribe_home(slug: str) -> Any:
    """A tribe's space opens on its chat (the default tab). Hidden tribes are 404."""
    tribe, me = policy.get_tribe_for(db.session, current_user.id, slug)
    return _space(
        "groups/chat.html", tribe, me, "chat",
        has_messages=reads.latest_message_id(db.session, tribe.id) is not None,
        **tribe_section_context(tribe, me),
    )


@bp.get("/t/<slug>/members")
@login_required
def tribe_members(slug: str) -> Any:
    """The member list: searchable by name (`?q=`), a page at a time."""
    tribe, me = policy.get_tribe_for(db.session, current_user.id, slug)
    q = " ".join(request.args.get("q", "").split())[:120]
    members, next_cursor = keyset_page(
        db.session, service.members_query(tribe.id, name_contains=q or None),
        **time_id_keyset(Membership.joined_at, Membership.id),
        limit=PAGE_SIZE, cursor=request.args.get("cursor") or None,
    )
    return _space("groups/members.html", tribe, me, "members", members=members, q=q,
                  next_cursor=next_cursor, alone=tribe.member_count <= 1, roles=ROLE_LABELS,
                  email_volumes=EMAIL_VOLUME_LABELS)


#: how much mail a tribe sends me, as the members page names the choices
EMAIL_VOLUME_LABELS = (("all", lazy_gettext("all")), ("mentions", lazy_gettext("only what is about me")),
                       ("none", lazy_gettext("none")))


@bp.post("/t/<slug>/my-settings")
@login_required
def tribe_my_settings(slug: str) -> Any:
    """Set how much mail this tribe sends me (members only; hidden tribes are 404)."""
    tribe, me = policy.get_tribe_for(db.session, current_user.id, slug)

    def save() -> Any:
        data = schemas.MySettingsIn.model_validate({"email": request.form.get("email", "")})
        return service.set_email_volume(db.session, me, data.email)

    return form_action(url_for("groups_pages.tribe_members", slug=tribe.slug) + "#mail-volume",
                       _("Saved: how much e-mail %(tribe)s sends you.", tribe=tribe.name), save)


@bp.get("/t/<slug>/invites")
@login_required
def tribe_invites(slug: str) -> Any:
    """Invite people: the form and the invites made so far (for those who may invite)."""
    tribe, me = policy.get_tribe_for(db.session, current_user.id, slug)
    if not policy.can(tribe, me).invite:
        raise Forbidden()
    invite_rows, invites_cursor = keyset_page(
        db.session, invites.invites_query(tribe.id, me), descending=True,
        **time_id_keyset(Invite.created_at, Invite.id),
        limit=PAGE_SIZE, cursor=request.args.get("cursor") or None,
    )
    return _space("groups/invites.html", tribe, me, "invites", invites=invite_rows,
                  invites_cursor=invites_cursor, new_invite=_take_new_invite(tribe.slug),
                  now=service.utcnow(), invite_states=INVITE_STATES)


@bp.get("/t/<slug>/admin")
@login_required
def tribe_admin(slug: str) -> Any:
    """The admins' tab: moderation, members' roles, invites (for those who may moderate)."""
    tribe, me = policy.get_tribe_for(db.session, current_user.id, slug)
    if not policy.can(tribe, me).moderate:
        raise Forbidden()
    return _space("groups/admin.html", tribe, me, "admin", **tribe_section_context(tribe, me))


@bp.post("/t/<slug>/invites")
@login_required
@limits.invite_creation
def create_invite(slug: str) -> Any:
    """Create an invite link from the tribe home; the link is shown once."""
    tribe, me = policy.get_tribe_for(db.session, current_user.id, slug)
    # back to the invites tab; someone who may not invite (any more) gets the error on the tribe's chat
    home = url_for("groups_pages.tribe_invites" if policy.can(tribe, me).invite else "groups_pages.tribe_home",
                   slug=tribe.slug)
    try:
        data = schemas.InviteIn.model_validate(
            {"max_uses": request.form.get("max_uses") or 1, "expires_in_hours": request.form.get("expires_in_hours") or 168,
             "email": request.form.get("email", "").strip() or None}
        )
        _invite, raw = invites.create_invite(db.session, tribe, me, **data.model_dump())
    except ValidationError as exc:
        labels = {"max_uses": _("Uses"), "expires_in_hours": _("Valid for"), "email": _("E-mail")}
        flash("; ".join(f"{labels.get(k, k)}: {v}" for k, v in pydantic_fields(exc).items()), "error")
        return redirect(home)
    except ApiError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(home)
    if data.email:
        flash(_("Invite mailed to %(address)s. Only an account that confirms this address can use it.",
                address=data.email), "success")
    else:
        # handed to the next page in the (signed) session, never in a URL that ends up in logs
        session["new_invite"] = [tribe.slug, invite_url(raw)]
        flash(_("Invite created. Copy the link now: it is shown only once."), "success")
    return redirect(home)


@bp.post("/t/<slug>/invites/<int:invite_id>/revoke")
@login_required
def revoke_invite(slug: str, invite_id: int) -> Any:
    """Revoke an invite from the tribe home."""
    tribe, me = policy.get_tribe_for(db.session, current_user.id, slug)
    return form_action(url_for("groups_pages.tribe_invites", slug=tribe.slug), _("Invite revoked."),
                       lambda: invites.revoke_invite(db.session, tribe, me, invite_id))


def _invalid_invite() -> Any:
    """The page for an unknown, expired, used-up or revoked invite."""
    db.session.rollback()
    return render_template("groups/invite_invalid.html"), 404


@bp.route("/invite/<token>", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LIMIT_REGISTER"], methods=["POST"],
    exempt_when=lambda: current_user.is_authenticated,
)
def invite_landing(token: str) -> Any:
    """Invite landing: preview, then join (logged in) or register and join in one step."""
    user = current_user._get_current_object() if current_user.is_authenticated else None
    try:
        invite, tribe = invites.preview_invite(db.session, token, user)
    except NotFound:
        return _invalid_invite()
    if request.method == "GET":
        if user is not None and policy.is_member(db.session, tribe.id, user.id):
            return redirect(url_for("groups_pages.tribe_home", slug=tribe.slug))
        return render_template("groups/invite.html", invite=invite, tribe=tribe, errors={},
                               form={"email": invite.email} if invite.email else {})
    new_account = user is None
    if new_account:
        user, errors = register_from_form(lambda data, **where: signup.register_through_invite(
            db.session, token, data.email, data.password, data.display_name, **where)[0])
        if errors or user is None:
            if "invite_token" in errors:  # the address is not the one the invite was mailed to
                errors["email"] = errors.pop("invite_token")
            flash(_("Please correct the marked fields."), "error")
            return render_template("groups/invite.html", invite=invite, tribe=tribe, errors=errors, form=request.form), 422
    assert user is not None  # logged in, or registered just above
    try:
        invites.accept_invite(db.session, token, user)
    except NotFound:
        return _invalid_invite()
    if new_account:
        log_in(user)
    flash(_("Welcome to %(tribe)s!", tribe=tribe.name), "success")
    return redirect(url_for("groups_pages.tribe_home", slug=tribe.slug))
