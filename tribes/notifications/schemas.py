"""Request and response schemas for notifications."""

from __future__ import annotations

from typing import Any

from pydantic import Field, model_validator

from tribes.accounts.schemas import Strict
from tribes.endpoint import Out, Timestamp
from tribes.i18n import _
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
