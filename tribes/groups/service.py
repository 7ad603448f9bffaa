"""Tribes, roles, membership, bans and invites: the rules live here."""

from __future__ import annotations

import re
import secrets
import unicodedata
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tribes import events
from tribes.accounts.models import User
from tribes.accounts.service import card, token_hash
from tribes.db import utcnow
from tribes.errors import Conflict, Forbidden, NotFound
from tribes.groups import policy
from tribes.groups.models import Ban, Invite, InviteEdge, Membership, Tribe

SLUG_RE = re.compile(r"^[a-z0-9-]{3,64}$")


def _audit(session: Session, tribe_id: int, actor_id: int | None, action: str, **kwargs: Any) -> None:
    """Record a membership action in the tribe's audit log (moderation owns the log)."""
    from tribes.moderation.service import audit

    audit(session, tribe_id, actor_id, action, **kwargs)


# ---------------------------------------------------------------- serialisers


def tribe_dict(tribe: Tribe, my_role: str | None) -> dict[str, Any]:
    """The contract's tribe object."""
    return {
        "slug": tribe.slug,
        "name": tribe.name,
        "description": tribe.description,
        "visibility": tribe.visibility,
        "invite_policy": tribe.invite_policy,
        "max_guests": tribe.max_guests,
        "new_member_hours": tribe.new_member_hours,
        "member_count": tribe.member_count,
        "my_role": my_role,
        "created_at": tribe.created_at.isoformat(),
    }


def directory_card(tribe: Tribe) -> dict[str, Any]:
    """What outsiders see of a listed tribe."""
    return {
        "slug": tribe.slug,
        "name": tribe.name,
        "description": tribe.description,
        "member_count": tribe.member_count,
    }


def member_dict(member: Membership) -> dict[str, Any]:
    """The contract's member object."""
    return {
        "user": card(member.user),
        "role": member.role,
        "joined_at": member.joined_at.isoformat(),
        "invited_by": card(member.invited_by),
    }


def invite_dict(invite: Invite, slug: str) -> dict[str, Any]:
    """The contract's invite object (never the token: that is shown once, on creation)."""
    return {
        "id": invite.id,
        "tribe": slug,
        "created_by": card(invite.created_by),
        "for_user": card(invite.for_user),
        "max_uses": invite.max_uses,
        "uses": invite.uses,
        "expires_at": invite.expires_at.isoformat(),
        "revoked": invite.revoked_at is not None,
        "created_at": invite.created_at.isoformat(),
    }


# ---------------------------------------------------------------- tribes


def slugify(name: str) -> str:
    """A slug from a name: ascii, lower case, dashes."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:64].strip("-")
    if len(slug) < 3:
        slug = (slug + "-tribe").strip("-") if slug else "tribe"
    return slug


def _free_slug(session: Session, base: str) -> str:
    if session.scalar(select(Tribe.id).where(Tribe.slug == base)) is None:
        return base
    for _ in range(20):
        candidate = f"{base[:57]}-{secrets.token_hex(3)}"
        if session.scalar(select(Tribe.id).where(Tribe.slug == candidate)) is None:
            return candidate
    raise Conflict("Choose another slug.")


#: accounts younger than this create tribes under LIMIT_TRIBES_NEW
NEW_ACCOUNT_DAYS = 7


def account_is_new(user: User) -> bool:
    """Whether the account is younger than a week (stricter tribe-creation limit)."""
    return bool(user.is_authenticated) and user.created_at > utcnow() - timedelta(days=NEW_ACCOUNT_DAYS)


def create_tribe(
    session: Session,
    owner: User,
    name: str,
    *,
    slug: str | None = None,
    description: str = "",
    visibility: str = "secret",
    invite_policy: str = "admins",
    max_guests: int = 0,
) -> Tribe:
    """Create a tribe; the creator becomes its owner. A taken slug is a 409."""
    if slug is None:
        slug = _free_slug(session, slugify(name))
    elif session.scalar(select(Tribe.id).where(Tribe.slug == slug)) is not None:
        raise Conflict("This slug is taken.")
    tribe = Tribe(
        slug=slug,
        name=name,
        description=description,
        visibility=visibility,
        invite_policy=invite_policy,
        max_guests=max_guests,
        new_member_hours=24,
        member_count=1,
        created_by_id=owner.id,
        created_at=utcnow(),
    )
    try:
        with session.begin_nested():
            session.add(tribe)
            session.flush()
    except IntegrityError as exc:
        raise Conflict("This slug is taken.") from exc
    session.add(Membership(tribe_id=tribe.id, user_id=owner.id, role="owner", joined_at=utcnow()))
    session.flush()
    return tribe


def my_tribes(session: Session, user_id: int) -> list[tuple[Tribe, str]]:
    """The user's tribes with their role, by name."""
    rows = session.execute(
        select(Tribe, Membership.role)
        .join(Membership, Membership.tribe_id == Tribe.id)
        .where(Membership.user_id == user_id)
        .order_by(Tribe.name, Tribe.id)
    ).all()
    return [(t, r) for t, r in rows]


