"""Join requests: asking, the quiet rules, vouching, the admins' accept and decline."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import and_, delete, exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from tribes import events
from tribes.accounts.models import User
from tribes.accounts.schemas import card
from tribes.db import rowcount, utcnow
from tribes.errors import Conflict, NotFound, ValidationFailed
from tribes.groups import policy
from tribes.groups.audit import record as record_audit
from tribes.groups.bans import is_banned
from tribes.groups.models import Ban, Membership, Tribe
from tribes.groups.service import add_member
from tribes.i18n import _
from tribes.joining.models import JoinRequest, JoinVouch
from tribes.notifications import kinds
from tribes.notifications.service import notify

JOIN_REQUEST = kinds.JOIN_REQUEST
JOIN_ACCEPTED = kinds.JOIN_ACCEPTED


def cooldown() -> timedelta:
    """How long after a decline a new request from the same person stays quiet."""
    days = int(current_app.config.get("JOIN_DECLINE_COOLDOWN_DAYS", 90)) if has_app_context() else 90
    return timedelta(days=days)


def _tribe_ref(tribe: Tribe) -> dict[str, str]:
    """The tribe as notification data names it."""
    return {"slug": tribe.slug, "name": tribe.name}


# ---------------------------------------------------------------- what the requester sees


def my_open_request_id(session: Session, tribe: Tribe, user_id: int) -> int | None:
    """The id of my open request to the tribe (whatever became of it), None when there is none
    or the tribe does not take requests (then it was closed)."""
    if not tribe.join_requests:
        return None
    return session.scalar(select(JoinRequest.id).where(
        JoinRequest.tribe_id == tribe.id, JoinRequest.user_id == user_id, JoinRequest.open_slot == 1))


def mine_query(user_id: int) -> Any:
    """My requests as I may see them: open or accepted ones (closed ones are hidden), of tribes
    I may still know of (listed, or I am a member)."""
    return (
        select(JoinRequest)
        .join(Tribe, Tribe.id == JoinRequest.tribe_id)
        .where(JoinRequest.user_id == user_id, JoinRequest.status != "closed")
        .where((Tribe.visibility == "listed") | exists().where(policy.member_of(Tribe.id, user_id)))
    )


def slugs_of(session: Session, tribe_ids: set[int]) -> dict[int, str]:
    """Tribe slugs by id, in one query."""
    if not tribe_ids:
        return {}
    return dict(session.execute(select(Tribe.id, Tribe.slug).where(Tribe.id.in_(tribe_ids))).tuples().all())


# ---------------------------------------------------------------- asking


def _quiet(session: Session, tribe_id: int, user_id: int) -> bool:
    """Whether a request from this person goes nowhere: banned, or declined within the cooldown."""
    if is_banned(session, tribe_id, user_id):
        return True
    recent = utcnow() - cooldown()
    return session.scalar(select(JoinRequest.id).where(
        JoinRequest.tribe_id == tribe_id, JoinRequest.user_id == user_id,
        JoinRequest.declined_at.is_not(None), JoinRequest.declined_at > recent).limit(1)) is not None


def _open_request(session: Session, tribe_id: int, user_id: int) -> JoinRequest | None:
    """The person's open request to the tribe, if any."""
    return session.scalar(select(JoinRequest).where(
        JoinRequest.tribe_id == tribe_id, JoinRequest.user_id == user_id, JoinRequest.open_slot == 1))


def requestable_tribe(session: Session, user_id: int, slug: str) -> Tribe:
    """The tribe to ask: 409 for a member, 404 unless it is listed and takes requests."""
    tribe = session.scalar(select(Tribe).where(Tribe.slug == slug))
    if tribe is None:
        raise NotFound()
    if policy.is_member(session, tribe.id, user_id):
        raise Conflict(_("You are already a member of this tribe."))
    if tribe.visibility != "listed" or not tribe.join_requests:
        raise NotFound()
    return tribe


