"""Request and response schemas for contacts, blocks and profiles."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import ConfigDict, Field

from tribes.accounts.schemas import Strict, UserCard
from tribes.endpoint import Out, Timestamp

if TYPE_CHECKING:
    from tribes.accounts.models import Block, User
    from tribes.contacts.models import Contact, ContactRequest


class ContactRequestIn(Strict):
    user_id: int
    message: str = Field(default="", max_length=500)


class BlockIn(Strict):
    user_id: int


# ---------------------------------------------------------------- responses


class ContactRequestOut(Out):
    """The contract's contact request `{id, from, to, message, created_at, status}`."""

    model_config = ConfigDict(serialize_by_alias=True)

    id: int
    from_: UserCard = Field(alias="from")
    to: UserCard
    message: str
    created_at: Timestamp
    status: Literal["pending", "declined"]

    @classmethod
    def for_sender(cls, req: ContactRequest) -> ContactRequestOut:
        """A request as its sender sees it: always pending, whatever the recipient did."""
        return cls._of(req, "pending")

    @classmethod
    def for_recipient(cls, req: ContactRequest, *, declined: bool) -> ContactRequestOut:
        """A request as its recipient sees it (`declined` decided by the service)."""
        return cls._of(req, "declined" if declined else "pending")

    @classmethod
    def _of(cls, req: ContactRequest, status: Literal["pending", "declined"]) -> ContactRequestOut:
        return cls(
            id=req.id,
            **{"from": UserCard.of(req.sender)},
            to=UserCard.of(req.recipient),
            message=req.message,
            created_at=req.created_at,
            status=status,
        )


class ContactOut(Out):
    """One of my contacts: the other person's card and since when."""

    user: UserCard
    since: Timestamp

    @classmethod
    def of(cls, other: User, contact: Contact) -> ContactOut:
        """The other person's card: bio unless they show it to nobody (then no avatar either)."""
        shown = UserCard.of(other)
        if other.profile_visibility != "nobody":
            shown.bio = other.bio
        else:
            shown.avatar_url = None
        return cls(user=shown, since=contact.created_at)


class BlockOut(Out):
    """A block as its author sees it."""

    user: UserCard
    created_at: Timestamp

    @classmethod
    def of(cls, blocked: User, row: Block) -> BlockOut:
        """The blocked person's card and when."""
        return cls(user=UserCard.of(blocked), created_at=row.created_at)


class SentRequestOut(Out):
    """The answer to sending a request: `{id, status: "pending"}` (202) or `{status: "accepted"}`."""

    id: int | None = Field(default=None, exclude_if=lambda v: v is None)
    status: Literal["pending", "accepted"]


class AcceptedOut(Out):
    """The answer to accepting a request: the new contact."""

    status: Literal["accepted"]
    user: UserCard
    since: Timestamp