def my_tribes_query(user_id: int) -> Any:
    """The user's tribes with their role (for keyset paging by membership id)."""
    return (
        select(Membership)
        .join(Tribe, Tribe.id == Membership.tribe_id)
        .where(Membership.user_id == user_id)
    )


def tribes_by_id(session: Session, ids: list[int]) -> dict[int, Tribe]:
    """Tribes by id, in one query."""
    if not ids:
        return {}
    return {t.id: t for t in session.scalars(select(Tribe).where(Tribe.id.in_(ids)))}


def directory_query() -> Any:
    """Listed tribes (for keyset paging by id)."""
    return select(Tribe).where(Tribe.visibility == "listed")


def update_tribe(session: Session, tribe: Tribe, changes: dict[str, Any], actor_id: int | None = None) -> Tribe:
    """Change name, description, visibility, invite policy or member settings (audited)."""
    changed: dict[str, Any] = {}
    for key in ("name", "description", "visibility", "invite_policy", "max_guests", "new_member_hours"):
        if changes.get(key) is not None and getattr(tribe, key) != changes[key]:
            changed[key] = {"from": getattr(tribe, key), "to": changes[key]}
            setattr(tribe, key, changes[key])
    session.flush()
    if changed:
        _audit(session, tribe.id, actor_id, "tribe_updated", details=changed)
    return tribe


def delete_tribe(session: Session, tribe: Tribe) -> None:
    """Delete a tribe and everything in it; members' sockets leave its room."""
    user_ids = list(session.scalars(select(Membership.user_id).where(Membership.tribe_id == tribe.id)))
    tribe_id, slug = tribe.id, tribe.slug
    # conditional: when two owners delete at once, the second finds nothing to delete
    if session.execute(delete(Tribe).where(Tribe.id == tribe_id)).rowcount != 1:
        raise NotFound()
    session.flush()
    for uid in user_ids:
        _after_membership_ended(session, tribe_id, slug, uid, "deleted")


# ---------------------------------------------------------------- members


def members_query(tribe_id: int) -> Any:
    """Members of a tribe (for keyset paging by membership id)."""
    return select(Membership).where(Membership.tribe_id == tribe_id)


def get_member(session: Session, tribe_id: int, user_id: int) -> Membership:
    """A member of the tribe, or NotFound."""
    member = policy.membership(session, tribe_id, user_id)
    if member is None:
        raise NotFound()
    return member


def _owner_count(session: Session, tribe_id: int) -> int:
    """Owners of the tribe, counted while holding a lock on the tribe row."""
    # PostgreSQL: two owners stepping down at once must not both see the other one still
    # there. SQLite's write transactions are serial anyway (FOR UPDATE is left out).
    session.execute(select(Tribe.id).where(Tribe.id == tribe_id).with_for_update())
    return session.scalar(
        select(func.count()).where(Membership.tribe_id == tribe_id, Membership.role == "owner")
    ) or 0


def change_role(session: Session, tribe: Tribe, actor: Membership, target: Membership, role: str) -> Membership:
    """Change a member's role within the actor's rights; the last owner cannot step down."""
    if not policy.may_change_role(actor, target, role):
        raise Forbidden()
    if target.role == "owner" and role != "owner" and _owner_count(session, tribe.id) <= 1:
        raise Conflict("A tribe needs an owner; hand ownership over first.", code="sole_owner")
    previous, target.role = target.role, role
    session.flush()
    if previous != role:
        _audit(session, tribe.id, actor.user_id, "role_changed", target_user_id=target.user_id,
               details={"from": previous, "to": role})
    return target


