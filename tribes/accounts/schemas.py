"""Request and response schemas for accounts and sessions."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import BaseModel, ConfigDict, Field, field_validator

from tribes.accounts.passwords import password_problem
from tribes.endpoint import Out, Timestamp
from tribes.i18n import _

if TYPE_CHECKING:
    from tribes.accounts.models import User, UserSession


class Strict(BaseModel):
    """Base of request schemas: unknown fields are refused, strings are stripped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


def known_timezone(value: str) -> str:
    """An IANA zone name that zoneinfo knows."""
    value = value.strip()
    if not value or len(value) > 64 or value not in timezone_names():
        raise ValueError(_("Unknown time zone; use an IANA name such as Europe/Berlin."))
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(_("Unknown time zone; use an IANA name such as Europe/Berlin.")) from exc
    return value


_ZONES: set[str] = set()


def timezone_names() -> set[str]:
    """The IANA zone names (cached)."""
    if not _ZONES:
        _ZONES.update(available_timezones())
    return _ZONES


def acceptable_password(value: str) -> str:
    """The password if it may be used (length, not a common one); ValueError otherwise."""
    problem = password_problem(value)
    if problem:
        raise ValueError(problem)
    return value


def clean_display_name(value: str) -> str:
    value = " ".join(value.split())
    if not 1 <= len(value) <= 80:
        raise ValueError(_("Use 1 to 80 characters."))
    return value


EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+$")


def valid_email(value: str) -> str:
    """The address, stripped, if it looks like one; ValueError otherwise."""
    value = value.strip()
    if not EMAIL_RE.match(value):
        raise ValueError(_("Enter a valid e-mail address."))
    return value


class RegisterIn(Strict):
    email: str = Field(max_length=254)
    password: str
    display_name: str
    #: an invite to accept in the same step (its tribe is joined; see groups.signup); needed
    #: when the site is invite-only
    invite_token: str | None = Field(default=None, max_length=200)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        return valid_email(value)

    @field_validator("password")
    @classmethod
    def _password(cls, value: str) -> str:
        return acceptable_password(value)

    @field_validator("display_name")
    @classmethod
    def _name(cls, value: str) -> str:
        return clean_display_name(value)


class LoginIn(Strict):
    email: str = Field(max_length=254)
    password: str = Field(max_length=1024)


class ProfilePatch(Strict):
    display_name: str | None = None
    bio: str | None = Field(default=None, max_length=2000)
    avatar_url: str | None = Field(default=None, max_length=500)
    profile_visibility: Literal["contacts", "tribes", "nobody"] | None = None
    timezone: str | None = Field(default=None, max_length=64)
    locale: Literal["de", "en"] | None = None

    @field_validator("display_name")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        return None if value is None else clean_display_name(value)

    @field_validator("avatar_url")
    @classmethod
    def _avatar(cls, value: str | None) -> str | None:
        if value and not value.startswith(("https://", "http://")):
            raise ValueError(_("Use an http(s) URL."))
        return value or None

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str | None) -> str | None:
        return None if value is None else known_timezone(value)


class PreferencesIn(Strict):
    """The settings page's language and time zone form."""

    timezone: str = Field(max_length=64)
    locale: Literal["de", "en"]

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        return known_timezone(value)


def browser_timezone(value: str | None) -> str:
    """The zone the registration page's script read from the browser, if we know it; else UTC."""
    try:
        return known_timezone(value or "")
    except ValueError:
        return "UTC"


class PasswordChangeIn(Strict):
    current_password: str = Field(max_length=1024)
    new_password: str

    @field_validator("new_password")
    @classmethod
    def _password(cls, value: str) -> str:
        return acceptable_password(value)


# ---------------------------------------------------------------- responses


def _absent(value: Any) -> bool:
    """An optional key of the contract that is left out rather than written as null."""
    return value is None


class UserCard(Out):
    """The public user card `{id, display_name, bio?, avatar_url?}`."""

    id: int
    display_name: str
    avatar_url: str | None = Field(default=None, exclude_if=_absent)
    bio: str | None = Field(default=None, exclude_if=_absent)

    @classmethod
    def of(cls, user: User, *, bio: bool = False) -> UserCard:
        """The card; `bio` only where profile visibility allows it (the caller checked).

        Cards appear in tribe contexts (members, authors): the avatar only when the owner
        shows profile details to their tribes, or when the caller checked visibility (bio=True).
        """
        show_avatar = bool(user.avatar_url) and (bio or user.profile_visibility == "tribes")
        return cls(
            id=user.id,
            display_name=user.display_name,
            avatar_url=user.avatar_url if show_avatar else None,
            bio=user.bio if bio else None,
        )


def card_of(user_id: int, display_name: str, avatar_url: str | None, visibility: str) -> dict[str, Any]:
    """`card(user)` from the columns alone (read paths that skip the ORM): the same dict,
    key for key, as `UserCard.of(user).model_dump(mode="json")` without a bio, its keys in sorted
    order (for `json_provider.with_times(..., keys_in_order=True)`)."""
    if avatar_url and visibility == "tribes":
        return {"avatar_url": avatar_url, "display_name": display_name, "id": user_id}
    return {"display_name": display_name, "id": user_id}


def card(user: User | None, *, bio: bool = False) -> dict[str, Any] | None:
    """The public user card as a JSON-ready dict (for features not yet on typed responses)."""
    if user is None:
        return None
    return UserCard.of(user, bio=bio).model_dump(mode="json")


class MeOut(UserCard):
    """The `me` object: the card (with bio) plus private fields."""

    email: str
    profile_visibility: str
    timezone: str
    locale: str
    created_at: Timestamp
    email_verified: bool
    site_admin: bool

    @classmethod
    def of(cls, user: User, *, bio: bool = True) -> MeOut:
        """My own profile."""
        shown = UserCard.of(user, bio=True)
        return cls(
            **shown.model_dump(),
            email=user.email,
            profile_visibility=user.profile_visibility,
            timezone=user.timezone,
            locale=user.locale,
            created_at=user.created_at,
            email_verified=bool(user.email_verified),
            site_admin=bool(user.site_admin),
        )


class AuthOut(Out):
    """`{user: me|null, csrf_token}`: the answer of register, login and GET /auth/session."""

    user: MeOut | None
    csrf_token: str


class ExportedSessionOut(Out):
    """A login session as the data export lists it."""

    id: int
    created_at: Timestamp
    last_seen_at: Timestamp
    ip: str | None
    user_agent: str | None

    @classmethod
    def of(cls, row: UserSession) -> ExportedSessionOut:
        """A session row (never its token hash)."""
        return cls(id=row.id, created_at=row.created_at, last_seen_at=row.last_seen_at,
                   ip=row.ip, user_agent=row.user_agent)


class SessionOut(ExportedSessionOut):
    """One of my sessions in `GET /me/sessions`, marked when it is this one."""

    current: bool

    @classmethod
    def mine(cls, row: UserSession, current_id: int | None) -> SessionOut:
        """A session row as its owner lists it."""
        return cls(**ExportedSessionOut.of(row).model_dump(), current=row.id == current_id)
