"""HTML pages: my tribes, create a tribe, tribe home, invite landing."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from pydantic import ValidationError

from tribes.accounts import schemas as account_schemas
from tribes.accounts import service as accounts
from tribes.accounts.views import log_in
from tribes.errors import ApiError, NotFound, ValidationFailed, pydantic_fields
from tribes.extensions import db
from tribes.groups import policy, schemas, service
from tribes.groups.models import Membership

bp = Blueprint("groups_pages", __name__)


@bp.get("/tribes")
@login_required
def my_tribes() -> Any:
    """The tribes I belong to."""
    return render_template("groups/my_tribes.html", tribes=service.my_tribes(db.session, current_user.id))


@bp.route("/tribes/new", methods=["GET", "POST"])
@login_required
def create_tribe() -> Any:
    """Create a tribe."""
    errors: dict[str, str] = {}
    if request.method == "POST":
        raw = {k: request.form.get(k) or None for k in ("name", "slug", "description", "visibility", "invite_policy")}
        raw = {k: v for k, v in raw.items() if v is not None}
        try:
            data = schemas.TribeIn.model_validate(raw)
            tribe = service.create_tribe(db.session, current_user, **data.model_dump())
            db.session.commit()
        except ValidationError as exc:
            errors = pydantic_fields(exc)
        except ApiError as exc:
            db.session.rollback()
            errors = exc.fields or {"slug": exc.message}
        else:
            flash(f"“{tribe.name}” is ready. Invite the first members.", "success")
            return redirect(url_for("groups_pages.tribe_home", slug=tribe.slug))
        flash("Please correct the marked fields.", "error")
    return render_template("groups/create.html", errors=errors, form=request.form), (422 if errors else 200)


@bp.get("/t/<slug>")
@login_required
def tribe_home(slug: str) -> Any:
    """A tribe's home: members and, for those allowed, invites."""
    tribe, me = policy.get_tribe_for(db.session, current_user.id, slug)
    members = list(db.session.scalars(service.members_query(tribe.id).order_by(Membership.id).limit(500)))
    invites = []
    if policy.may_invite(tribe, me):
        invites = list(db.session.scalars(service.invites_query(tribe.id, me).order_by(service.Invite.id.desc()).limit(100)))
    new_invite = request.args.get("new_invite")
    return render_template(
        "groups/home.html", tribe=tribe, me=me, members=members, invites=invites,
        may_invite=policy.may_invite(tribe, me), is_admin=policy.at_least(me.role, "admin"),
        new_invite=new_invite, now=service.utcnow(),
    )


@bp.post("/t/<slug>/invites")
@login_required
def create_invite(slug: str) -> Any:
    """Create an invite link from the tribe home."""
    tribe, me = policy.get_tribe_for(db.session, current_user.id, slug)
    try:
        data = schemas.InviteIn.model_validate(
            {"max_uses": request.form.get("max_uses") or 1, "expires_in_hours": request.form.get("expires_in_hours") or 168}
        )
        _, raw = service.create_invite(db.session, tribe, me, **data.model_dump())
        db.session.commit()
    except ValidationError as exc:
        flash("; ".join(pydantic_fields(exc).values()), "error")
        return redirect(url_for("groups_pages.tribe_home", slug=slug))
    except ApiError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("groups_pages.tribe_home", slug=slug))
    link = url_for("groups_pages.invite_landing", token=raw, _external=True)
    flash("Invite created. Copy the link now: it is shown only once.", "success")
    return redirect(url_for("groups_pages.tribe_home", slug=slug, new_invite=link))


@bp.post("/t/<slug>/invites/<int:invite_id>/revoke")
@login_required
def revoke_invite(slug: str, invite_id: int) -> Any:
    """Revoke an invite from the tribe home."""
    tribe, me = policy.get_tribe_for(db.session, current_user.id, slug)
    service.revoke_invite(db.session, tribe, me, invite_id)
    db.session.commit()
    flash("Invite revoked.", "success")
    return redirect(url_for("groups_pages.tribe_home", slug=slug))


@bp.route("/invite/<token>", methods=["GET", "POST"])
def invite_landing(token: str) -> Any:
    """Invite landing: preview, then join (logged in) or register and join in one step."""
    user = current_user if current_user.is_authenticated else None
    try:
        invite, tribe = service.preview_invite(db.session, token, user)
    except NotFound:
        return render_template("groups/invite_invalid.html"), 404
    errors: dict[str, str] = {}
    if request.method == "POST":
        if user is None:
            try:
                data = account_schemas.RegisterIn.model_validate(
                    {k: request.form.get(k, "") for k in ("email", "password", "display_name")}
                )
                user = accounts.register(db.session, data.email, data.password, data.display_name)
                db.session.flush()
            except ValidationError as exc:
                errors = pydantic_fields(exc)
            except ValidationFailed as exc:
                db.session.rollback()
                errors = exc.fields or {}
            if errors:
                flash("Please correct the marked fields.", "error")
                return render_template("groups/invite.html", invite=invite, tribe=tribe, errors=errors, form=request.form), 422
        try:
            service.accept_invite(db.session, token, user)
        except NotFound:
            db.session.rollback()
            return render_template("groups/invite_invalid.html"), 404
        db.session.commit()
        if not current_user.is_authenticated:
            log_in(user)
        flash(f"Welcome to {tribe.name}!", "success")
        return redirect(url_for("groups_pages.tribe_home", slug=tribe.slug))
    if user is not None and policy.is_member(db.session, tribe.id, user.id):
        return redirect(url_for("groups_pages.tribe_home", slug=tribe.slug))
    return render_template("groups/invite.html", invite=invite, tribe=tribe, errors=errors, form={})


