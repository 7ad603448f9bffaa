"""The astroturfing signal: (near-)identical text from many accounts, or in many tribes."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import datetime, timedelta
from typing import Any, cast

from flask import current_app, has_app_context
from sqlalchemy import Table, bindparam, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tribes.accounts.models import User
from tribes.accounts.service import card
from tribes.db import utcnow
from tribes.groups.models import InviteEdge, Membership, Tribe
from tribes.moderation import auto_reasons
from tribes.moderation.models import MessageFingerprint, Report

DEFAULTS = {
    "ASTROTURF_MIN_LENGTH": 20,
    "ASTROTURF_MIN_WORDS": 3,
    "ASTROTURF_ACCOUNTS": 3,
    "ASTROTURF_ACCOUNTS_MINUTES": 10,
    "ASTROTURF_TRIBES": 3,
    "ASTROTURF_TRIBES_MINUTES": 60,
}
_FP = cast(Table, MessageFingerprint.__table__)
#: one statement for a batch's fingerprints (ids from the column default, `random_id`)
_INSERT = _FP.insert()
#: every recent (tribe, author) of some texts, each with its latest time
_LAST_SEEN = (
    select(_FP.c.tribe_id, _FP.c.author_id, _FP.c.fingerprint, func.max(_FP.c.created_at))
    .where(_FP.c.fingerprint.in_(bindparam("fps", expanding=True)), _FP.c.created_at >= bindparam("since"))
    .group_by(_FP.c.tribe_id, _FP.c.author_id, _FP.c.fingerprint)
)
#: prune old fingerprints on every n-th message (by id)
PRUNE_EVERY = 100
#: at most this many messages are kept as evidence on one report
EVIDENCE_LIMIT = 100

#: the normaliser reads at most this many characters of a message (a chat body's maximum)
MAX_INPUT = 4000
#: and keeps at most this many after compatibility decomposition (one character such as
#: "㏂" expands to several; U+FDFA to 18)
MAX_EXPANDED = 2 * MAX_INPUT
#: top-level domains that make "word.word.tld" a link
TLDS = frozenset({"com", "org", "net", "io", "info", "biz", "ru", "de", "co", "uk", "me", "ly", "gl"})
# Every pattern below is linear in its input: one quantifier per item, no nesting, and a
# look-behind so that a match can only start where a run of its characters starts.
#: "scheme://…" and "www.…" up to the next whitespace
SCHEME_LINK_RE = re.compile(r"(?<![a-z0-9+.-])[a-z0-9+.-]+://\S*|www\.\S*")
#: a run of host-name characters and the path that may follow it
HOST_RUN_RE = re.compile(r"[a-z0-9.-]+(?:/\S*)?")
NON_WORD_RE = re.compile(r"[\W_]+")


def setting(name: str) -> int:
    """An astroturfing setting from the app config (TRIBES_ASTROTURF_*), or its default."""
    if has_app_context():
        return int(current_app.config.get(name, DEFAULTS[name]))
    return DEFAULTS[name]


def normalise(body: str) -> str:
    """Case, accents, punctuation, whitespace and links folded away: what 'the same text' means.

    Linear in the length of `body`, and reads at most MAX_INPUT characters of it.
    """
    text = unicodedata.normalize("NFKD", body[:MAX_INPUT])[:MAX_EXPANDED].casefold()
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = SCHEME_LINK_RE.sub(" ", text)  # links vary (tracking, shorteners): the text around them counts
    text = HOST_RUN_RE.sub(_without_hosts, text)
    return " ".join(NON_WORD_RE.sub(" ", text).split())


def _without_hosts(match: re.Match[str]) -> str:
    """A run like `see.bit.ly/abc` with its host names (`label.….tld`) and their paths removed."""
    run, slash, path = match.group().partition("/")
    labels = run.split(".")
    kept: list[str] = []
    group: list[str] = []  # consecutive non-empty labels: one possible host name
    ends_with_host = False
    for label in [*labels, ""]:
        if label:
            group.append(label)
            continue
        ends_with_host = False
        if group:
            last_tld = max(
                (k for k in range(1, len(group)) if group[k].partition("-")[0] in TLDS), default=None
            )
            if last_tld is None:
                kept.extend(group)
            else:
                rest = group[last_tld][len(group[last_tld].partition("-")[0]):]
                kept.extend([rest, *group[last_tld + 1:]])
                ends_with_host = not rest and last_tld == len(group) - 1
            group = []
    if ends_with_host and labels[-1]:  # a path right after a host name belongs to the link
        return " ".join(kept) + " "
    return " ".join(kept) + slash + path


def is_signal_worthy(normalised: str) -> bool:
    """Long enough to be unlikely by chance ("thanks!", "+1", "see you there" are not)."""
    words = normalised.split()
    letters = sum(len(w) for w in words)
    return letters >= setting("ASTROTURF_MIN_LENGTH") and len(words) >= setting("ASTROTURF_MIN_WORDS")


def fingerprint(normalised: str) -> str:
    """The SHA-256 hex digest of the normalised text."""
    return hashlib.sha256(normalised.encode()).hexdigest()


def check_messages(session: Session, messages: list[Any]) -> list[Report]:
    """Record the messages' fingerprints and file or update the automatic reports they complete.

    Several messages are the socket sends one process stored together: one insert of their
    fingerprints, one query for every recent copy of their texts, and each completed
    cluster's report filed or refreshed once. Each message is judged as if alone (its own
    windows from its own time); a later message of the same batch may count
    towards an earlier one's cluster, which only files the report that the later one would
    file anyway: the reports and their evidence end as they would after one call per message.
    """
    entries: list[tuple[Any, str, datetime]] = []
    for message in messages:
        text = normalise(message.body or "")
        if is_signal_worthy(text):
            entries.append((message, fingerprint(text), message.created_at or utcnow()))
    if not entries:
        return []
    conn = session.connection()
    conn.execute(_INSERT, [
        {"tribe_id": m.tribe_id, "message_id": m.id, "author_id": m.author_id, "fingerprint": fp, "created_at": now}
        for m, fp, now in entries
    ])
    latest = max(now for _m, _fp, now in entries)
    if any(m.id % PRUNE_EVERY == 0 for m, _fp, _now in entries):
        _prune(session, latest)
    accounts_window = timedelta(minutes=setting("ASTROTURF_ACCOUNTS_MINUTES"))
    tribes_window = timedelta(minutes=setting("ASTROTURF_TRIBES_MINUTES"))
    since = min(now for _m, _fp, now in entries) - max(accounts_window, tribes_window)
    # who wrote these texts where, and when last (the windows are lower bounds only)
    by_tribe: dict[tuple[int, str], dict[int, datetime]] = {}
    by_author: dict[tuple[int, str], dict[int, datetime]] = {}
    for tribe_id, author_id, fp, at in conn.execute(_LAST_SEEN, {"fps": sorted({fp for _m, fp, _n in entries}),
                                                                  "since": since}):
        by_tribe.setdefault((tribe_id, fp), {})[author_id] = at
        by_author.setdefault((author_id, fp), {})[tribe_id] = at
    flagged: dict[tuple[int, str], tuple[set[str], datetime]] = {}

    def flag(tribe_id: int, fp: str, pattern: str, now: datetime) -> None:
        patterns, at = flagged.get((tribe_id, fp), (set(), now))
        flagged[(tribe_id, fp)] = (patterns | {pattern}, max(at, now))

    for m, fp, now in entries:
        authors = by_tribe.get((m.tribe_id, fp), {})
        if sum(1 for at in authors.values() if at >= now - accounts_window) >= setting("ASTROTURF_ACCOUNTS"):
            flag(m.tribe_id, fp, "many_accounts", now)
        tribe_ids = [t for t, at in by_author.get((m.author_id, fp), {}).items() if at >= now - tribes_window]
        if len(tribe_ids) >= setting("ASTROTURF_TRIBES"):
            for tribe_id in tribe_ids:
                flag(tribe_id, fp, "many_tribes", now)
    return [
        _file_report(session, tribe_id, fp, patterns, now)
        for (tribe_id, fp), (patterns, now) in sorted(flagged.items())
    ]


def _prune(session: Session, now: datetime) -> None:
    """Forget fingerprints older than the longest window."""
    keep = max(setting("ASTROTURF_ACCOUNTS_MINUTES"), setting("ASTROTURF_TRIBES_MINUTES"))
    session.execute(delete(MessageFingerprint).where(MessageFingerprint.created_at < now - timedelta(minutes=keep)))


def _file_report(session: Session, tribe_id: int, fp: str, patterns: set[str], now: datetime) -> Report:
    """Create the cluster's open report in the tribe, or refresh the evidence of the open one."""
    evidence = build_evidence(session, tribe_id, fp, now)
    report = open_cluster_report(session, tribe_id, fp)
    if report is None:
        first = evidence["messages"][0]
        report = Report(
            tribe_id=tribe_id, reporter_id=None, target_type="message", target_id=first["id"],
            target_user_id=first["author_id"], reason=auto_reasons.ASTROTURF_MESSAGES,
            status="open", cluster_key=fp,
            created_at=now, updated_at=now,
        )
        try:
            with session.begin_nested():
                session.add(report)
                session.flush()
        except IntegrityError:
            # Another message of the same cluster filed it concurrently: update that one.
            report = open_cluster_report(session, tribe_id, fp)
            if report is None:
                raise
        else:
            from tribes.moderation.reports import notify_admins

            tribe = session.get(Tribe, tribe_id)
            if tribe is not None:
                notify_admins(session, tribe, report)
    known = set((report.evidence or {}).get("patterns", []))
    evidence["patterns"] = sorted(known | patterns)
    report.evidence = evidence
    report.updated_at = now
    session.flush()
    return report


