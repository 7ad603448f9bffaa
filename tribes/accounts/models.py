"""Users and their server-side sessions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from tribes.db import Base, IdType, RandomIdPK, utcnow


class User(RandomIdPK, Base):
    """A person with an account."""

    __tablename__ = "users"
    #: the site admins' user list and the 30-day counts read accounts by creation time
    __table_args__ = (Index("ix_users_created_at_id", "created_at", "id"),)

    #: stored lower-cased; unique, so a deleted account's address can register again
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(80))
    bio: Mapped[str] = mapped_column(Text, default="")
    avatar_url: Mapped[str | None] = mapped_column(String(500))
    #: who sees bio and other profile fields: contacts | tribes | nobody
    profile_visibility: Mapped[str] = mapped_column(String(16), default="tribes")
    #: IANA zone used as the default in forms (meetups)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    #: "de" or "en": the language of pages, errors, notifications and mails for this person
    locale: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: the address was confirmed by following a mailed link; only verified addresses get
    #: mail, except verification, password-reset and invite mails
    email_verified: Mapped[bool] = mapped_column(default=False, server_default=false())
    #: may open the site administration (`tribes admin grant|revoke EMAIL`)
    site_admin: Mapped[bool] = mapped_column(default=False, server_default=false())
    #: set while a site admin has suspended the account: no sessions, no logins
    suspended_at: Mapped[datetime | None] = mapped_column(default=None)

    # Flask-Login protocol; the "id" Flask-Login keeps is the raw session token, and
    # session_id is the id of its row (both set when the session is loaded or started).
    # Plain attributes of the loaded object, not columns (hence __allow_unmapped__).
    __allow_unmapped__ = True
    session_token: str | None = None
    session_id: int | None = None
    is_active = True
    is_anonymous = False

    @property
    def is_authenticated(self) -> bool:
        return True

    def get_id(self) -> str | None:
        return self.session_token


class UserSession(RandomIdPK, Base):
    """A login session; only the SHA-256 of its token is stored."""

    __tablename__ = "user_sessions"
    __table_args__ = (Index("ix_user_sessions_user_id_created_at_id", "user_id", "created_at", "id"),)

    user_id: Mapped[int] = mapped_column(IdType, ForeignKey("users.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))


class Block(RandomIdPK, Base):
    """A user who blocked another; silent for the blocked side.

    Account-level state (like a mute is membership state): every feature that lets one person
    reach another asks `accounts.blocks.has_blocked`; contacts owns blocking and unblocking."""

    __tablename__ = "blocks"
    __table_args__ = (
        UniqueConstraint("blocker_id", "blocked_id"),
        Index("ix_blocks_blocked_id", "blocked_id"),
    )

    blocker_id: Mapped[int] = mapped_column(IdType, ForeignKey("users.id", ondelete="CASCADE"))
    blocked_id: Mapped[int] = mapped_column(IdType, ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SiteSettings(Base):
    """The site's one row of settings (id 1), changed by site admins; read by every process."""

    __tablename__ = "site_settings"

    #: always 1: there is one row (never shown to anyone)
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    #: shown in the header and in every page title
    name: Mapped[str] = mapped_column(String(80), default="Tribes")
    #: open | invite_only | closed
    registration: Mapped[str] = mapped_column(String(16), default="open")
    #: everyone | verified | site_admins
    tribe_creation: Mapped[str] = mapped_column(String(16), default="everyone")
    #: whether the directory lists anything
    directory: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class SiteAuditEntry(RandomIdPK, Base):
    """One site-level action (grant, revoke, suspend, settings, site reports); never updated."""

    __tablename__ = "site_audit_log"
    __table_args__ = (Index("ix_site_audit_log_created_at_id", "created_at", "id"),)

    #: null when done from the command line, or once the actor's account is deleted
    actor_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id", ondelete="SET NULL"))
    #: admin_granted | admin_revoked | user_suspended | user_unsuspended | settings_changed | report_resolved
    action: Mapped[str] = mapped_column(String(40))
    target_user_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id", ondelete="SET NULL"))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
