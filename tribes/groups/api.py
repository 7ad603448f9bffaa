"""JSON API: tribes, directory, members, roles, bans, invites and the invite tree."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify, url_for
from flask_login import current_user

from tribes.accounts.service import card
from tribes.db import time_id_keyset
from tribes.extensions import db
from tribes.groups import bans, invites, limits, policy, schemas, service
from tribes.groups.models import Ban, Invite, Membership, Tribe
from tribes.http import api_blueprint, body, keyset_page, page, paged, parse

bp = api_blueprint("groups_api", __name__)


@bp.post("/tribes")
@body(schemas.TribeIn)
@limits.tribe_creation
@limits.tribe_creation_new
def create_tribe() -> Any:
    """Create a tribe; I become its owner."""
    data = parse(schemas.TribeIn)
    tribe = service.create_tribe(db.session, current_user, **data.model_dump())
    db.session.commit()
    return jsonify(service.tribe_dict(tribe, "owner")), 201


@bp.get("/tribes")
@paged
def list_my_tribes() -> Any:
    """The tribes I belong to."""
    rows, cursor = keyset_page(db.session, service.my_tribes_query(current_user.id),
                               **time_id_keyset(Membership.joined_at, Membership.id))
    tribes = service.tribes_by_id(db.session, [m.tribe_id for m in rows])
    return jsonify(page([service.tribe_dict(tribes[m.tribe_id], m.role) for m in rows], cursor))


@bp.get("/tribes/directory")
@paged
def directory() -> Any:
    """Listed tribes, as directory cards only."""
    rows, cursor = keyset_page(db.session, service.directory_query(), **time_id_keyset(Tribe.created_at, Tribe.id))
    return jsonify(page([service.directory_card(t) for t in rows], cursor))


@bp.get("/tribes/<slug>")
def get_tribe(slug: str) -> Any:
    """A tribe for members; the directory card for outsiders of a listed tribe."""
    tribe, member = policy.get_visible_tribe(db.session, current_user.id, slug)
    if member is None:
        return jsonify(service.directory_card(tribe))
    return jsonify(service.tribe_dict(tribe, member.role))


@bp.patch("/tribes/<slug>")
@body(schemas.TribePatch)
def patch_tribe(slug: str) -> Any:
    """Change a tribe's settings (admins and owners)."""
    tribe, member = policy.get_tribe_with_role(db.session, current_user.id, slug, "admin")
    data = parse(schemas.TribePatch)
    service.update_tribe(db.session, tribe, data.model_dump(exclude_unset=True), actor_id=current_user.id)
    db.session.commit()
    return jsonify(service.tribe_dict(tribe, member.role))


@bp.delete("/tribes/<slug>")
def delete_tribe(slug: str) -> Any:
    """Delete a tribe (owners)."""
    tribe, _ = policy.get_tribe_with_role(db.session, current_user.id, slug, "owner")
    service.delete_tribe(db.session, tribe)
    db.session.commit()
    return "", 204


@bp.get("/tribes/<slug>/members")
@paged
def list_members(slug: str) -> Any:
    """Members of a tribe, in the order they joined."""
    tribe, _ = policy.get_tribe_for(db.session, current_user.id, slug)
    rows, cursor = keyset_page(db.session, service.members_query(tribe.id),
                               **time_id_keyset(Membership.joined_at, Membership.id))
    return jsonify(page([service.member_dict(m) for m in rows], cursor))


@bp.patch("/tribes/<slug>/members/<int:user_id>")
@body(schemas.RoleIn)
def change_role(slug: str, user_id: int) -> Any:
    """Change a member's role."""
    tribe, actor = policy.get_tribe_for(db.session, current_user.id, slug)
    data = parse(schemas.RoleIn)
    target = service.get_member(db.session, tribe.id, user_id)
    service.change_role(db.session, tribe, actor, target, data.role)
    db.session.commit()
    return jsonify(service.member_dict(target))


@bp.delete("/tribes/<slug>/members/<int:user_id>")
def remove_member(slug: str, user_id: int) -> Any:
    """Leave the tribe (my own id) or remove a member."""
    tribe, actor = policy.get_tribe_for(db.session, current_user.id, slug)
    target = service.get_member(db.session, tribe.id, user_id)
    service.remove_member(db.session, tribe, actor, target)
    db.session.commit()
    return "", 204


