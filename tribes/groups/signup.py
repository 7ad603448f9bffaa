"""Register and join in one step, through an invite (the API's `invite_token`, the invite page)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tribes.accounts import service as accounts
from tribes.accounts.models import User
from tribes.accounts.service import normalise_email, token_hash
from tribes.errors import NotFound, ValidationFailed
from tribes.groups.invites import accept_invite, find_invite, preview_invite
from tribes.groups.models import Membership, Tribe
from tribes.i18n import _


def _unusable() -> ValidationFailed:
    return ValidationFailed({"invite_token": _("This invite cannot be used: it is invalid, used up, expired, "
                                               "or meant for another e-mail address.")})


def register_through_invite(
    session: Session, raw: str, email: str, password: str, display_name: str, *, locale: str, timezone: str,
) -> tuple[User, Membership, Tribe]:
    """Create the account and accept the invite (flushed). Through the link mailed to exactly this
    address the account starts verified (following it proved the inbox) and no verification mail
    goes out. An invite this registration cannot use is a field error `invite_token`, before
    anything is created."""
    try:
        preview_invite(session, raw, None)
    except NotFound as exc:
        raise _unusable() from exc
    invite = find_invite(session, raw)
    assert invite is not None
    address = normalise_email(email)
    proven = invite.email is not None and invite.email_token_hash == token_hash(raw) and invite.email == address
    if invite.email is not None and not proven:
        raise _unusable()  # the account could not accept it: it would not have verified the address
    user = accounts.register(session, email, password, display_name, locale=locale, timezone=timezone,
                             email_verified=proven, invited=True)
    try:
        member, tribe = accept_invite(session, raw, user)
    except NotFound as exc:  # used up at this very moment: the caller rolls the account back
        raise _unusable() from exc
    return user, member, tribe