def _after_membership_ended(session: Session, tribe_id: int, slug: str, user_id: int, reason: str) -> None:
    events.on_commit(
        session,
        lambda: events.membership_ended.send(tribe_id, user_id=user_id, slug=slug, reason=reason),
    )


def end_membership(session: Session, tribe: Tribe, member: Membership, reason: str) -> bool:
    """Remove a membership (leave, removal, ban); False when it had already ended (a race)."""
    if member.role == "owner" and _owner_count(session, tribe.id) <= 1 and tribe.member_count > 1:
        raise Conflict(
            "You are the only owner; hand ownership over or delete the tribe.", code="sole_owner"
        )
    user_id = member.user_id
    events.membership_ending.send(tribe.id, session=session, user_id=user_id, reason=reason)
    # A conditional delete: when two requests end the same membership, only one counts.
    gone = session.execute(delete(Membership).where(Membership.id == member.id))
    if gone.rowcount != 1:
        return False
    session.execute(
        update(Tribe).where(Tribe.id == tribe.id).values(member_count=Tribe.member_count - 1)
    )
    session.flush()
    session.refresh(tribe)
    _after_membership_ended(session, tribe.id, tribe.slug, user_id, reason)
    if tribe.member_count <= 0:
        delete_tribe(session, tribe)
    return True


def remove_member(session: Session, tribe: Tribe, actor: Membership, target: Membership) -> None:
    """Leave (actor is target) or remove someone ranked below the actor."""
    if not policy.may_remove(actor, target):
        raise Forbidden()
    leaving = actor.user_id == target.user_id
    tribe_id, user_id = tribe.id, target.user_id
    if not end_membership(session, tribe, target, "left" if leaving else "removed"):
        raise NotFound()
    if session.get(Tribe, tribe_id) is not None:
        _audit(session, tribe_id, actor.user_id, "member_left" if leaving else "member_removed",
               target_user_id=user_id)


# ---------------------------------------------------------------- bans


def invitee_branch(session: Session, tribe_id: int, root_id: int) -> list[int]:
    """Everyone the user brought into the tribe, directly or indirectly (ids, breadth first)."""
    edges = session.execute(
        select(InviteEdge.inviter_id, InviteEdge.invitee_id).where(InviteEdge.tribe_id == tribe_id)
    ).all()
    children: dict[int, list[int]] = {}
    for inviter, invitee in edges:
        if inviter is not None:
            children.setdefault(inviter, []).append(invitee)
    seen, order, queue = {root_id}, [], [root_id]
    while queue:
        current = queue.pop(0)
        for child in sorted(children.get(current, [])):
            if child not in seen:
                seen.add(child)
                order.append(child)
                queue.append(child)
    return order


def ban(
    session: Session,
    tribe: Tribe,
    actor: Membership,
    user_id: int,
    reason: str,
    *,
    with_branch: bool = False,
    dry_run: bool = False,
) -> list[User]:
    """Ban a user (and with_branch everyone they invited); returns who is (or would be) banned."""
    target_ids = [user_id] + (invitee_branch(session, tribe.id, user_id) if with_branch else [])
    banned: list[User] = []
    for uid in target_ids:
        if uid == actor.user_id:
            if uid == user_id:
                raise Forbidden("You cannot ban yourself.")
            continue
        user = session.get(User, uid)
        if user is None:
            continue
        target = policy.membership(session, tribe.id, uid)
        if target is None and uid == user_id:
            # Banning a non-member is allowed only for someone who was ever in the tribe.
            known = session.scalar(
                select(InviteEdge.id).where(InviteEdge.tribe_id == tribe.id, InviteEdge.invitee_id == uid)
            )
            if known is None:
                raise NotFound()
        if target is not None and not policy.may_remove(actor, target):
            if uid == user_id:
                raise Forbidden()
            continue
        banned.append(user)
        if dry_run:
            continue
        if _add_ban(session, tribe.id, uid, actor.user_id, reason):
            _audit(session, tribe.id, actor.user_id, "member_banned", target_user_id=uid,
                   details={"reason": reason, "with_branch": with_branch, "branch_of": user_id if uid != user_id else None})
        if target is not None:
            end_membership(session, tribe, target, "banned")
    return banned


