"""Who may do what in a tribe: the one source of truth for access (HTTP and sockets)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ARRAY, ColumnElement, Select, and_, any_, bindparam, select
from sqlalchemy.orm import Session, lazyload

from tribes.db import DirectSelect, utcnow
from tribes.errors import Forbidden, NotFound
from tribes.groups.models import ROLES, Membership, Mute, Tribe

RANK = {role: i for i, role in enumerate(ROLES)}


def rank(role: str | None) -> int:
    """Order of roles: member < organiser < admin < owner; None (not a member) is -1."""
    return RANK.get(role, -1) if role else -1


def at_least(role: str | None, minimum: str) -> bool:
    """Whether `role` is `minimum` or higher."""
    return rank(role) >= RANK[minimum]


def member_of(tribe_id: Any, user_id: Any) -> ColumnElement[bool]:
    """THE membership predicate: "`user_id` is a member of the tribe `tribe_id`" in SQL.

    Both sides may be columns or values. Join `Membership` on it to reach anything of a
    tribe through its members only, e.g.
    `select(Meetup, Membership).join(Membership, member_of(Meetup.tribe_id, user_id))`.
    """
    return and_(Membership.tribe_id == tribe_id, Membership.user_id == user_id)


def members_among(tribe_id: Any, user_ids: Any) -> ColumnElement[bool]:
    """`member_of` for several people at once: the memberships in the tribe `tribe_id` (a
    column or value) of the users among `user_ids` (a list, an expanding bind parameter, or
    a bind parameter of an ARRAY type: PostgreSQL's `= ANY(...)`)."""
    if isinstance(getattr(user_ids, "type", None), ARRAY):
        return and_(Membership.tribe_id == tribe_id, Membership.user_id == any_(user_ids))
    return and_(Membership.tribe_id == tribe_id, Membership.user_id.in_(user_ids))


def members_at_least(tribe_id: Any, minimum: str) -> Select[Any]:
    """The user ids of the tribe's members whose role is `minimum` or higher, in id order (a
    SELECT to run or embed): "the tribe's admins" to tell of a report, a join request or an
    orphaned series; "its organisers" to follow the door."""
    roles = [role for role in ROLES if at_least(role, minimum)]
    return (select(Membership.user_id).where(Membership.tribe_id == tribe_id, Membership.role.in_(roles))
            .order_by(Membership.user_id))


def membership(session: Session, tribe_id: int, user_id: int) -> Membership | None:
    """The user's membership of the tribe, read from the database."""
    return session.scalar(select(Membership).where(member_of(tribe_id, user_id)))


def role_of(session: Session, tribe_id: int, user_id: int) -> str | None:
    """The user's role in the tribe, or None."""
    return session.scalar(select(Membership.role).where(member_of(tribe_id, user_id)))


#: an access check reads the membership's role, not its people: no join to users for them
#: (the member and whoever invited them load when asked for)
CHECK_ONLY = (lazyload(Membership.user), lazyload(Membership.invited_by))


def get_tribe_for(session: Session, user_id: int, slug: str) -> tuple[Tribe, Membership]:
    """The tribe and the user's membership; NotFound for anyone who is not a member."""
    row = session.execute(
        select(Tribe, Membership)
        .join(Membership, member_of(Tribe.id, user_id))
        .where(Tribe.slug == slug)
        .options(*CHECK_ONLY)
    ).first()
    if row is None:
        raise NotFound()
    return row[0], row[1]


#: `get_tribe_for`'s statement reading only the tribe's id and slug and the member's role,
#: built once per process, run on the DBAPI cursor (tribes.db.DirectSelect)
_MEMBER_TRIBE = DirectSelect(
    select(Tribe.id, Tribe.slug, Membership.role)
    .join(Membership, member_of(Tribe.id, bindparam("user_id")))
    .where(Tribe.slug == bindparam("slug"))
)


def member_tribe_role(session: Session, user_id: int, slug: str) -> tuple[int, str, str]:
    """`get_tribe_for`'s check reading only the tribe's id and slug and the user's role there
    (hot read paths: a Core row on the session's connection, no ORM objects); NotFound for
    anyone who is not a member."""
    row = _MEMBER_TRIBE.first(session, {"user_id": user_id, "slug": slug})
    if row is None:
        raise NotFound()
    return row[0], row[1], row[2]


def member_tribe(session: Session, user_id: int, slug: str) -> tuple[int, str]:
    """`member_tribe_role` without the role: the tribe's id and slug; NotFound for non-members."""
    tribe_id, tribe_slug, _role = member_tribe_role(session, user_id, slug)
    return tribe_id, tribe_slug


def get_as_member(session: Session, model: Any, object_id: int, user_id: int) -> tuple[Any, Membership]:
    """A thing of a tribe (`model` has `id` and `tribe_id`: a message, a meetup) with the
    user's membership of its tribe; NotFound for anyone who is not a member."""
    row = session.execute(
        select(model, Membership)
        .join(Membership, member_of(model.tribe_id, user_id))
        .where(model.id == object_id)
        .options(*CHECK_ONLY)
    ).first()
    if row is None:
        raise NotFound()
    return row[0], row[1]


def get_visible_tribe(
    session: Session, user_id: int, slug: str
) -> tuple[Tribe, Membership | None]:
    """A tribe the user may know of: member of it, or it is listed; NotFound otherwise."""
    tribe = session.scalar(select(Tribe).where(Tribe.slug == slug))
    if tribe is None:
        raise NotFound()
    member = membership(session, tribe.id, user_id)
    if member is None and tribe.visibility != "listed":
        raise NotFound()
    return tribe, member


def require_role(member: Membership, minimum: str) -> None:
    """403 when the member's role is below `minimum` (they know the tribe exists)."""
    if not at_least(member.role, minimum):
        raise Forbidden()


def get_tribe_with_role(session: Session, user_id: int, slug: str, minimum: str) -> tuple[Tribe, Membership]:
    """Member lookup (404 for outsiders) followed by a role check (403)."""
    tribe, member = get_tribe_for(session, user_id, slug)
    require_role(member, minimum)
    return tribe, member


def may_invite(tribe: Tribe, member: Membership) -> bool:
    """Whether the member may create invites under the tribe's invite policy."""
    if tribe.invite_policy == "members":
        return True
    return at_least(member.role, "admin")


def may_change_role(actor: Membership, target: Membership, new_role: str) -> bool:
    """Owners set any role; admins move members and organisers between member/organiser."""
    if actor.role == "owner":
        return True
    if actor.role == "admin":
        return rank(target.role) < RANK["admin"] and new_role in ("member", "organiser")
    return False


def may_remove(actor: Membership, target: Membership) -> bool:
    """Anyone may leave; admins remove organisers and members; owners remove all but owners."""
    if actor.user_id == target.user_id:
        return True
    if actor.role == "owner":
        return target.role != "owner"
    if actor.role == "admin":
        return rank(target.role) < RANK["admin"]
    return False


def assignable_roles(actor: Membership, target: Membership) -> tuple[str, ...]:
    """The roles `actor` may give `target` (empty when none, or when it is themselves)."""
    if actor.user_id == target.user_id:
        return ()
    return tuple(role for role in ROLES if may_change_role(actor, target, role))


@dataclass(frozen=True)
class Abilities:
    """What one member may do in one tribe: the answers pages ask instead of comparing roles."""

    tribe: Tribe
    member: Membership

    @property
    def invite(self) -> bool:
        """May create invites now (invite policy, role, and past the new-member hours)."""
        return may_invite(self.tribe, self.member) and self.invite_from is None

    @property
    def invite_from(self) -> datetime | None:
        """When a new member may start inviting (their first `new_member_hours` are over);
        None when that time has passed, or for organisers and above."""
        if self.member.role != "member" or not may_invite(self.tribe, self.member):
            return None
        joined = self.member.joined_at
        if joined.tzinfo is None:
            joined = joined.replace(tzinfo=utcnow().tzinfo)
        start = joined + timedelta(hours=self.tribe.new_member_hours)
        return start if start > utcnow() else None

    @property
    def moderate(self) -> bool:
        """May see reports, manage members, read the audit log and the invite tree."""
        return at_least(self.member.role, "admin")

    @property
    def organise(self) -> bool:
        """May schedule and change meetups."""
        return at_least(self.member.role, "organiser")

    @property
    def see_all_invites(self) -> bool:
        """Sees every invite of the tribe, not only their own."""
        return at_least(self.member.role, "admin")

    def roles_for(self, target: Membership) -> tuple[str, ...]:
        """The roles this member may give `target`."""
        return assignable_roles(self.member, target)

    def remove(self, target: Membership) -> bool:
        """May mute, remove or ban `target` (never themselves)."""
        return target.user_id != self.member.user_id and may_remove(self.member, target)


def can(tribe: Tribe, member: Membership) -> Abilities:
    """The member's abilities in the tribe (templates: `{% set may = can(tribe, me) %}`)."""
    return Abilities(tribe, member)


def is_member(session: Session, tribe_id: int, user_id: int) -> bool:
    """Whether the user is a member of the tribe right now."""
    return role_of(session, tribe_id, user_id) is not None


def share_a_tribe(session: Session, a: int, b: int) -> bool:
    """Whether two users are members of at least one common tribe."""
    from sqlalchemy.orm import aliased

    other = aliased(Membership)
    return (
        session.scalar(
            select(Membership.id)
            .join(other, other.tribe_id == Membership.tribe_id)
            .where(Membership.user_id == a, other.user_id == b)
            .limit(1)
        )
        is not None
    )


def mute_ends(tribe_id: Any, user_id: Any) -> Any:
    """When the member's mute ends, as a scalar SQL expression (NULL when never muted); usable
    as a column in a send query. Compare it with now: a past value means "may post"."""
    return (
        select(Mute.until).where(Mute.tribe_id == tribe_id, Mute.user_id == user_id).scalar_subquery()
    )


def muted_until(session: Session, tribe_id: int, user_id: int) -> datetime | None:
    """When the user's mute in the tribe ends, or None if they are not muted now."""
    until = session.scalar(select(Mute.until).where(Mute.tribe_id == tribe_id, Mute.user_id == user_id))
    if until is None or until <= utcnow():
        return None
    return until


def may_post_now(session: Session, tribe_id: int, user_id: int) -> bool:
    """Whether the member may post in the tribe now: a member, and not muted."""
    return is_member(session, tribe_id, user_id) and muted_until(session, tribe_id, user_id) is None
