"""Request schemas for notifications."""

from __future__ import annotations

from pydantic import Field, model_validator

from tribes.accounts.schemas import Strict


class MarkReadIn(Strict):
    """`{ids: [...]}` or `{all: true}`."""

    ids: list[int] | None = Field(default=None, max_length=200)
    all: bool = False

    @model_validator(mode="after")
    def _one_of(self) -> MarkReadIn:
        if not self.all and not self.ids:
            raise ValueError("Give `ids` or `all: true`.")
        return self