def _add_ban(session: Session, tribe_id: int, user_id: int, actor_id: int, reason: str) -> bool:
    """Record a ban; False when the user is already banned (also when banned concurrently)."""
    if session.scalar(select(Ban.id).where(Ban.tribe_id == tribe_id, Ban.user_id == user_id)) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(Ban(tribe_id=tribe_id, user_id=user_id, banned_by_id=actor_id, reason=reason, created_at=utcnow()))
            session.flush()
    except IntegrityError:
        return False
    return True


def lift_ban(session: Session, tribe: Tribe, user_id: int, actor_id: int | None = None) -> None:
    """Lift a ban (audited); unknown bans are not found."""
    result = session.execute(delete(Ban).where(Ban.tribe_id == tribe.id, Ban.user_id == user_id))
    if not result.rowcount:
        raise NotFound()
    _audit(session, tribe.id, actor_id, "ban_lifted", target_user_id=user_id)


def bans_query(tribe_id: int) -> Any:
    """Bans of a tribe (for keyset paging by id)."""
    return select(Ban).where(Ban.tribe_id == tribe_id)


def is_banned(session: Session, tribe_id: int, user_id: int) -> bool:
    """Whether the user is banned from the tribe."""
    return session.scalar(select(Ban.id).where(Ban.tribe_id == tribe_id, Ban.user_id == user_id)) is not None


# ---------------------------------------------------------------- invites


def create_invite(
    session: Session,
    tribe: Tribe,
    actor: Membership,
    *,
    max_uses: int = 1,
    expires_in_hours: int = 168,
    for_user_id: int | None = None,
) -> tuple[Invite, str]:
    """Create an invite; returns it with the raw token (shown once, stored hashed)."""
    if not policy.may_invite(tribe, actor):
        raise Forbidden()
    if actor.role == "member" and actor.joined_at > utcnow() - timedelta(hours=tribe.new_member_hours):
        raise Forbidden(
            f"New members can invite others after their first {tribe.new_member_hours} hours in the tribe."
        )
    for_user = None
    if for_user_id is not None:
        for_user = session.get(User, for_user_id)
        if for_user is None:
            from tribes.errors import ValidationFailed

            raise ValidationFailed({"for_user_id": "No such user."})
    raw = secrets.token_urlsafe(24)  # 192 bits
    invite = Invite(
        tribe_id=tribe.id,
        created_by_id=actor.user_id,
        for_user_id=for_user_id,
        token_hash=token_hash(raw),
        max_uses=max_uses,
        uses=0,
        expires_at=utcnow() + timedelta(hours=expires_in_hours),
        created_at=utcnow(),
    )
    session.add(invite)
    session.flush()
    _audit(session, tribe.id, actor.user_id, "invite_created", target_user_id=for_user_id,
           details={"invite_id": invite.id, "max_uses": max_uses, "expires_at": invite.expires_at.isoformat()})
    if for_user is not None and not policy.is_member(session, tribe.id, for_user.id):
        from tribes.notifications.service import notify

        notify(
            session,
            for_user.id,
            "tribe_invite",
            # never the token: it is stored nowhere but as its hash; the link comes from the inviter
            {"tribe": {"name": tribe.name}, "invited_by": card(invite.created_by), "invite_id": invite.id},
        )
    return invite, raw


def invites_query(tribe_id: int, actor: Membership) -> Any:
    """Invites of a tribe: all for admins, own ones for members."""
    stmt = select(Invite).where(Invite.tribe_id == tribe_id)
    if not policy.at_least(actor.role, "admin"):
        stmt = stmt.where(Invite.created_by_id == actor.user_id)
    return stmt


def revoke_invite(session: Session, tribe: Tribe, actor: Membership, invite_id: int) -> Invite:
    """Revoke an invite (admins: any; members: their own)."""
    invite = session.scalar(select(Invite).where(Invite.id == invite_id, Invite.tribe_id == tribe.id))
    if invite is None:
        raise NotFound()
    if not policy.at_least(actor.role, "admin") and invite.created_by_id != actor.user_id:
        raise NotFound()
    if invite.revoked_at is None:
        invite.revoked_at = utcnow()
        _audit(session, tribe.id, actor.user_id, "invite_revoked", target_user_id=invite.for_user_id,
               details={"invite_id": invite.id, "created_by_id": invite.created_by_id})
    session.flush()
    return invite


