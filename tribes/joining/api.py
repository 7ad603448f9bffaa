"""JSON API: asking to join a listed tribe, my requests, vouching, the admins' queue."""

from __future__ import annotations

from flask_login import current_user

from tribes.db import time_id_keyset
from tribes.endpoint import Page, endpoint
from tribes.extensions import db
from tribes.groups import policy
from tribes.groups.schemas import JoinedOut
from tribes.http import api_blueprint, body, parse
from tribes.joining import limits, schemas, service
from tribes.joining.models import JoinRequest
from tribes.joining.schemas import JoinRequestOut, QueuedJoinRequestOut
from tribes.paging import keyset_page

bp = api_blueprint("joining_api", __name__)


@bp.post("/tribes/<slug>/join-requests")
@limits.join_requests
@body(schemas.JoinRequestIn)  # documented here, parsed after the lookup (404/409 before 422)
@endpoint(JoinRequestOut, status=202)
def ask(slug: str) -> JoinRequestOut:
    """Ask to join a listed tribe; the answer never tells what becomes of the request."""
    tribe = service.requestable_tribe(db.session, current_user.id, slug)
    data = parse(schemas.JoinRequestIn)
    req = service.ask(db.session, tribe, current_user, data.answers, data.message.strip())
    return JoinRequestOut.for_requester(req, tribe.slug)


@bp.get("/me/join-requests")
@endpoint(Page[JoinRequestOut], paged=True)
def mine() -> Page[JoinRequestOut]:
    """My join requests, newest first: pending until accepted."""
    rows, cursor = keyset_page(db.session, service.mine_query(current_user.id), descending=True,
                               **time_id_keyset(JoinRequest.created_at, JoinRequest.id))
    slugs = service.slugs_of(db.session, {r.tribe_id for r in rows})
    return Page(items=[JoinRequestOut.for_requester(r, slugs[r.tribe_id]) for r in rows], next_cursor=cursor)


@bp.get("/tribes/<slug>/join-requests")
@endpoint(Page[QueuedJoinRequestOut], paged=True)
def queue(slug: str) -> Page[QueuedJoinRequestOut]:
    """The tribe's pending requests, oldest first (admins)."""
    tribe, _me = policy.get_tribe_with_role(db.session, current_user.id, slug, "admin")
    rows, cursor = keyset_page(db.session, service.queue_query(tribe.id),
                               **time_id_keyset(JoinRequest.queued_at, JoinRequest.id))
    ids = [r.id for r in rows]
    vouches = service.vouches_for(db.session, ids)
    shares = service.sharing_other_tribes(db.session, tribe.id, current_user.id, [r.user_id for r in rows])
    return Page(items=[QueuedJoinRequestOut.for_admin(r, tribe.slug, vouches[r.id], r.user_id in shares)
                       for r in rows], next_cursor=cursor)


@bp.post("/join-requests/<int:request_id>/vouch")
@endpoint(status=204)
def vouch(request_id: int) -> None:
    """"I know this person" (members of the tribe)."""
    service.vouch(db.session, request_id, current_user)


@bp.post("/join-requests/<int:request_id>/accept")
@endpoint(JoinedOut)
def accept(request_id: int) -> JoinedOut:
    """Accept a request (admins): the new member, invited by the first voucher."""
    member, tribe = service.accept(db.session, request_id, current_user)
    return JoinedOut.joined(member, tribe)


@bp.post("/join-requests/<int:request_id>/decline")
@endpoint(status=204)
def decline(request_id: int) -> None:
    """Decline a request quietly (admins)."""
    service.decline(db.session, request_id, current_user)
