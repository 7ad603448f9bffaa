"""Request and response schemas for tribes, members, bans, invites and the invite tree."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import (
    Field,
    RootModel,
    SerializerFunctionWrapHandler,
    field_validator,
    model_serializer,
)

from tribes.accounts.models import User
from tribes.accounts.schemas import Strict, valid_email
from tribes.accounts.service import card
from tribes.endpoint import Out, Timestamp
from tribes.groups.invites import MAX_DEPTH, InviteTree
from tribes.groups.models import Ban, Invite, Membership, Tribe
from tribes.i18n import _

#: a user card (accounts' `card`): {id, display_name, avatar_url?}; null for a deleted account
Card = dict[str, Any] | None


def _name(value: str) -> str:
    value = " ".join(value.split())
    if not 1 <= len(value) <= 120:
        raise ValueError(_("Use 1 to %(max)s characters.", max=120))
    return value


class TribeIn(Strict):
    name: str
    slug: str | None = Field(default=None, pattern=r"^[a-z0-9-]{3,64}$")
    description: str = Field(default="", max_length=4000)
    visibility: Literal["secret", "listed"] = "secret"
    invite_policy: Literal["admins", "members"] = "admins"
    max_guests: int = Field(default=0, ge=0, le=20)

    _clean_name = field_validator("name")(classmethod(lambda cls, v: _name(v)))


class TribePatch(Strict):
    name: str | None = None
    description: str | None = Field(default=None, max_length=4000)
    visibility: Literal["secret", "listed"] | None = None
    invite_policy: Literal["admins", "members"] | None = None
    max_guests: int | None = Field(default=None, ge=0, le=20)
    new_member_hours: int | None = Field(default=None, ge=0, le=24 * 30)
    # -- joining: listed tribes may take join requests, with up to five questions
    join_requests: bool | None = None
    join_questions: list[str] | None = Field(default=None, max_length=5)
    # -- end joining
    #: mails about the tribe name nothing (no tribe, person or content)
    discreet_email: bool | None = None

    @field_validator("name")
    @classmethod
    def _clean(cls, value: str | None) -> str | None:
        return None if value is None else _name(value)

    @field_validator("join_questions")
    @classmethod
    def _clean_questions(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        cleaned = [" ".join(q.split()) for q in value]
        if any(not 1 <= len(q) <= 300 for q in cleaned):
            raise ValueError(_("Each question needs 1 to %(max)s characters.", max=300))
        return cleaned


EmailVolume = Literal["all", "mentions", "none"]


class MySettingsIn(Strict):
    """How much mail the tribe sends me: everything, only what is about me, nothing."""

    email: EmailVolume


class MySettingsOut(Out):
    """My settings in this tribe."""

    email: EmailVolume


class RoleIn(Strict):
    role: Literal["owner", "admin", "organiser", "member"]


class BanIn(Strict):
    user_id: int
    reason: str = Field(default="", max_length=2000)
    with_branch: bool = False
    dry_run: bool = False


class ReadIn(Strict):
    """POST /tribes/{slug}/read: the newest message I have read."""

    message_id: int = Field(ge=1)


class InviteIn(Strict):
    max_uses: int = Field(default=1, ge=1, le=1000)
    expires_in_hours: int = Field(default=168, ge=1, le=8760)
    for_user_id: int | None = None
    #: mail the invite to this address; only an account that verified it may accept
    email: str | None = Field(default=None, max_length=254)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        return None if value is None else valid_email(value)


# ---------------------------------------------------------------- responses


class TribeOut(Out):
    """The contract's tribe object, with my role in it."""

    slug: str
    name: str
    description: str
    visibility: str
    invite_policy: str
    max_guests: int
    new_member_hours: int
    member_count: int
    my_role: str | None
    created_at: Timestamp
    #: messages after my read marker, my own left out ("Tribes: read state")
    unread_messages: int
    #: my read marker: the newest message I have read, null before the first
    last_read_message_id: int | None
    #: whether outsiders may ask to join (tribes.joining), and what they are asked
    join_requests: bool
    join_questions: list[str]
    #: mails about this tribe name nothing (the setting, else true while secret)
    discreet_email: bool

    @classmethod
    def of(cls, tribe: Tribe, member: Membership | None, unread_messages: int = 0) -> TribeOut:
        """The tribe as a member (or its creator) reads it, with my role and read state."""
        return cls(
            slug=tribe.slug, name=tribe.name, description=tribe.description, visibility=tribe.visibility,
            invite_policy=tribe.invite_policy, max_guests=tribe.max_guests,
            new_member_hours=tribe.new_member_hours, member_count=tribe.member_count,
            my_role=member.role if member else None, created_at=tribe.created_at,
            unread_messages=unread_messages,
            last_read_message_id=member.last_read_message_id if member else None,
            join_requests=tribe.join_requests, join_questions=list(tribe.join_questions or []),
            discreet_email=tribe.mails_discreetly,
        )


class DirectoryCardOut(Out):
    """What outsiders see of a listed tribe."""

    slug: str
    name: str
    description: str
    member_count: int

    @classmethod
    def of(cls, tribe: Tribe) -> DirectoryCardOut:
        """The directory card of a tribe."""
        return cls(slug=tribe.slug, name=tribe.name, description=tribe.description, member_count=tribe.member_count)


class MyJoinRequestRef(Out):
    """An outsider's own open join request, as they see it (always pending until accepted)."""

    id: int
    status: Literal["pending"]


