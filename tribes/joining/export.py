"""Data export: my join requests as I see them, and the vouches I gave."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tribes.accounts.models import User
from tribes.accounts.schemas import card
from tribes.joining import service
from tribes.joining.models import JoinRequest, JoinVouch
from tribes.joining.schemas import JoinRequestOut

TABLES = {"join_requests", "join_vouches"}


def export_user(session: Session, user: User) -> dict[str, Any]:
    """`join_requests` (pending until accepted, as I read them) and `join_vouches_given`."""
    mine = list(session.scalars(service.mine_query(user.id).order_by(JoinRequest.created_at, JoinRequest.id)))
    vouched = list(session.execute(
        select(JoinVouch, JoinRequest).join(JoinRequest, JoinRequest.id == JoinVouch.request_id)
        .where(JoinVouch.user_id == user.id).order_by(JoinVouch.created_at, JoinVouch.id)
    ).tuples().all())
    slugs = service.slugs_of(session, {r.tribe_id for r in mine} | {r.tribe_id for _v, r in vouched})
    return {
        "join_requests": [JoinRequestOut.for_requester(r, slugs[r.tribe_id]).model_dump(mode="json") for r in mine],
        "join_vouches_given": [
            {"tribe": slugs[r.tribe_id], "user": card(r.user), "created_at": v.created_at.isoformat()}
            for v, r in vouched
        ],
    }
