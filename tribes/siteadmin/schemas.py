"""Schemas of the site administration: settings in and out, users, mails, audit, counts."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator

from tribes.accounts.models import SiteAuditEntry, User
from tribes.accounts.schemas import Strict, UserCard
from tribes.endpoint import Out, Timestamp
from tribes.i18n import _
from tribes.mail.models import OutboxMail


class SitePublicOut(Out):
    """What anyone may know of the site: its name and how people get an account."""

    name: str
    registration: str


class SettingsOut(Out):
    """The site settings (site admins)."""

    name: str
    registration: Literal["open", "invite_only", "closed"]
    tribe_creation: Literal["everyone", "verified", "site_admins"]
    directory: bool


class SettingsPatch(Strict):
    name: str | None = Field(default=None, max_length=80)
    registration: Literal["open", "invite_only", "closed"] | None = None
    tribe_creation: Literal["everyone", "verified", "site_admins"] | None = None
    directory: bool | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = " ".join(value.split())
        if not value:
            raise ValueError(_("Give the site a name."))
        return value


class SuspendIn(Strict):
    reason: str = Field(min_length=1, max_length=2000)

    @field_validator("reason")
    @classmethod
    def _reason(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError(_("Say why the account is suspended."))
        return value


class SiteUserOut(Out):
    """An account as the site admins see it."""

    id: int
    display_name: str
    email: str
    created_at: Timestamp
    email_verified: bool
    site_admin: bool
    suspended: bool
    suspended_at: Timestamp | None
    tribe_count: int

    @classmethod
    def of(cls, user: User, tribe_count: int) -> SiteUserOut:
        """The account with how many tribes it belongs to."""
        return cls(id=user.id, display_name=user.display_name, email=user.email, created_at=user.created_at,
                   email_verified=user.email_verified, site_admin=user.site_admin,
                   suspended=user.suspended_at is not None, suspended_at=user.suspended_at, tribe_count=tribe_count)


class OutboxMailOut(Out):
    """A queued or failed mail: never its subject or body."""

    id: int
    recipient: str
    kind: str
    status: str
    attempts: int
    last_error: str | None
    queued_at: Timestamp
    next_attempt_at: Timestamp

    @classmethod
    def of(cls, mail: OutboxMail) -> OutboxMailOut:
        """The mail's envelope facts."""
        return cls(id=mail.id, recipient=mail.to_address, kind=mail.kind, status=mail.status, attempts=mail.attempts,
                   last_error=mail.last_error, queued_at=mail.created_at, next_attempt_at=mail.next_attempt_at)


class SiteAuditEntryOut(Out):
    """A site audit entry; actor and target are null once their accounts are deleted (or from the CLI)."""

    id: int
    action: str
    actor: UserCard | None
    target: UserCard | None
    details: dict[str, Any]
    created_at: Timestamp

    @classmethod
    def of(cls, entry: SiteAuditEntry, users: dict[int, User]) -> SiteAuditEntryOut:
        """The entry, with the cards of the people it names (`users` holds them)."""
        actor = users.get(entry.actor_id) if entry.actor_id else None
        target = users.get(entry.target_user_id) if entry.target_user_id else None
        return cls(id=entry.id, action=entry.action, actor=UserCard.of(actor) if actor else None,
                   target=UserCard.of(target) if target else None, details=entry.details or {},
                   created_at=entry.created_at)


class DayCountsOut(Out):
    """New rows of one UTC day."""

    date: str
    accounts: int
    tribes: int
    messages: int
    meetups: int


class TotalsOut(Out):
    """All rows now."""

    accounts: int
    tribes: int
    messages: int
    meetups: int


class StatsOut(Out):
    """Counts per day for the last 30 days (oldest first), and totals."""

    days: list[DayCountsOut]
    totals: TotalsOut