def open_cluster_report(session: Session, tribe_id: int, fp: str) -> Report | None:
    """The open automatic report of a cluster (a fingerprint or another key) in the tribe, if any."""
    return session.scalar(
        select(Report).where(Report.tribe_id == tribe_id, Report.cluster_key == fp, Report.status == "open")
    )


def build_evidence(session: Session, tribe_id: int, fp: str, now: datetime) -> dict[str, Any]:
    """Accounts, messages, times and invite paths of a cluster, as seen from one tribe.

    Other tribes are only counted, never named: an admin must not learn of a secret tribe.
    """
    window = max(setting("ASTROTURF_ACCOUNTS_MINUTES"), setting("ASTROTURF_TRIBES_MINUTES"))
    since = now - timedelta(minutes=window)
    rows = list(
        session.scalars(
            select(MessageFingerprint)
            .where(MessageFingerprint.tribe_id == tribe_id, MessageFingerprint.fingerprint == fp,
                   MessageFingerprint.created_at >= since)
            .order_by(MessageFingerprint.created_at, MessageFingerprint.id)
            .limit(EVIDENCE_LIMIT)
        )
    )
    author_ids = sorted({r.author_id for r in rows})
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(author_ids)))}
    edges = {
        e.invitee_id: e
        for e in session.scalars(
            select(InviteEdge).where(InviteEdge.tribe_id == tribe_id, InviteEdge.invitee_id.in_(author_ids))
        )
    }
    inviters = {
        u.id: u
        for u in session.scalars(select(User).where(User.id.in_({e.inviter_id for e in edges.values() if e.inviter_id})))
    }
    joined: dict[int, datetime] = dict(
        session.execute(
            select(Membership.user_id, Membership.joined_at).where(
                Membership.tribe_id == tribe_id, Membership.user_id.in_(author_ids)
            )
        ).tuples().all()
    )
    elsewhere: dict[int, int] = dict(
        session.execute(
            select(MessageFingerprint.author_id, func.count(func.distinct(MessageFingerprint.tribe_id)))
            .where(MessageFingerprint.author_id.in_(author_ids), MessageFingerprint.fingerprint == fp,
                   MessageFingerprint.created_at >= since, MessageFingerprint.tribe_id != tribe_id)
            .group_by(MessageFingerprint.author_id)
        ).tuples().all()
    )
    accounts = []
    for uid in author_ids:
        edge = edges.get(uid)
        accounts.append({
            "user": card(users.get(uid)),
            "account_created_at": users[uid].created_at.isoformat() if uid in users else None,
            "joined_at": joined[uid].isoformat() if uid in joined else None,
            "invited_by": card(inviters.get(edge.inviter_id)) if edge and edge.inviter_id else None,
            "invited_at": edge.created_at.isoformat() if edge else None,
            "other_tribes_with_same_text": elsewhere.get(uid, 0),
        })
    return {
        "fingerprint": fp,
        "accounts": accounts,
        "messages": [
            {"id": r.message_id, "author_id": r.author_id, "created_at": r.created_at.isoformat()} for r in rows
        ],
    }
