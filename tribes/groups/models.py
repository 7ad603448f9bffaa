"""Tribes, memberships, bans, mutes and invites."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tribes.accounts.models import User
from tribes.db import Base, IdType, RandomIdPK, utcnow

ROLES = ("member", "organiser", "admin", "owner")
#: how much mail a tribe sends a member: everything, only what is about them, nothing
EMAIL_VOLUMES = ("all", "mentions", "none")


class Tribe(RandomIdPK, Base):
    """A closed community; secret tribes are invisible to outsiders."""

    __tablename__ = "tribes"
    #: the directory pages listed tribes by (created_at, id)
    __table_args__ = (Index("ix_tribes_visibility_created_at_id", "visibility", "created_at", "id"),)

    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    #: secret (hidden from outsiders) | listed (shown in the directory)
    visibility: Mapped[str] = mapped_column(String(16), default="secret")
    #: who may create invites: admins | members
    invite_policy: Mapped[str] = mapped_column(String(16), default="admins")
    #: extra guests a member may bring to a meetup (0 = none)
    max_guests: Mapped[int] = mapped_column(default=0)
    #: hours during which a new member has stricter limits (no invites, slower chat)
    new_member_hours: Mapped[int] = mapped_column(default=24)
    member_count: Mapped[int] = mapped_column(default=0)
    #: mails about this tribe name nothing (no tribe, person or content); null: the default,
    #: discreet while the tribe is secret, plain while it is listed
    discreet_email: Mapped[bool | None] = mapped_column(default=None)
    created_by_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # -- joining (tribes.joining): outsiders of a listed tribe may ask to join
    #: whether the tribe takes join requests (listed tribes only; off whenever it turns secret)
    join_requests: Mapped[bool] = mapped_column(default=False, server_default=false())
    #: up to five questions a requester answers, in order
    join_questions: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    # -- end joining

    @property
    def mails_discreetly(self) -> bool:
        """Whether mails about this tribe must name nothing (the setting, else its default)."""
        return self.visibility == "secret" if self.discreet_email is None else bool(self.discreet_email)


class Membership(RandomIdPK, Base):
    """A user's membership of a tribe, with role and who invited them."""

    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("tribe_id", "user_id"),
        Index("ix_memberships_user_id_joined_at_id", "user_id", "joined_at", "id"),
        Index("ix_memberships_tribe_id_joined_at_id", "tribe_id", "joined_at", "id"),
        CheckConstraint("role IN ('member','organiser','admin','owner')", name="role"),
        CheckConstraint("email IN ('all','mentions','none')", name="email"),
    )

    tribe_id: Mapped[int] = mapped_column(IdType, ForeignKey("tribes.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(IdType, ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16), default="member")
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)
    invited_by_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id", ondelete="SET NULL"))
    invite_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("invites.id", ondelete="SET NULL"))
    #: the newest chat message id of the tribe this member has read (tribes.groups.reads);
    #: no foreign key: messages belong to the chat feature above, and only move forward
    last_read_message_id: Mapped[int | None] = mapped_column(IdType)
    #: how much mail this tribe sends the member (EMAIL_VOLUMES; tribes.notifications decides per mail)
    email: Mapped[str] = mapped_column(String(16), default="all", server_default="all")

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")
    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id], lazy="joined")


class InviteEdge(RandomIdPK, Base):
    """Who brought whom into a tribe; kept after the invitee leaves (accountability)."""

    __tablename__ = "invite_edges"
    __table_args__ = (
        UniqueConstraint("tribe_id", "invitee_id"),
        Index("ix_invite_edges_tribe_id_inviter_id", "tribe_id", "inviter_id"),
    )

    tribe_id: Mapped[int] = mapped_column(IdType, ForeignKey("tribes.id", ondelete="CASCADE"))
    inviter_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id", ondelete="SET NULL"))
    invitee_id: Mapped[int] = mapped_column(IdType, ForeignKey("users.id", ondelete="CASCADE"))
    invite_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("invites.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Ban(RandomIdPK, Base):
    """A user barred from a tribe until lifted."""

    __tablename__ = "bans"
    __table_args__ = (UniqueConstraint("tribe_id", "user_id"),)

    tribe_id: Mapped[int] = mapped_column(IdType, ForeignKey("tribes.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(IdType, ForeignKey("users.id", ondelete="CASCADE"))
    banned_by_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Invite(RandomIdPK, Base):
    """An invitation link; only the SHA-256 of its token is stored."""

    __tablename__ = "invites"
    __table_args__ = (
        Index("ix_invites_tribe_id_created_at_id", "tribe_id", "created_at", "id"),
        CheckConstraint("uses <= max_uses", name="uses_within_max"),
    )

    tribe_id: Mapped[int] = mapped_column(IdType, ForeignKey("tribes.id", ondelete="CASCADE"))
    created_by_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id", ondelete="CASCADE"))
    #: when set, only this user may accept
    for_user_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: the address the invite was mailed to: only an account that verified it may accept
    email: Mapped[str | None] = mapped_column(String(254), default=None)
    #: SHA-256 of the token in the mailed link (not the one shown to the inviter): following
    #: it proves the inbox, so an account registered through it starts verified
    email_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    max_uses: Mapped[int] = mapped_column(default=1)
    uses: Mapped[int] = mapped_column(default=0)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id], lazy="joined")
    for_user: Mapped[User | None] = relationship(foreign_keys=[for_user_id], lazy="joined")

    def state(self, now: datetime) -> str:
        """"revoked", "expired", "used_up" or "active" at `now`."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= now:
            return "expired"
        if self.uses >= self.max_uses:
            return "used_up"
        return "active"


class Mute(RandomIdPK, Base):
    """A member who may not send chat messages in a tribe until `until` (membership state)."""

    __tablename__ = "mutes"
    __table_args__ = (UniqueConstraint("tribe_id", "user_id"),)

    tribe_id: Mapped[int] = mapped_column(IdType, ForeignKey("tribes.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(IdType, ForeignKey("users.id", ondelete="CASCADE"))
    muted_by_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id", ondelete="SET NULL"))
    until: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
