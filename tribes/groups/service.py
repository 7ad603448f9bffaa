"""Tribes, roles and membership: the rules live here (bans.py and invites.py hold the rest)."""

from __future__ import annotations

import re
import secrets
import unicodedata
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, false, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tribes import events
from tribes.accounts import site
from tribes.accounts.models import User
from tribes.db import rowcount, utcnow
from tribes.errors import Conflict, Forbidden, NotFound, ValidationFailed
from tribes.groups import policy, reads
from tribes.groups.audit import record as record_audit
from tribes.groups.models import InviteEdge, Membership, Tribe
from tribes.i18n import _

SLUG_RE = re.compile(r"^[a-z0-9-]{3,64}$")


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
    for _attempt in range(20):
        candidate = f"{base[:57]}-{secrets.token_hex(3)}"
        if session.scalar(select(Tribe.id).where(Tribe.slug == candidate)) is None:
            return candidate
    raise Conflict(_("Choose another slug."))


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
    """Create a tribe; the creator becomes its owner. A taken slug is a 409; the site's rule
    on who creates tribes may refuse it (403)."""
    site.check_tribe_creation(session, owner)
    if slug is None:
        slug = _free_slug(session, slugify(name))
    elif session.scalar(select(Tribe.id).where(Tribe.slug == slug)) is not None:
        raise Conflict(_("This slug is taken."))
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
        raise Conflict(_("This slug is taken.")) from exc
    session.add(Membership(tribe_id=tribe.id, user_id=owner.id, role="owner", joined_at=utcnow()))
    session.flush()
    return tribe


def my_tribes(session: Session, user_id: int) -> list[tuple[Tribe, str]]:
    """The user's tribes with their role, by name."""
    rows = session.execute(
        select(Tribe, Membership.role)
        .join(Membership, policy.member_of(Tribe.id, user_id))
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


def directory_query(session: Session) -> Any:
    """Listed tribes (for keyset paging by id); none while the site turned the directory off."""
    if not site.directory_enabled(session):
        return select(Tribe).where(false())
    return select(Tribe).where(Tribe.visibility == "listed")


def update_tribe(session: Session, tribe: Tribe, changes: dict[str, Any], actor_id: int | None = None) -> Tribe:
    """Change name, description, visibility, invite policy, member, joining or mail settings (audited)."""
    _check_joining(tribe, changes)
    was_taking = tribe.join_requests
    changed: dict[str, Any] = {}
    for key in ("name", "description", "visibility", "invite_policy", "max_guests", "new_member_hours",
                "join_requests", "join_questions", "discreet_email"):
        if changes.get(key) is not None and getattr(tribe, key) != changes[key]:
            changed[key] = {"from": getattr(tribe, key), "to": changes[key]}
            setattr(tribe, key, changes[key])
    if tribe.visibility == "secret" and tribe.join_requests:  # a secret tribe takes no requests
        changed["join_requests"] = {"from": True, "to": False}
        tribe.join_requests = False
    session.flush()
    if changed:
        record_audit(session, tribe.id, actor_id, "tribe_updated", details=changed)
    if was_taking and not tribe.join_requests:
        # joining (above) closes the open requests: they are hidden from their requesters now
        events.join_requests_closed.send(tribe.id, session=session)
    return tribe


def _check_joining(tribe: Tribe, changes: dict[str, Any]) -> None:
    """Join requests can be switched on only for a listed tribe (422 otherwise)."""
    visibility = changes.get("visibility") or tribe.visibility
    if changes.get("join_requests") and visibility != "listed":
        raise ValidationFailed({"join_requests": _("Only a listed tribe can take join requests.")})


def add_member(
    session: Session, tribe: Tribe, user_id: int, *, invited_by_id: int | None, actor_id: int | None, via: str,
) -> tuple[Membership, bool]:
    """Make `user_id` a member (role member), counted, with its invite-tree edge and an audit
    entry `via`; returns (membership, created) — an existing membership is returned as is."""
    existing = policy.membership(session, tribe.id, user_id)
    if existing is not None:
        return existing, False
    now = utcnow()
    try:
        with session.begin_nested():
            member = Membership(tribe_id=tribe.id, user_id=user_id, role="member", joined_at=now,
                                invited_by_id=invited_by_id,
                                last_read_message_id=reads.latest_message_id(session, tribe.id))
            session.add(member)
            session.flush()
    except IntegrityError:
        existing = policy.membership(session, tribe.id, user_id)
        if existing is None:
            raise
        return existing, False
    session.execute(update(Tribe).where(Tribe.id == tribe.id).values(member_count=Tribe.member_count + 1))
    if session.scalar(select(InviteEdge.id).where(InviteEdge.tribe_id == tribe.id,
                                                  InviteEdge.invitee_id == user_id)) is None:
        session.add(InviteEdge(tribe_id=tribe.id, inviter_id=invited_by_id, invitee_id=user_id, created_at=now))
    session.flush()
    session.refresh(tribe)
    record_audit(session, tribe.id, actor_id, via, target_user_id=user_id,
                 details={"invited_by_id": invited_by_id})
    return member, True


def delete_tribe(session: Session, tribe: Tribe) -> None:
    """Delete a tribe and everything in it; members' sockets leave its room."""
    user_ids = list(session.scalars(select(Membership.user_id).where(Membership.tribe_id == tribe.id)))
    tribe_id, slug = tribe.id, tribe.slug
    # conditional: when two owners delete at once, the second finds nothing to delete
    if rowcount(session.execute(delete(Tribe).where(Tribe.id == tribe_id))) != 1:
        raise NotFound()
    session.flush()
    for uid in user_ids:
        _after_membership_ended(session, tribe_id, slug, uid, "deleted")


# ---------------------------------------------------------------- members


def members_query(tribe_id: int, name_contains: str | None = None) -> Any:
    """Members of a tribe (for keyset paging by membership id), optionally those whose
    display name contains `name_contains` (case-insensitive, taken literally)."""
    query = select(Membership).where(Membership.tribe_id == tribe_id)
    if name_contains:
        pattern = "%" + re.sub(r"([\\%_])", r"\\\1", name_contains) + "%"
        query = query.join(User, User.id == Membership.user_id).where(
            User.display_name.ilike(pattern, escape="\\")
        )
    return query


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


def set_email_volume(session: Session, membership: Membership, volume: str) -> Membership:
    """How much mail the tribe sends this member (all / mentions / none; tribes.notifications
    applies it to every mail)."""
    membership.email = volume
    session.flush()
    return membership


def change_role(session: Session, tribe: Tribe, actor: Membership, target: Membership, role: str) -> Membership:
    """Change a member's role within the actor's rights; the last owner cannot step down."""
    if not policy.may_change_role(actor, target, role):
        raise Forbidden()
    if target.role == "owner" and role != "owner" and _owner_count(session, tribe.id) <= 1:
        raise Conflict(_("A tribe needs an owner; hand ownership over first."), code="sole_owner")
    previous, target.role = target.role, role
    session.flush()
    if previous != role:
        record_audit(session, tribe.id, actor.user_id, "role_changed", target_user_id=target.user_id,
               details={"from": previous, "to": role})
        events.role_changed.send(tribe.id, session=session, user_id=target.user_id, role=role)
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
            _("You are the only owner; hand ownership over or delete the tribe."), code="sole_owner"
        )
    user_id = member.user_id
    events.membership_ending.send(tribe.id, session=session, user_id=user_id, reason=reason)
    # A conditional delete: when two requests end the same membership, only one counts.
    gone = session.execute(delete(Membership).where(Membership.id == member.id))
    if rowcount(gone) != 1:
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


