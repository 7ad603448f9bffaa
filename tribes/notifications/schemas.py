"""Request and response schemas for notifications."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, create_model, model_validator

from tribes.accounts.schemas import Strict
from tribes.endpoint import Out, Timestamp
from tribes.i18n import _
from tribes.notifications.kinds import KINDS, Digest, Mode
from tribes.notifications.models import Notification


class MarkReadIn(Strict):
    """`{ids: [...]}` or `{all: true}`."""

    ids: list[int] | None = Field(default=None, max_length=200)
    all: bool = False

    @model_validator(mode="after")
    def _one_of(self) -> MarkReadIn:
        if not self.all and not self.ids:
            raise ValueError(_("Give `ids` or `all: true`."))
        return self


class NotificationOut(Out):
    """The contract's notification object."""

    id: int
    kind: str
    created_at: Timestamp
    read: bool
    data: dict[str, Any]
    #: one sentence in the reader's language saying what happened (tribes.notifications.texts)
    text: str
    #: the page it is about (absolute path), or null
    url: str | None

    @classmethod
    def of(cls, notification: Notification, text: str = "", url: str | None = None) -> NotificationOut:
        """The notification as its owner reads it, with its sentence and link."""
        return cls(
            id=notification.id,
            kind=notification.kind,
            created_at=notification.created_at,
            read=notification.read_at is not None,
            data=notification.data or {},
            text=text,
            url=url,
        )


class MarkedReadOut(Out):
    """How many notifications changed, and how many are still unread."""

    updated: int
    unread: int


def _no_default(schema: dict[str, Any]) -> None:
    """Left out means unchanged: the document shows no default (null is no mode)."""
    schema.pop("default", None)


def _modes_model(name: str, base: type[BaseModel], *, required: bool) -> type[BaseModel]:
    """One field per notification kind (tribes.notifications.kinds), each a mail mode."""
    def field(kind: Any) -> Any:
        described = str(getattr(kind.label, "_args", (kind.label,))[0])
        if required:
            return Field(..., description=described)
        return Field(None, description=described, json_schema_extra=_no_default)

    fields: dict[str, Any] = {kind.name: (Mode, field(kind)) for kind in KINDS}
    return create_model(name, __base__=base, **fields)


#: every kind's mail mode (a response)
EmailModes = _modes_model("EmailModes", Out, required=True)
#: any subset of the kinds (a PATCH body); an unknown kind is a 422
EmailModesPatch = _modes_model("EmailModesPatch", Strict, required=False)


class NotificationSettingsOut(Out):
    """The contract's `{email: {<kind>: mode}, digest}`."""

    email: EmailModes  # type: ignore[valid-type]
    digest: Digest

    @classmethod
    def of(cls, settings: Any) -> NotificationSettingsOut:
        return cls(email=EmailModes(**settings.email), digest=settings.digest)


class NotificationSettingsIn(Strict):
    """Any subset: some kinds' modes, the digest's rhythm, or both."""

    email: EmailModesPatch | None = None  # type: ignore[valid-type]
    digest: Digest | None = None

    def chosen_modes(self) -> dict[str, Mode]:
        """The kinds this request sets."""
        if self.email is None:
            return {}
        return {k: v for k, v in self.email.model_dump(exclude_unset=True).items() if v is not None}
