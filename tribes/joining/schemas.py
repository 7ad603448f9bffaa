"""Request and response schemas of join requests."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from tribes.accounts.schemas import Strict, card
from tribes.endpoint import Out, Timestamp
from tribes.joining.models import JoinRequest, JoinVouch

#: a user card: {id, display_name, avatar_url?}
Card = dict[str, Any] | None


class JoinRequestIn(Strict):
    """POST /tribes/{slug}/join-requests: one answer per question, and a note to the admins."""

    answers: list[str] = Field(default_factory=list, max_length=5)
    message: str = Field(default="", max_length=2000)


class JoinRequestOut(Out):
    """The contract's join request as its requester sees it: `pending` until accepted, whatever
    became of it, and `vouched_by` always empty (who vouched is for the admins)."""

    id: int
    tribe: str
    user: Card
    answers: list[str]
    message: str
    created_at: Timestamp
    status: Literal["pending", "accepted"]
    vouched_by: list[Card]

    @classmethod
    def for_requester(cls, req: JoinRequest, slug: str) -> JoinRequestOut:
        """My own request, told the same whether it waits, was declined or goes nowhere."""
        return cls(id=req.id, tribe=slug, user=card(req.user), answers=list(req.answers or []),
                   message=req.message, created_at=req.created_at,
                   status="accepted" if req.status == "accepted" else "pending", vouched_by=[])


class QueuedJoinRequestOut(Out):
    """A pending request as the tribe's admins see it."""

    id: int
    tribe: str
    user: Card
    answers: list[str]
    message: str
    created_at: Timestamp
    status: Literal["pending"]
    vouched_by: list[Card]
    #: when the requester's account was made (young accounts deserve a closer look)
    account_created_at: Timestamp
    #: the requester is a member of another tribe the viewing admin is in (never which)
    shares_other_tribes: bool

    @classmethod
    def for_admin(cls, req: JoinRequest, slug: str, vouches: list[JoinVouch], shares: bool) -> QueuedJoinRequestOut:
        """A request in the admins' queue with its vouches."""
        return cls(id=req.id, tribe=slug, user=card(req.user), answers=list(req.answers or []),
                   message=req.message, created_at=req.created_at, status="pending",
                   vouched_by=[card(v.user) for v in vouches], account_created_at=req.user.created_at,
                   shares_other_tribes=shares)
