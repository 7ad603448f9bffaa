"""Schemas for reports, resolutions and mutes: request bodies in, reports out."""

from __future__ import annotations

from typing import Any, Literal, NotRequired, cast

from pydantic import Field, field_validator
from typing_extensions import TypedDict

from tribes.accounts.models import User
from tribes.accounts.schemas import Strict
from tribes.accounts.service import card
from tribes.endpoint import Out, Timestamp
from tribes.i18n import _, lazy_gettext
from tribes.moderation import auto_reasons
from tribes.moderation.models import Report

MAX_ID = 2**53


#: how a page names what a report is about
TARGET_LABELS = {
    "message": lazy_gettext("a message"), "user": lazy_gettext("a member"), "meetup": lazy_gettext("a meet-up"),
}

class ReportIn(Strict):
    #: the tribe of the reported thing; without it, a report of a user to the site admins
    tribe: str | None = Field(default=None, min_length=1, max_length=64)
    target_type: Literal["message", "user", "meetup"]
    target_id: int = Field(ge=1, le=MAX_ID)
    reason: str = Field(min_length=1, max_length=2000)

    @field_validator("reason")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError(_("Say what is wrong."))
        return value


class ResolveIn(Strict):
    #: suspend_user only for reports to the site admins; the others only for tribe reports
    action: Literal["dismiss", "delete_content", "remove_member", "ban_member", "suspend_user"]
    note: str = Field(default="", max_length=2000)


class MuteIn(Strict):
    user_id: int = Field(ge=1, le=MAX_ID)
    #: 1 minute to 30 days
    minutes: int = Field(ge=1, le=43200)


# ---------------------------------------------------------------- responses


class UserCard(TypedDict):
    """The contract's public user card, as `accounts.service.card` makes it."""

    id: int
    display_name: str
    avatar_url: NotRequired[str]


def _card(users: dict[int, User], user_id: int | None) -> UserCard | None:
    return cast(UserCard | None, card(users.get(user_id))) if user_id else None


class ResolutionOut(Out):
    """What was done about a resolved report."""

    action: str | None
    note: str | None
    resolved_by: UserCard | None
    resolved_at: Timestamp | None


class ReportOut(Out):
    """A report as admins see it."""

    id: int
    #: null for a report to the site admins
    tribe: str | None
    target_type: str
    target_id: int
    target_user: UserCard | None
    excerpt: str | None
    reporter: UserCard | None
    automatic: bool
    reason: str
    evidence: dict[str, Any] | None
    status: str
    resolution: ResolutionOut | None
    created_at: Timestamp
    updated_at: Timestamp

    @classmethod
    def of(cls, report: Report, slug: str | None, users: dict[int, User]) -> ReportOut:
        """The report; `users` holds everyone it mentions (see `reports.users_of`)."""
        resolution = None
        if report.status == "resolved":
            resolution = ResolutionOut(
                action=report.resolution, note=report.resolution_note,
                resolved_by=_card(users, report.resolved_by_id), resolved_at=report.resolved_at,
            )
        return cls(
            id=report.id, tribe=slug, target_type=report.target_type, target_id=report.target_id,
            target_user=_card(users, report.target_user_id), excerpt=auto_reasons.excerpt(report),
            reporter=_card(users, report.reporter_id), automatic=report.cluster_key is not None,
            reason=auto_reasons.reason(report), evidence=report.evidence, status=report.status,
            resolution=resolution,
            created_at=report.created_at, updated_at=report.updated_at,
        )


class FiledReportOut(Out):
    """A report as its reporter sees it: never what happened to whom."""

    id: int
    #: null for a report to the site admins
    tribe: str | None
    target_type: str
    target_id: int
    reason: str
    status: str
    created_at: Timestamp

    @classmethod
    def of(cls, report: Report, slug: str | None) -> FiledReportOut:
        """The reporter's view of the report."""
        return cls(
            id=report.id, tribe=slug, target_type=report.target_type, target_id=report.target_id,
            reason=report.reason, status=report.status, created_at=report.created_at,
        )


class MuteOut(Out):
    """A mute as admins see it (validated from `service.mute_dict`, times already written)."""

    user: UserCard | None
    until: str
    muted_by: UserCard | None
    created_at: str


class AuditEntryOut(Out):
    """An audit entry (validated from `service.audit_dict`): actor and target are null once their accounts are deleted."""

    id: int
    action: str
    actor: UserCard | None
    target: UserCard | None
    details: dict[str, Any]
    created_at: str
