"""Data export: memberships, tribes created, invites, who invited whom, bans concerning me."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from tribes.accounts.models import User
from tribes.accounts.service import card
from tribes.groups.models import Ban, Invite, InviteEdge, Membership, Tribe

TABLES = {"tribes", "memberships", "invite_edges", "bans", "invites"}


def _users(session: Session, ids: set[int | None]) -> dict[int, User]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {u.id: u for u in session.scalars(select(User).where(User.id.in_(wanted)))}


def export_user(session: Session, user: User) -> dict[str, Any]:
    """`memberships`, `tribes_created`, `invites_created`, `invites_received`, `invited`, `bans`."""
    tribes = {t.id: t for t in session.scalars(select(Tribe).where(
        or_(
            Tribe.id.in_(select(Membership.tribe_id).where(Membership.user_id == user.id)),
            Tribe.created_by_id == user.id,
            Tribe.id.in_(select(Invite.tribe_id).where(or_(Invite.created_by_id == user.id, Invite.for_user_id == user.id))),
            Tribe.id.in_(select(InviteEdge.tribe_id).where(or_(InviteEdge.inviter_id == user.id, InviteEdge.invitee_id == user.id))),
            Tribe.id.in_(select(Ban.tribe_id).where(or_(Ban.user_id == user.id, Ban.banned_by_id == user.id))),
        )
    ))}

    def slug(tribe_id: int) -> str | None:
        return tribes[tribe_id].slug if tribe_id in tribes else None

    memberships = list(session.scalars(select(Membership).where(Membership.user_id == user.id)))
    invites = list(session.scalars(select(Invite).where(
        or_(Invite.created_by_id == user.id, Invite.for_user_id == user.id)).order_by(Invite.created_at, Invite.id)))
    edges = list(session.scalars(select(InviteEdge).where(
        or_(InviteEdge.inviter_id == user.id, InviteEdge.invitee_id == user.id)).order_by(InviteEdge.created_at, InviteEdge.id)))
    bans = list(session.scalars(select(Ban).where(
        or_(Ban.user_id == user.id, Ban.banned_by_id == user.id)).order_by(Ban.created_at, Ban.id)))
    people = _users(session, {e.inviter_id for e in edges} | {e.invitee_id for e in edges}
                    | {b.user_id for b in bans} | {i.for_user_id for i in invites})

    def invite(i: Invite) -> dict[str, Any]:
        return {"id": i.id, "tribe": slug(i.tribe_id), "for_user": card(people.get(i.for_user_id or 0)),
                "max_uses": i.max_uses, "uses": i.uses, "expires_at": i.expires_at.isoformat(),
                "revoked": i.revoked_at is not None, "created_at": i.created_at.isoformat()}

    return {
        "memberships": [
            {"tribe": slug(m.tribe_id), "name": tribes[m.tribe_id].name, "role": m.role,
             "joined_at": m.joined_at.isoformat(), "invited_by": card(m.invited_by)}
            for m in memberships
        ],
        "tribes_created": [
            {"slug": t.slug, "name": t.name, "created_at": t.created_at.isoformat()}
            for t in tribes.values() if t.created_by_id == user.id
        ],
        "invites_created": [invite(i) for i in invites if i.created_by_id == user.id],
        "invites_received": [
            {"id": i.id, "tribe": slug(i.tribe_id), "created_at": i.created_at.isoformat()}
            for i in invites if i.for_user_id == user.id
        ],
        "invited": [
            {"tribe": slug(e.tribe_id), "inviter": card(people.get(e.inviter_id or 0)),
             "invitee": card(people.get(e.invitee_id)), "created_at": e.created_at.isoformat()}
            for e in edges
        ],
        "bans": [
            {"tribe": slug(b.tribe_id), "user": card(people.get(b.user_id)),
             "by_me": b.banned_by_id == user.id, "created_at": b.created_at.isoformat()}
            for b in bans
        ],
    }