class OutsiderCardOut(DirectoryCardOut):
    """What an outsider sees of a listed tribe: the directory card and how to ask to join."""

    join_requests: bool
    join_questions: list[str]
    my_join_request: MyJoinRequestRef | None

    @classmethod
    def outsider(cls, tribe: Tribe, my_request_id: int | None) -> OutsiderCardOut:
        """The card with the joining fields; `my_request_id` is my open request, if any."""
        taking = bool(tribe.join_requests)
        return cls(
            **DirectoryCardOut.of(tribe).__dict__, join_requests=taking,
            join_questions=list(tribe.join_questions or []) if taking else [],
            my_join_request=MyJoinRequestRef(id=my_request_id, status="pending") if my_request_id else None,
        )


class TribeOrCard(RootModel[TribeOut | OutsiderCardOut]):
    """GET /tribes/{slug}: the tribe for members, the card (with joining fields) for outsiders of a listed tribe."""


class MemberOut(Out):
    """The contract's member object."""

    user: Card
    role: str
    joined_at: Timestamp
    invited_by: Card

    @classmethod
    def of(cls, member: Membership) -> MemberOut:
        """A membership as the tribe's members read it."""
        return cls(user=card(member.user), role=member.role, joined_at=member.joined_at,
                   invited_by=card(member.invited_by))


class JoinedOut(MemberOut):
    """The member object of an accepted invite, with the tribe's slug."""

    tribe: str

    @classmethod
    def joined(cls, member: Membership, tribe: Tribe) -> JoinedOut:
        """My new (or existing) membership of `tribe`."""
        return cls(**MemberOut.of(member).__dict__, tribe=tribe.slug)


class InviteOut(Out):
    """The contract's invite object (never the token: that is shown once, on creation)."""

    id: int
    tribe: str
    created_by: Card
    for_user: Card
    #: the address the invite was mailed to (its readers are the inviter and the tribe's admins)
    email: str | None
    max_uses: int
    uses: int
    expires_at: Timestamp
    revoked: bool
    created_at: Timestamp

    @classmethod
    def of(cls, invite: Invite, slug: str) -> InviteOut:
        """An invite of the tribe `slug`."""
        return cls(
            id=invite.id, tribe=slug, created_by=card(invite.created_by), for_user=card(invite.for_user),
            email=invite.email, max_uses=invite.max_uses, uses=invite.uses, expires_at=invite.expires_at,
            revoked=invite.revoked_at is not None, created_at=invite.created_at,
        )


class InviteCreatedOut(InviteOut):
    """A new invite with its token and link (shown only in this answer)."""

    token: str
    url: str

    @classmethod
    def created(cls, invite: Invite, slug: str, token: str, url: str) -> InviteCreatedOut:
        """The invite just created, with its raw token and landing URL."""
        return cls(**InviteOut.of(invite, slug).__dict__, token=token, url=url)


class InvitePreviewTribeOut(Out):
    """What an invite tells about its tribe."""

    name: str
    description: str
    member_count: int


class InvitePreviewOut(Out):
    """What an invite leads to."""

    tribe: InvitePreviewTribeOut
    invited_by: Card
    expires_at: Timestamp

    @classmethod
    def of(cls, invite: Invite, tribe: Tribe) -> InvitePreviewOut:
        """The preview of a usable invite."""
        return cls(
            tribe=InvitePreviewTribeOut(name=tribe.name, description=tribe.description,
                                        member_count=tribe.member_count),
            invited_by=card(invite.created_by), expires_at=invite.expires_at,
        )


class BanOut(Out):
    """A ban as admins see it."""

    user: Card
    reason: str
    created_at: Timestamp

    @classmethod
    def of(cls, ban: Ban, users: dict[int, User]) -> BanOut:
        """A ban, its user looked up in `users`."""
        return cls(user=card(users.get(ban.user_id)), reason=ban.reason, created_at=ban.created_at)


class BannedOut(Out):
    """Who was banned; `dry_run: true` (and nothing changed) for a preview, absent otherwise."""

    banned: list[Card]
    dry_run: bool | None = None

    # no return annotation: the documented schema stays this model's (with dry_run optional)
    @model_serializer(mode="wrap")
    def _drop_absent(self, handler: SerializerFunctionWrapHandler):  # type: ignore[no-untyped-def]
        data: dict[str, Any] = handler(self)
        if data.get("dry_run") is None:
            data.pop("dry_run", None)
        return data

    @classmethod
    def of(cls, users: list[User], *, dry_run: bool) -> BannedOut:
        """The users banned (or who would be, in a dry run)."""
        return cls(banned=[card(u) for u in users], dry_run=True if dry_run else None)


class InviteTreeNodeOut(Out):
    """One person in the invite tree; role and joined_at are null for people who left."""

    user: Card
    role: str | None
    joined_at: Timestamp | None
    children: list[InviteTreeNodeOut]

    @classmethod
    def of(cls, tree: InviteTree, user_id: int, depth: int = 0) -> InviteTreeNodeOut:
        """A person of the tree with their branch (cut below MAX_DEPTH levels)."""
        member = tree.members.get(user_id)
        kids = tree.children.get(user_id, []) if depth < MAX_DEPTH else []
        return cls(
            user=card(tree.users[user_id]),
            role=member.role if member else None,
            joined_at=member.joined_at if member else None,
            children=[cls.of(tree, kid, depth + 1) for kid in kids],
        )


class InviteTreePage(Out):
    """Top-level nodes of the invite tree, a page at a time (each with its whole branch)."""

    items: list[InviteTreeNodeOut]
    next_cursor: str | None