def ask(session: Session, tribe: Tribe, user: User, answers: list[str], message: str) -> JoinRequest:
    """Ask to join: one open request per person (asking again returns it, with the new answers);
    a banned or recently declined person gets the same answer, and it never reaches the admins."""
    questions = list(tribe.join_questions or [])
    answers = [a.strip() for a in answers]
    if len(answers) != len(questions) or any(not 1 <= len(a) <= 1000 for a in answers):
        raise ValidationFailed({"answers": _("Answer each question (1 to %(max)s characters).", max=1000)})
    quiet = _quiet(session, tribe.id, user.id)
    now = utcnow()
    req = _open_request(session, tribe.id, user.id)
    if req is None:
        try:
            with session.begin_nested():
                req = JoinRequest(tribe_id=tribe.id, user_id=user.id, answers=answers, message=message,
                                  status="swallowed" if quiet else "pending", open_slot=1,
                                  created_at=now, queued_at=now)
                session.add(req)
                session.flush()
        except IntegrityError:
            # the same person asked at the same moment: theirs is the one request
            req = _open_request(session, tribe.id, user.id)
            if req is None:
                raise
            return req
        if not quiet:
            _queued(session, tribe, req)
        return req
    req.answers, req.message = answers, message
    if req.status in ("declined", "swallowed") and not quiet:
        req.status, req.queued_at, req.decided_at, req.decided_by_id = "pending", now, None, None
        session.flush()
        _queued(session, tribe, req)
    elif req.status == "pending" and quiet:
        req.status = "swallowed"  # banned since it was sent: it leaves the queue quietly
    elif req.status == "pending":
        session.flush()
        events.join_requested.send(tribe.id, session=session, request=req)
    session.flush()
    return req


def _queued(session: Session, tribe: Tribe, req: JoinRequest) -> None:
    """A request reached the queue: tell the admins, and let the astroturfing signal read it."""
    admin_ids = session.scalars(policy.members_at_least(tribe.id, "admin"))
    for admin_id in list(admin_ids):
        notify(session, admin_id, JOIN_REQUEST,
               {"tribe": _tribe_ref(tribe), "request_id": req.id, "user": card(req.user)},
               about_user_id=req.user_id)
    session.flush()
    events.join_requested.send(tribe.id, session=session, request=req)


# ---------------------------------------------------------------- the tribe's side


def _not_banned() -> Any:
    """SQL: the requester is not banned from the request's tribe."""
    return ~exists().where(and_(Ban.tribe_id == JoinRequest.tribe_id, Ban.user_id == JoinRequest.user_id))


def queue_query(tribe_id: int) -> Any:
    """The tribe's pending requests (never swallowed or declined ones, nor from banned people)."""
    return select(JoinRequest).where(JoinRequest.tribe_id == tribe_id, JoinRequest.status == "pending",
                                     _not_banned())


def visible_pending(session: Session, request_id: int, user_id: int) -> tuple[JoinRequest, Tribe, Membership]:
    """A pending request with its tribe and my membership there; 404 for anyone else and for any
    request members may not know of (swallowed, declined, decided, the tribe takes none)."""
    row = session.execute(
        select(JoinRequest, Tribe, Membership)
        .join(Tribe, Tribe.id == JoinRequest.tribe_id)
        .join(Membership, policy.member_of(JoinRequest.tribe_id, user_id))
        .where(JoinRequest.id == request_id, JoinRequest.status == "pending", Tribe.join_requests.is_(True),
               _not_banned())
    ).first()
    if row is None:
        raise NotFound()
    return row[0], row[1], row[2]


def vouch(session: Session, request_id: int, user: User) -> None:
    """Say "I know this person" (members; again is a no-op)."""
    req, _tribe, _me = visible_pending(session, request_id, user.id)
    try:
        with session.begin_nested():
            session.add(JoinVouch(request_id=req.id, user_id=user.id, created_at=utcnow()))
            session.flush()
    except IntegrityError:
        pass  # vouched already (perhaps at the same moment)


def vouches_for(session: Session, request_ids: list[int]) -> dict[int, list[JoinVouch]]:
    """Each request's vouches, oldest first, in one query."""
    out: dict[int, list[JoinVouch]] = {i: [] for i in request_ids}
    if request_ids:
        rows = session.scalars(select(JoinVouch).where(JoinVouch.request_id.in_(request_ids))
                               .order_by(JoinVouch.created_at, JoinVouch.id))
        for v in rows:
            out[v.request_id].append(v)
    return out


