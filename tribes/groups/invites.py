"""Invites: create, list, revoke, preview, accept (counted atomically), the invite tree."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tribes import events
from tribes.accounts.blocks import has_blocked
from tribes.accounts.models import User
from tribes.accounts.service import card, normalise_email, token_hash
from tribes.db import rowcount, utcnow
from tribes.errors import Forbidden, NotFound, ValidationFailed
from tribes.groups import policy, reads
from tribes.groups.audit import record as record_audit
from tribes.groups.bans import is_banned
from tribes.groups.models import Invite, InviteEdge, Membership, Tribe
from tribes.i18n import _
from tribes.paging import decode_cursor, encode_cursor


def may_be_invited_by(session: Session, inviter_id: int, person: User) -> bool:
    """Whether a targeted invite may name `person`: the inviter may see them (a shared tribe or a
    contact) and they have not blocked the inviter."""
    visible = events.ask(events.person_visible, inviter_id, session=session, user=person)
    return visible and not has_blocked(session, person.id, inviter_id)


def create_invite(
    session: Session,
    tribe: Tribe,
    actor: Membership,
    *,
    max_uses: int = 1,
    expires_in_hours: int = 168,
    for_user_id: int | None = None,
    email: str | None = None,
) -> tuple[Invite, str]:
    """Create an invite; returns it with the raw token (shown once, stored hashed). With `email`
    it is mailed there, with a link of its own, and only an account that verified it may accept."""
    if not policy.may_invite(tribe, actor):
        raise Forbidden()
    if actor.role == "member" and actor.joined_at > utcnow() - timedelta(hours=tribe.new_member_hours):
        raise Forbidden(
            _(
                "New members can invite others after their first %(hours)s hours in the tribe.",
                hours=tribe.new_member_hours,
            )
        )
    for_user = None
    if for_user_id is not None:
        for_user = session.get(User, for_user_id)
        if for_user is None or not may_be_invited_by(session, actor.user_id, for_user):
            # someone the inviter may not see gets the very answer of a missing id
            raise ValidationFailed({"for_user_id": _("No such user.")})
    if email is not None and for_user_id is not None:
        raise ValidationFailed({"email": _("Invite either a person or an e-mail address, not both.")})
    raw = secrets.token_urlsafe(24)  # 192 bits
    mailed = secrets.token_urlsafe(24) if email is not None else None
    invite = Invite(
        tribe_id=tribe.id,
        created_by_id=actor.user_id,
        for_user_id=for_user_id,
        token_hash=token_hash(raw),
        email=normalise_email(email) if email is not None else None,
        email_token_hash=token_hash(mailed) if mailed is not None else None,
        max_uses=max_uses,
        uses=0,
        expires_at=utcnow() + timedelta(hours=expires_in_hours),
        created_at=utcnow(),
    )
    session.add(invite)
    session.flush()
    record_audit(session, tribe.id, actor.user_id, "invite_created", target_user_id=for_user_id,
           details={"invite_id": invite.id, "max_uses": max_uses, "expires_at": invite.expires_at.isoformat()})
    if mailed is not None:  # the mail feature sits above groups: it queues the mail
        events.invite_mailed.send(tribe.id, session=session, invite=invite, tribe=tribe, token=mailed)
    if for_user is not None and not policy.is_member(session, tribe.id, for_user.id):
        # notifications subscribe (groups sits below them); never the token: it is stored
        # nowhere but as its hash, the link comes from the inviter
        events.invite_targeted.send(
            tribe.id, session=session, user_id=for_user.id, tribe_name=tribe.name, invite_id=invite.id,
            inviter_id=invite.created_by_id, invited_by=card(invite.created_by),
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
        record_audit(session, tribe.id, actor.user_id, "invite_revoked", target_user_id=invite.for_user_id,
               details={"invite_id": invite.id, "created_by_id": invite.created_by_id})
    session.flush()
    return invite


def find_invite(session: Session, raw: str) -> Invite | None:
    """The invite behind a token: the link shown to the inviter, or the one mailed."""
    digest = token_hash(raw)
    return session.scalar(select(Invite).where(or_(Invite.token_hash == digest, Invite.email_token_hash == digest)))


def may_accept(invite: Invite, user: User) -> bool:
    """Whether the invite's addressing lets this account accept (a named person, a verified address)."""
    if invite.for_user_id is not None and invite.for_user_id != user.id:
        return False
    return invite.email is None or (bool(user.email_verified) and user.email == invite.email)