def end_all_memberships(session: Session, user_id: int, reason: str = "deleted") -> None:
    """Account deletion: every membership of the user ends in a fixed number of statements.

    `membership_ending` receivers are not asked one tribe at a time: the caller sends
    `events.user_deleting`, which covers the user everywhere (RSVPs, messages). Tribes left
    empty are deleted; the sole-owner rule holds as in `end_membership` (rows locked first).
    """
    rows = session.execute(
        select(Membership.tribe_id, Membership.role, Tribe.slug)
        .join(Tribe, Tribe.id == Membership.tribe_id)
        .where(Membership.user_id == user_id)
        .with_for_update(of=Tribe)
    ).all()
    if not rows:
        return
    tribe_ids = [row.tribe_id for row in rows]
    owned = [row.tribe_id for row in rows if row.role == "owner"]
    if owned:
        owners = dict(session.execute(
            select(Membership.tribe_id, func.count())
            .where(Membership.tribe_id.in_(owned), Membership.role == "owner")
            .group_by(Membership.tribe_id)
        ).tuples().all())
        sizes = dict(session.execute(select(Tribe.id, Tribe.member_count).where(Tribe.id.in_(owned))).tuples().all())
        if any(owners.get(t, 0) <= 1 and sizes.get(t, 0) > 1 for t in owned):
            raise Conflict(
                _("You are the only owner of a tribe with other members; hand ownership over first."),
                code="sole_owner",
            )
    session.execute(delete(Membership).where(Membership.user_id == user_id))
    session.execute(
        update(Tribe).where(Tribe.id.in_(tribe_ids)).values(member_count=Tribe.member_count - 1)
        .execution_options(synchronize_session=False)
    )
    emptied = list(session.scalars(select(Tribe.id).where(Tribe.id.in_(tribe_ids), Tribe.member_count <= 0)))
    if emptied:
        session.execute(delete(Tribe).where(Tribe.id.in_(emptied)).execution_options(synchronize_session=False))
    session.flush()
    for row in rows:
        _after_membership_ended(session, row.tribe_id, row.slug, user_id, reason)


def remove_member(session: Session, tribe: Tribe, actor: Membership, target: Membership) -> None:
    """Leave (actor is target) or remove someone ranked below the actor."""
    if not policy.may_remove(actor, target):
        raise Forbidden()
    leaving = actor.user_id == target.user_id
    tribe_id, user_id = tribe.id, target.user_id
    if not end_membership(session, tribe, target, "left" if leaving else "removed"):
        raise NotFound()
    if session.get(Tribe, tribe_id) is not None:
        record_audit(session, tribe_id, actor.user_id, "member_left" if leaving else "member_removed",
               target_user_id=user_id)
