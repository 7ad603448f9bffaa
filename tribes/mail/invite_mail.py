"""Invite mails: an invite made with `email` is mailed there with its own link.

The mail is in the language of the account that has the address, else in the inviter's. A
tribe that mails discreetly is named nowhere in it, nor is the inviter: "You are invited to a
private community on <site>" and the link.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import url_for
from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.orm import Session

from tribes.accounts.models import User
from tribes.groups.models import Invite, Tribe
from tribes.i18n import LOCALES, _
from tribes.mail.links import base_url
from tribes.mail.outbox import queue

KIND = "invite"


def invite_link(raw: str) -> str:
    """The absolute address of the invite landing page for a token."""
    return base_url() + url_for("groups_pages.invite_landing", token=raw)


def invite_mail(invite: Invite, tribe: Tribe, link: str, locale: str) -> tuple[str, str]:
    """Subject and text of an invite mail, in `locale`; discreet tribes are not named."""
    site = urlsplit(base_url()).netloc or base_url()
    with force_locale(locale if locale in LOCALES else LOCALES[0]):
        if tribe.mails_discreetly or invite.created_by is None:
            subject = _("You are invited to a private community on %(site)s", site=site)
            parts = [_("Hello,"), _("you are invited to a private community on %(site)s. "
                                    "Open this link to see the invitation and join:", site=site), link]
        else:
            inviter = invite.created_by.display_name
            subject = _("%(name)s invited you to %(tribe)s", name=inviter, tribe=tribe.name)
            parts = [_("Hello,"), _("%(name)s invited you to %(tribe)s on %(site)s.", name=inviter,
                                    tribe=tribe.name, site=site)]
            if tribe.description.strip():
                parts.append(tribe.description.strip())
            parts += [_("Open this link to see the invitation and join:"), link]
        parts += [_("The link is meant for you only. If you do not want to join, ignore this mail."),
                  _("Your Tribes team")]
    return subject, "\n\n".join(parts) + "\n"


def queue_invite_mail(session: Session, invite: Invite, tribe: Tribe, raw: str) -> None:
    """Queue the invite mail to `invite.email` with the link of the mailed token `raw`."""
    assert invite.email is not None
    account = session.scalar(select(User).where(User.email == invite.email))
    inviter = invite.created_by
    locale = account.locale if account is not None else inviter.locale if inviter is not None else LOCALES[0]
    subject, text = invite_mail(invite, tribe, invite_link(raw), locale)
    queue(session, to=invite.email, subject=subject, text=text, kind=KIND,
          user_id=account.id if account is not None else None)