def _usable_invite(session: Session, raw: str, user: User | None) -> tuple[Invite, Tribe]:
    invite = find_invite(session, raw)
    if (
        invite is None
        or invite.revoked_at is not None
        or invite.expires_at <= utcnow()
    ):
        raise NotFound()
    if user is not None:
        if not may_accept(invite, user):
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
    if rowcount(claimed) != 1:
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
                # a new member starts caught up: the history is there to read, not "unread"
                last_read_message_id=reads.latest_message_id(session, tribe.id),
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
    record_audit(session, tribe.id, user.id, "invite_accepted", target_user_id=invite.created_by_id,
           details={"invite_id": invite.id})
    session.refresh(tribe)
    return member, tribe


#: the sort time of someone the tree knows neither a join nor an invite time of: after everyone
_UNKNOWN_TIME = datetime.max.replace(tzinfo=UTC)
#: branches deeper than this are cut (a cycle cannot arise, but a tree is never walked unbounded)
MAX_DEPTH = 100


@dataclass
class InviteTree:
    """Who invited whom in one tribe; people who left stay in it (accountability)."""

    users: dict[int, User]
    members: dict[int, Membership]
    #: parent user id (None for the top level) → children ids, in the order they came in
    children: dict[int | None, list[int]]
    came: dict[int, datetime]

    def key(self, user_id: int) -> tuple[datetime, int]:
        """The sort (and keyset) position of a person among their siblings."""
        return (self.came.get(user_id) or _UNKNOWN_TIME, user_id)

    def roots_after(self, after: tuple[datetime, int] | None, limit: int) -> tuple[list[int], bool]:
        """Up to `limit` top-level people after the position `after`, and whether more follow."""
        roots = [uid for uid in self.children.get(None, []) if after is None or self.key(uid) > after]
        return roots[:limit], len(roots) > limit


def invite_tree(session: Session, tribe_id: int) -> InviteTree:
    """Who invited whom (the whole tribe, in memory: page its top level with `roots_after`)."""
    members = {m.user_id: m for m in session.scalars(select(Membership).where(Membership.tribe_id == tribe_id))}
    edges = session.execute(
        select(InviteEdge.inviter_id, InviteEdge.invitee_id, InviteEdge.created_at).where(
            InviteEdge.tribe_id == tribe_id
        )
    ).all()
    parent: dict[int, int | None] = {invitee: inviter for inviter, invitee, _ in edges}
    # siblings in the order they came in (user ids are random, they carry no order)
    came = {invitee: at for _, invitee, at in edges} | {u: m.joined_at for u, m in members.items()}
    ids = set(members) | set(parent) | {p for p in parent.values() if p is not None}
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    children: dict[int | None, list[int]] = {}
    for uid in ids:
        if uid not in users:
            continue
        p = parent.get(uid)
        children.setdefault(p if p in users else None, []).append(uid)
    tree = InviteTree(users=users, members=members, children=children, came=came)
    for kids in children.values():
        kids.sort(key=tree.key)
    return tree


def tree_page(tree: InviteTree, limit: int, cursor: str | None) -> tuple[list[int], str | None]:
    """One keyset page of the tree's top level (each root comes with its whole branch)."""
    after = None
    if cursor:
        when, ident = decode_cursor(cursor, 2)
        try:
            if not isinstance(when, str) or not isinstance(ident, int) or isinstance(ident, bool):
                raise ValueError("bad cursor")
            moment = datetime.fromisoformat(when)
        except ValueError as exc:
            raise ValidationFailed({"cursor": _("Invalid cursor.")}) from exc
        after = (moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC), ident)
    roots, more = tree.roots_after(after, limit)
    if not more:
        return roots, None
    when_last, id_last = tree.key(roots[-1])
    return roots, encode_cursor([when_last.isoformat(), id_last])
