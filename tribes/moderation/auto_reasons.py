"""What automatic reports say, stored in English and shown in the reader's language.

The signals file reports with the English text (the data stays the same whoever triggered it);
`reason` and `excerpt` translate it when a person reads the report (API and pages alike).
"""

from __future__ import annotations

from typing import Any

from tribes.i18n import _


def N_(message: str) -> str:
    """Mark a message for the catalogue; it is translated when shown, not when stored."""
    return message


ASTROTURF_MESSAGES = N_("Possible astroturfing: the same text from several accounts or in several tribes.")
ASTROTURF_JOIN_REQUESTS = N_("Possible astroturfing: the same answers in join requests from several accounts.")
DM_MANY_RECIPIENTS = N_("Possible bot or astroturfing: the same text to many people by direct message.")
DM_SUMMARY = N_("Sent the same text by direct message to %(people)d people within %(minutes)d minutes.")

KNOWN = frozenset({ASTROTURF_MESSAGES, ASTROTURF_JOIN_REQUESTS, DM_MANY_RECIPIENTS})


def dm_summary(people: int, minutes: int) -> str:
    """The stored (English) excerpt of a direct-message report."""
    return DM_SUMMARY % {"people": people, "minutes": minutes}


def reason(report: Any) -> str:
    """The report's reason in the reader's language (a person's own words stay as written)."""
    if report.cluster_key is not None and report.reason in KNOWN:
        return str(_(report.reason))
    return str(report.reason)


def excerpt(report: Any) -> str | None:
    """The excerpt in the reader's language: the counts of a direct-message signal are re-worded."""
    evidence = report.evidence or {}
    if report.cluster_key is not None and "many_recipients" in evidence.get("patterns", ()):
        return str(_(DM_SUMMARY, people=int(evidence.get("people", 0)), minutes=int(evidence.get("minutes", 0))))
    stored: str | None = report.excerpt
    return stored