def sharing_other_tribes(session: Session, tribe_id: int, viewer_id: int, user_ids: list[int]) -> set[int]:
    """Which of `user_ids` are members of another tribe the viewer is in (never which one)."""
    if not user_ids:
        return set()
    theirs, mine = aliased(Membership), aliased(Membership)
    return set(session.scalars(
        select(theirs.user_id).distinct()
        .join(mine, and_(mine.tribe_id == theirs.tribe_id, mine.user_id == viewer_id))
        .where(theirs.user_id.in_(user_ids), theirs.tribe_id != tribe_id)
    ))


def get_for_admin(session: Session, request_id: int, user_id: int) -> tuple[JoinRequest, Tribe, Membership]:
    """A pending request for its tribe's admins (404 outsiders and hidden ones, 403 members)."""
    req, tribe, me = visible_pending(session, request_id, user_id)
    policy.require_role(me, "admin")
    return req, tribe, me


def _decide(session: Session, req: JoinRequest, status: str, actor_id: int) -> None:
    """Settle a pending request once (two admins at once: the second gets 404)."""
    now = utcnow()
    values: dict[str, Any] = {"status": status, "decided_at": now, "decided_by_id": actor_id}
    if status == "accepted":
        values["open_slot"] = None
    else:
        values["declined_at"] = now
    done = session.execute(update(JoinRequest).where(JoinRequest.id == req.id, JoinRequest.status == "pending")
                           .values(**values).execution_options(synchronize_session=False))
    if rowcount(done) != 1:
        raise NotFound()
    session.refresh(req)


def accept(session: Session, request_id: int, admin: User) -> tuple[Membership, Tribe]:
    """Accept: the requester becomes a member, brought in by the first voucher still in the tribe
    (else the accepting admin); they are told."""
    req, tribe, _me = get_for_admin(session, request_id, admin.id)
    _decide(session, req, "accepted", admin.id)
    voucher_ids = [v.user_id for v in vouches_for(session, [req.id])[req.id]]
    members = set(session.scalars(select(Membership.user_id).where(
        Membership.tribe_id == tribe.id, Membership.user_id.in_(voucher_ids)))) if voucher_ids else set()
    inviter = next((v for v in voucher_ids if v in members), admin.id)
    member, _created = add_member(session, tribe, req.user_id, invited_by_id=inviter, actor_id=admin.id,
                                  via="join_request_accepted")
    notify(session, req.user_id, JOIN_ACCEPTED, {"tribe": _tribe_ref(tribe), "request_id": req.id})
    return member, tribe


def decline(session: Session, request_id: int, admin: User) -> None:
    """Decline quietly: nobody is told; the requester keeps reading "pending"."""
    req, tribe, _me = get_for_admin(session, request_id, admin.id)
    _decide(session, req, "declined", admin.id)
    # admins' audit only: no target_user_id, which would put it in the requester's export
    record_audit(session, tribe.id, admin.id, "join_request_declined",
                 details={"request_id": req.id, "user_id": req.user_id, "name": req.user.display_name})


# ---------------------------------------------------------------- closing and forgetting


def close_open(session: Session, tribe_id: int) -> None:
    """The tribe stopped taking requests: every open one closes (hidden from its requester)."""
    session.execute(update(JoinRequest).where(JoinRequest.tribe_id == tribe_id, JoinRequest.open_slot == 1)
                    .values(status="closed", open_slot=None).execution_options(synchronize_session=False))
    session.flush()


def forget_user(session: Session, user_id: int) -> None:
    """Account deletion: the person's requests and vouches go."""
    session.execute(delete(JoinVouch).where(JoinVouch.user_id == user_id))
    mine = select(JoinRequest.id).where(JoinRequest.user_id == user_id)
    session.execute(delete(JoinVouch).where(JoinVouch.request_id.in_(mine)))
    session.execute(delete(JoinRequest).where(JoinRequest.user_id == user_id))
    session.flush()
