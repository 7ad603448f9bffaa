"""JSON API: tribes, directory, members, roles, bans, invites and the invite tree."""

from __future__ import annotations

from typing import Any

from flask import current_app, request, url_for
from flask_login import current_user
from sqlalchemy import select

from tribes.accounts.models import User
from tribes.db import time_id_keyset
from tribes.endpoint import Page, endpoint
from tribes.extensions import db
from tribes.groups import bans, invites, limits, listing, policy, reads, schemas, service
from tribes.groups.models import Ban, Invite, Membership, Tribe
from tribes.groups.schemas import (
    BannedOut,
    BanOut,
    DirectoryCardOut,
    InviteCreatedOut,
    InviteOut,
    InvitePreviewOut,
    InviteTreeNodeOut,
    InviteTreePage,
    JoinedOut,
    MemberOut,
    TribeOut,
)
from tribes.http import api_blueprint, body, parse
from tribes.paging import cursor_after, keyset_page, page_limit, trim_page

bp = api_blueprint("groups_api", __name__)


@bp.post("/tribes")
@limits.tribe_creation
@limits.tribe_creation_new
@endpoint(TribeOut, status=201, body=schemas.TribeIn)
def create_tribe(data: schemas.TribeIn) -> TribeOut:
    """Create a tribe; I become its owner."""
    tribe = service.create_tribe(db.session, current_user, **data.model_dump())
    return TribeOut.of(tribe, policy.membership(db.session, tribe.id, current_user.id))


#: the cursor of the tribe list: (joined_at, membership id), as `time_id_keyset` reads it
_MEMBERSHIP_KEY = time_id_keyset(Membership.joined_at, Membership.id)["parse_key"]


@bp.get("/tribes")
@endpoint(Page[TribeOut], paged=True)
def list_my_tribes() -> dict[str, Any]:
    """The tribes I belong to."""
    # Core rows → the contract's dicts (tribes/groups/listing.py): the same JSON as
    # Page(items=[TribeOut.of(tribe, membership, unread) ...]) in one statement instead of three
    limit = page_limit()
    after = cursor_after(2, _MEMBERSHIP_KEY)
    rows, cursor = trim_page(listing.my_tribe_rows(db.session, current_user.id, after=after, limit=limit + 1),
                             limit, listing.key_of)
    return {"items": [listing.tribe_json(row) for row in rows], "next_cursor": cursor}



@bp.get("/tribes/directory")
@endpoint(Page[DirectoryCardOut], paged=True)
def directory() -> Page[DirectoryCardOut]:
    """Listed tribes, as directory cards only."""
    rows, cursor = keyset_page(db.session, service.directory_query(db.session), **time_id_keyset(Tribe.created_at, Tribe.id))
    return Page(items=[DirectoryCardOut.of(t) for t in rows], next_cursor=cursor)


@bp.get("/tribes/<slug>")
@endpoint(schemas.TribeOrCard)
def get_tribe(slug: str) -> TribeOut | schemas.OutsiderCardOut:
    """A tribe for members; the directory card and how to ask to join for outsiders of a listed tribe."""
    tribe, member = policy.get_visible_tribe(db.session, current_user.id, slug)
    if member is None:
        from tribes.joining.service import my_open_request_id

        return schemas.OutsiderCardOut.outsider(tribe, my_open_request_id(db.session, tribe, current_user.id))
    unread = reads.unread_counts(db.session, current_user.id, [tribe.id])
    return TribeOut.of(tribe, member, unread.get(tribe.id, 0))


@bp.patch("/tribes/<slug>")
@body(schemas.TribePatch)  # documented here, parsed after the access check (404/403 before 422)
@endpoint(TribeOut)
def patch_tribe(slug: str) -> TribeOut:
    """Change a tribe's settings (admins and owners)."""
    tribe, member = policy.get_tribe_with_role(db.session, current_user.id, slug, "admin")
    data = parse(schemas.TribePatch)
    service.update_tribe(db.session, tribe, data.model_dump(exclude_unset=True), actor_id=current_user.id)
    unread = reads.unread_counts(db.session, current_user.id, [tribe.id])
    return TribeOut.of(tribe, member, unread.get(tribe.id, 0))