def _usable_invite(session: Session, raw: str, user: User | None) -> tuple[Invite, Tribe]:
    invite = session.scalar(select(Invite).where(Invite.token_hash == token_hash(raw)))
    if (
        invite is None
        or invite.revoked_at is not None
        or invite.expires_at <= utcnow()
    ):
        raise NotFound()
    if user is not None:
        if invite.for_user_id is not None and invite.for_user_id != user.id:
            raise NotFound()
        if is_banned(session, invite.tribe_id, user.id):
            raise NotFound()
    tribe = session.get(Tribe, invite.tribe_id)
    if tribe is None:
        raise NotFound()
    return invite, tribe


def preview_invite(session: Session, raw: str, user: User | None) -> tuple[Invite, Tribe]:
    """The invite behind a token if it can still be used (by this user)."""
    invite, tribe = _usable_invite(session, raw, user)
    already = user is not None and policy.is_member(session, tribe.id, user.id)
    if invite.uses >= invite.max_uses and not already:
        raise NotFound()
    return invite, tribe


def accept_invite(session: Session, raw: str, user: User) -> tuple[Membership, Tribe]:
    """Join through an invite; uses are counted atomically, members are not counted twice."""
    invite, tribe = _usable_invite(session, raw, user)
    existing = policy.membership(session, tribe.id, user.id)
    if existing is not None:
        return existing, tribe
    now = utcnow()
    claimed = session.execute(
        update(Invite)
        .where(
            Invite.id == invite.id,
            Invite.uses < Invite.max_uses,
            Invite.revoked_at.is_(None),
            Invite.expires_at > now,
        )
        .values(uses=Invite.uses + 1)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise NotFound()
    try:
        with session.begin_nested():
            member = Membership(
                tribe_id=tribe.id,
                user_id=user.id,
                role="member",
                joined_at=now,
                invited_by_id=invite.created_by_id,
                invite_id=invite.id,
            )
            session.add(member)
            session.flush()
    except IntegrityError:
        # The same user accepted concurrently: that acceptance counted; this one does not.
        session.execute(
            update(Invite)
            .where(Invite.id == invite.id)
            .values(uses=Invite.uses - 1)
            .execution_options(synchronize_session=False)
        )
        existing = policy.membership(session, tribe.id, user.id)
        if existing is None:
            raise
        return existing, tribe
    session.execute(
        update(Tribe).where(Tribe.id == tribe.id).values(member_count=Tribe.member_count + 1)
    )
    edge = session.scalar(
        select(InviteEdge).where(InviteEdge.tribe_id == tribe.id, InviteEdge.invitee_id == user.id)
    )
    if edge is None:
        session.add(
            InviteEdge(
                tribe_id=tribe.id,
                inviter_id=invite.created_by_id,
                invitee_id=user.id,
                invite_id=invite.id,
                created_at=now,
            )
        )
    session.flush()
    _audit(session, tribe.id, user.id, "invite_accepted", target_user_id=invite.created_by_id,
           details={"invite_id": invite.id})
    session.refresh(tribe)
    return member, tribe


def invite_tree(session: Session, tribe_id: int) -> list[dict[str, Any]]:
    """Who invited whom, as nested nodes; people who left appear with role null."""
    members = {m.user_id: m for m in session.scalars(select(Membership).where(Membership.tribe_id == tribe_id))}
    edges = session.execute(
        select(InviteEdge.inviter_id, InviteEdge.invitee_id, InviteEdge.created_at).where(
            InviteEdge.tribe_id == tribe_id
        )
    ).all()
    parent: dict[int, int | None] = {invitee: inviter for inviter, invitee, _ in edges}
    ids = set(members) | set(parent) | {p for p in parent.values() if p is not None}
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    children: dict[int | None, list[int]] = {}
    for uid in ids:
        if uid not in users:
            continue
        p = parent.get(uid)
        children.setdefault(p if p in users else None, []).append(uid)

    def node(uid: int, depth: int = 0) -> dict[str, Any]:
        member = members.get(uid)
        kids = sorted(children.get(uid, [])) if depth < 100 else []
        return {
            "user": card(users[uid]),
            "role": member.role if member else None,
            "joined_at": member.joined_at.isoformat() if member else None,
            "children": [node(k, depth + 1) for k in kids],
        }

    return [node(uid) for uid in sorted(children.get(None, []))]
