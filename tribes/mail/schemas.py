"""Request and response schemas of the account mails."""

from __future__ import annotations

from pydantic import Field, field_validator

from tribes.accounts.schemas import EMAIL_RE, Strict, acceptable_password, valid_email
from tribes.endpoint import Out
from tribes.i18n import _


class PasswordResetIn(Strict):
    email: str = Field(max_length=254)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        value = value.strip()
        if not EMAIL_RE.match(value):
            raise ValueError(_("Enter a valid e-mail address."))
        return value


class NewPasswordIn(Strict):
    new_password: str

    @field_validator("new_password")
    @classmethod
    def _password(cls, value: str) -> str:
        return acceptable_password(value)


class PasswordResetConfirmIn(NewPasswordIn):
    token: str = Field(max_length=200)


class Accepted(Out):
    """The empty document `{}` of a 202."""


class VerifyEmailIn(Strict):
    token: str = Field(max_length=200)


class EmailChangeIn(Strict):
    new_email: str = Field(max_length=254)
    password: str = Field(max_length=1024)

    @field_validator("new_email")
    @classmethod
    def _email(cls, value: str) -> str:
        return valid_email(value)