@bp.post("/tribes/<slug>/read")
@body(schemas.ReadIn)  # documented here, parsed after the access check (404 before 422)
@endpoint(status=204)
def mark_read(slug: str) -> None:
    """Move my read marker in the tribe's chat forward (never back); only I see it."""
    _, member = policy.get_tribe_for(db.session, current_user.id, slug)
    data = parse(schemas.ReadIn)
    reads.mark_read(db.session, member, data.message_id)


@bp.delete("/tribes/<slug>")
@endpoint(status=204)
def delete_tribe(slug: str) -> None:
    """Delete a tribe (owners)."""
    tribe, _ = policy.get_tribe_with_role(db.session, current_user.id, slug, "owner")
    service.delete_tribe(db.session, tribe)


@bp.get("/tribes/<slug>/members")
@endpoint(Page[MemberOut], paged=True)
def list_members(slug: str) -> Page[MemberOut]:
    """Members of a tribe, in the order they joined."""
    tribe, _ = policy.get_tribe_for(db.session, current_user.id, slug)
    rows, cursor = keyset_page(db.session, service.members_query(tribe.id),
                               **time_id_keyset(Membership.joined_at, Membership.id))
    return Page(items=[MemberOut.of(m) for m in rows], next_cursor=cursor)


@bp.patch("/tribes/<slug>/my-settings")
@body(schemas.MySettingsIn)  # documented here, parsed after the access check (404 before 422)
@endpoint(schemas.MySettingsOut)
def patch_my_settings(slug: str) -> schemas.MySettingsOut:
    """How much mail this tribe sends me (members only; hidden tribes are 404)."""
    _tribe, me = policy.get_tribe_for(db.session, current_user.id, slug)
    data = parse(schemas.MySettingsIn)
    service.set_email_volume(db.session, me, data.email)
    return schemas.MySettingsOut(email=me.email)


@bp.patch("/tribes/<slug>/members/<int:user_id>")
@body(schemas.RoleIn)  # documented here, parsed after the access check (404/403 before 422)
@endpoint(MemberOut)
def change_role(slug: str, user_id: int) -> MemberOut:
    """Change a member's role."""
    tribe, actor = policy.get_tribe_for(db.session, current_user.id, slug)
    data = parse(schemas.RoleIn)
    target = service.get_member(db.session, tribe.id, user_id)
    service.change_role(db.session, tribe, actor, target, data.role)
    return MemberOut.of(target)


@bp.delete("/tribes/<slug>/members/<int:user_id>")
@endpoint(status=204)
def remove_member(slug: str, user_id: int) -> None:
    """Leave the tribe (my own id) or remove a member."""
    tribe, actor = policy.get_tribe_for(db.session, current_user.id, slug)
    target = service.get_member(db.session, tribe.id, user_id)
    service.remove_member(db.session, tribe, actor, target)


@bp.post("/tribes/<slug>/bans")
@body(schemas.BanIn)  # documented here, parsed after the access check (404/403 before 422)
@endpoint(BannedOut, status=201)
def ban(slug: str) -> BannedOut:
    """Ban a member (optionally with everyone they invited); dry_run only lists them."""
    tribe, actor = policy.get_tribe_with_role(db.session, current_user.id, slug, "admin")
    data = parse(schemas.BanIn)
    banned = bans.ban(
        db.session, tribe, actor, data.user_id, data.reason,
        with_branch=data.with_branch, dry_run=data.dry_run,
    )
    out = BannedOut.of(banned, dry_run=data.dry_run)
    if data.dry_run:
        db.session.rollback()  # a preview changes nothing
    return out