@bp.post("/tribes/<slug>/bans")
@body(schemas.BanIn)
def ban(slug: str) -> Any:
    """Ban a member (optionally with everyone they invited); dry_run only lists them."""
    tribe, actor = policy.get_tribe_with_role(db.session, current_user.id, slug, "admin")
    data = parse(schemas.BanIn)
    banned = bans.ban(
        db.session, tribe, actor, data.user_id, data.reason,
        with_branch=data.with_branch, dry_run=data.dry_run,
    )
    if data.dry_run:
        db.session.rollback()
        return jsonify({"banned": [card(u) for u in banned], "dry_run": True}), 201
    db.session.commit()
    return jsonify({"banned": [card(u) for u in banned]}), 201


@bp.get("/tribes/<slug>/bans")
@paged
def list_bans(slug: str) -> Any:
    """Bans of a tribe (admins)."""
    tribe, _ = policy.get_tribe_with_role(db.session, current_user.id, slug, "admin")
    rows, cursor = keyset_page(db.session, bans.bans_query(tribe.id), **time_id_keyset(Ban.created_at, Ban.id))
    from tribes.accounts.models import User

    users = {u.id: u for u in db.session.query(User).filter(User.id.in_([b.user_id for b in rows]))}
    items = [
        {"user": card(users.get(b.user_id)), "reason": b.reason, "created_at": b.created_at.isoformat()}
        for b in rows
    ]
    return jsonify(page(items, cursor))


@bp.delete("/tribes/<slug>/bans/<int:user_id>")
def lift_ban(slug: str, user_id: int) -> Any:
    """Lift a ban."""
    tribe, _ = policy.get_tribe_with_role(db.session, current_user.id, slug, "admin")
    bans.lift_ban(db.session, tribe, user_id, actor_id=current_user.id)
    db.session.commit()
    return "", 204


def invite_url(raw: str) -> str:
    """The absolute URL of the invite landing page."""
    base = current_app.config.get("BASE_URL")
    path = url_for("groups_pages.invite_landing", token=raw)
    return f"{base}{path}" if base else url_for("groups_pages.invite_landing", token=raw, _external=True)


@bp.post("/tribes/<slug>/invites")
@body(schemas.InviteIn)
@limits.invite_creation
def create_invite(slug: str) -> Any:
    """Create an invite link (the token is shown only now)."""
    tribe, actor = policy.get_tribe_for(db.session, current_user.id, slug)
    data = parse(schemas.InviteIn)
    invite, raw = invites.create_invite(db.session, tribe, actor, **data.model_dump())
    db.session.commit()
    out = invites.invite_dict(invite, tribe.slug)
    out.update(token=raw, url=invite_url(raw))
    return jsonify(out), 201


@bp.get("/tribes/<slug>/invites")
@paged
def list_invites(slug: str) -> Any:
    """Invites of a tribe (admins: all; members: their own); never tokens."""
    tribe, actor = policy.get_tribe_for(db.session, current_user.id, slug)
    rows, cursor = keyset_page(
        db.session, invites.invites_query(tribe.id, actor), descending=True,
        **time_id_keyset(Invite.created_at, Invite.id),
    )
    return jsonify(page([invites.invite_dict(i, tribe.slug) for i in rows], cursor))


@bp.delete("/tribes/<slug>/invites/<int:invite_id>")
def revoke_invite(slug: str, invite_id: int) -> Any:
    """Revoke an invite."""
    tribe, actor = policy.get_tribe_for(db.session, current_user.id, slug)
    invites.revoke_invite(db.session, tribe, actor, invite_id)
    db.session.commit()
    return "", 204


@bp.get("/invites/<token>")
def preview_invite(token: str) -> Any:
    """What an invite leads to, if it can still be used."""
    invite, tribe = invites.preview_invite(db.session, token, current_user)
    return jsonify(
        {
            "tribe": {"name": tribe.name, "description": tribe.description, "member_count": tribe.member_count},
            "invited_by": card(invite.created_by),
            "expires_at": invite.expires_at.isoformat(),
        }
    )


@bp.post("/invites/<token>/accept")
def accept_invite(token: str) -> Any:
    """Join the tribe behind an invite."""
    member, tribe = invites.accept_invite(db.session, token, current_user)
    db.session.commit()
    out = service.member_dict(member)
    out["tribe"] = tribe.slug
    return jsonify(out), 200


@bp.get("/tribes/<slug>/invite-tree")
def invite_tree(slug: str) -> Any:
    """Who invited whom (admins)."""
    tribe, _ = policy.get_tribe_with_role(db.session, current_user.id, slug, "admin")
    return jsonify({"items": invites.invite_tree(db.session, tribe.id), "next_cursor": None})


