"""Every kind of notification the server sends: the one list that the texts, the mail
preferences and their pages read.

A kind's `default` says how its mail goes out when the person has not chosen
(`instant`, `digest` or `off`); `personal` kinds are about the reader themselves (they were
mentioned, their meet-up moved, their seat came free), so a tribe set to "mentions only"
still mails them, while tribe-wide news waits for the app.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from tribes.i18n import lazy_gettext

#: how one kind of notification reaches a person by mail
Mode = Literal["instant", "digest", "off"]
MODES: tuple[Mode, ...] = ("instant", "digest", "off")
#: how often the digest goes out
Digest = Literal["daily", "weekly"]
DIGESTS: tuple[Digest, ...] = ("daily", "weekly")
DEFAULT_DIGEST: Digest = "daily"

CONTACT_REQUEST = "contact_request"
CONTACT_ACCEPTED = "contact_accepted"
TRIBE_INVITE = "tribe_invite"
MENTION = "mention"
MUTED = "muted"
MEETUP_CREATED = "meetup_created"
MEETUP_CHANGED = "meetup_changed"
MEETUP_CANCELLED = "meetup_cancelled"
MEETUP_PROMOTED = "meetup_promoted"
MEETUP_REMINDER = "meetup_reminder"
REPORT_FILED = "report_filed"
REPORT_HANDLED = "report_handled"
JOIN_REQUEST = "join_request"
JOIN_ACCEPTED = "join_accepted"
DIRECT_MESSAGE = "direct_message"
SERIES_ORPHANED = "series_orphaned"
ANNOUNCEMENT = "announcement"
#: kinds whose notification may be marked `essential` in its data: mailed at once even when the
#: person turned that kind's mail off (still only to verified addresses, still discreet where
#: the tribe mails discreetly, and a tribe set to "none" stays silent)
ESSENTIAL_KINDS = frozenset({ANNOUNCEMENT})


@dataclass(frozen=True)
class Kind:
    """One kind of notification: its `kind` value, how people see it named, its default mail mode."""

    name: str
    label: Any
    default: Mode
    personal: bool = True


KINDS: tuple[Kind, ...] = (
    Kind(CONTACT_REQUEST, lazy_gettext("Someone would like to be your contact"), "instant"),
    Kind(CONTACT_ACCEPTED, lazy_gettext("Someone accepted your contact request"), "instant"),
    Kind(TRIBE_INVITE, lazy_gettext("You are invited to a tribe"), "instant"),
    Kind(MENTION, lazy_gettext("Someone mentioned you"), "instant"),
    Kind(MEETUP_CREATED, lazy_gettext("A new meet-up was scheduled in one of your tribes"), "instant",
         personal=False),
    Kind(MEETUP_CHANGED, lazy_gettext("A meet-up you are going to moved or changed place"), "instant"),
    Kind(MEETUP_CANCELLED, lazy_gettext("A meet-up you are going to was cancelled"), "instant"),
    Kind(MEETUP_REMINDER, lazy_gettext("Reminder before a meet-up you are going to"), "instant"),
    Kind(MEETUP_PROMOTED, lazy_gettext("A seat came free for you at a meet-up"), "instant"),
    Kind(MUTED, lazy_gettext("You were muted in a tribe"), "digest"),
    Kind(REPORT_FILED, lazy_gettext("Content was reported in a tribe you moderate"), "digest", personal=False),
    Kind(REPORT_HANDLED, lazy_gettext("A moderator handled your report"), "digest"),
    Kind(JOIN_REQUEST, lazy_gettext("Someone asks to join a tribe you run"), "instant", personal=False),
    Kind(JOIN_ACCEPTED, lazy_gettext("Your request to join a tribe was accepted"), "instant"),
    Kind(DIRECT_MESSAGE, lazy_gettext("Someone wrote you a direct message while you were away"), "instant"),
    Kind(SERIES_ORPHANED, lazy_gettext("A meet-up series in a tribe you run has no organiser any more"), "digest",
         personal=False),
    Kind(ANNOUNCEMENT, lazy_gettext("Organisers of a tribe made an announcement"), "instant", personal=False),
)
BY_NAME: dict[str, Kind] = {k.name: k for k in KINDS}
NAMES: tuple[str, ...] = tuple(BY_NAME)