@bp.get("/tribes/<slug>/bans")
@endpoint(Page[BanOut], paged=True)
def list_bans(slug: str) -> Page[BanOut]:
    """Bans of a tribe (admins)."""
    tribe, _ = policy.get_tribe_with_role(db.session, current_user.id, slug, "admin")
    rows, cursor = keyset_page(db.session, bans.bans_query(tribe.id), **time_id_keyset(Ban.created_at, Ban.id))
    ids = [b.user_id for b in rows]
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    return Page(items=[BanOut.of(b, users) for b in rows], next_cursor=cursor)


@bp.delete("/tribes/<slug>/bans/<int:user_id>")
@endpoint(status=204)
def lift_ban(slug: str, user_id: int) -> None:
    """Lift a ban."""
    tribe, _ = policy.get_tribe_with_role(db.session, current_user.id, slug, "admin")
    bans.lift_ban(db.session, tribe, user_id, actor_id=current_user.id)


def invite_url(raw: str) -> str:
    """The absolute URL of the invite landing page."""
    base = current_app.config.get("BASE_URL")
    path = url_for("groups_pages.invite_landing", token=raw)
    return f"{base}{path}" if base else url_for("groups_pages.invite_landing", token=raw, _external=True)


@bp.post("/tribes/<slug>/invites")
@limits.invite_creation
@body(schemas.InviteIn)  # documented here, parsed after the access check (404/403 before 422)
@endpoint(InviteCreatedOut, status=201)
def create_invite(slug: str) -> InviteCreatedOut:
    """Create an invite link (the token is shown only now)."""
    tribe, actor = policy.get_tribe_for(db.session, current_user.id, slug)
    data = parse(schemas.InviteIn)
    invite, raw = invites.create_invite(db.session, tribe, actor, **data.model_dump())
    return InviteCreatedOut.created(invite, tribe.slug, raw, invite_url(raw))


@bp.get("/tribes/<slug>/invites")
@endpoint(Page[InviteOut], paged=True)
def list_invites(slug: str) -> Page[InviteOut]:
    """Invites of a tribe (admins: all; members: their own); never tokens."""
    tribe, actor = policy.get_tribe_for(db.session, current_user.id, slug)
    rows, cursor = keyset_page(
        db.session, invites.invites_query(tribe.id, actor), descending=True,
        **time_id_keyset(Invite.created_at, Invite.id),
    )
    return Page(items=[InviteOut.of(i, tribe.slug) for i in rows], next_cursor=cursor)


@bp.delete("/tribes/<slug>/invites/<int:invite_id>")
@endpoint(status=204)
def revoke_invite(slug: str, invite_id: int) -> None:
    """Revoke an invite."""
    tribe, actor = policy.get_tribe_for(db.session, current_user.id, slug)
    invites.revoke_invite(db.session, tribe, actor, invite_id)


@bp.get("/invites/<token>")
@endpoint(InvitePreviewOut)
def preview_invite(token: str) -> InvitePreviewOut:
    """What an invite leads to, if it can still be used."""
    invite, tribe = invites.preview_invite(db.session, token, current_user)
    return InvitePreviewOut.of(invite, tribe)


@bp.post("/invites/<token>/accept")
@endpoint(JoinedOut)
def accept_invite(token: str) -> JoinedOut:
    """Join the tribe behind an invite."""
    member, tribe = invites.accept_invite(db.session, token, current_user)
    return JoinedOut.joined(member, tribe)


@bp.get("/tribes/<slug>/invite-tree")
@endpoint(InviteTreePage, paged=True)
def invite_tree(slug: str) -> InviteTreePage:
    """Who invited whom (admins): top-level people a page at a time, each with their branch."""
    tribe, _ = policy.get_tribe_with_role(db.session, current_user.id, slug, "admin")
    tree = invites.invite_tree(db.session, tribe.id)
    roots, cursor = invites.tree_page(tree, page_limit(), request.args.get("cursor") or None)
    return InviteTreePage(items=[InviteTreeNodeOut.of(tree, uid) for uid in roots], next_cursor=cursor)
