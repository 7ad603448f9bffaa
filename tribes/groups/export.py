"""Data export: memberships, tribes created, invites, who invited whom, bans concerning me."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from tribes.accounts.models import User
from tribes.accounts.service import card
from tribes.groups.audit import AuditEntry
from tribes.groups.models import Ban, Invite, InviteEdge, Membership, Tribe

TABLES = {"tribes", "memberships", "invite_edges", "bans", "invites"}


def _users(session: Session, ids: set[int | None]) -> dict[int, User]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {u.id: u for u in session.scalars(select(User).where(User.id.in_(wanted)))}


def tribe_labels(session: Session, user_id: int, tribe_ids: set[int]) -> dict[int, tuple[str | None, str | None]]:
    """(slug, name) of each tribe as an export may show it to the user: the name only while the
    user may see the tribe (member, or it is listed), the slug only if they once were in it
    (created, joined, banned from, invited others to, acted in): a revoked invite reveals nothing."""
    if not tribe_ids:
        return {}
    ids = list(tribe_ids)
    member_of = select(Membership.tribe_id).where(Membership.user_id == user_id, Membership.tribe_id.in_(ids))
    once_in = or_(
        Tribe.id.in_(member_of),
        Tribe.created_by_id == user_id,
        Tribe.id.in_(select(InviteEdge.tribe_id).where(InviteEdge.invitee_id == user_id, InviteEdge.tribe_id.in_(ids))),
        Tribe.id.in_(select(Ban.tribe_id).where(Ban.user_id == user_id, Ban.tribe_id.in_(ids))),
        Tribe.id.in_(select(Invite.tribe_id).where(Invite.created_by_id == user_id, Invite.tribe_id.in_(ids))),
        Tribe.id.in_(select(AuditEntry.tribe_id).where(AuditEntry.actor_id == user_id, AuditEntry.tribe_id.in_(ids))),
    )
    rows = session.execute(
        select(Tribe.id, Tribe.slug, Tribe.name, Tribe.id.in_(member_of) | (Tribe.visibility == "listed"), once_in)
        .where(Tribe.id.in_(ids))
    ).all()
    return {tid: (slug if (seen or visible) else None, name if visible else None)
            for tid, slug, name, visible, seen in rows}


def export_user(session: Session, user: User) -> dict[str, Any]:
    """`memberships`, `tribes_created`, `invites_created`, `invites_received`, `invited`, `bans`.

    A tribe the user may no longer see keeps its slug (they knew it) but not its current name;
    one they never were in (a revoked targeted invite) is not named at all.
    """
    tribes = {t.id: t for t in session.scalars(select(Tribe).where(
        or_(
            Tribe.id.in_(select(Membership.tribe_id).where(Membership.user_id == user.id)),
            Tribe.created_by_id == user.id,
            Tribe.id.in_(select(Invite.tribe_id).where(or_(Invite.created_by_id == user.id, Invite.for_user_id == user.id))),
            Tribe.id.in_(select(InviteEdge.tribe_id).where(or_(InviteEdge.inviter_id == user.id, InviteEdge.invitee_id == user.id))),
            Tribe.id.in_(select(Ban.tribe_id).where(or_(Ban.user_id == user.id, Ban.banned_by_id == user.id))),
        )
    ))}

    labels = tribe_labels(session, user.id, set(tribes))

    def slug(tribe_id: int) -> str | None:
        return labels.get(tribe_id, (None, None))[0]

    def name(tribe_id: int) -> str | None:
        return labels.get(tribe_id, (None, None))[1]
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
            {"tribe": slug(m.tribe_id), "name": name(m.tribe_id), "role": m.role, "email": m.email,
             "joined_at": m.joined_at.isoformat(), "invited_by": card(m.invited_by)}
            for m in memberships
        ],
        "tribes_created": [
            {"slug": slug(t.id), "name": name(t.id), "created_at": t.created_at.isoformat()}
            for t in tribes.values() if t.created_by_id == user.id
        ],
        "invites_created": [invite(i) for i in invites if i.created_by_id == user.id],
        "invites_received": [
            {"id": i.id, "tribe": slug(i.tribe_id), "revoked": i.revoked_at is not None,
             "created_at": i.created_at.isoformat()}
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
