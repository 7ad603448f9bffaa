"""The astroturfing signal on join requests: the same answers from several accounts in a short time."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tribes.accounts.schemas import card
from tribes.db import utcnow
from tribes.groups.models import Tribe
from tribes.joining.models import JoinRequest
from tribes.moderation import auto_reasons
from tribes.moderation.astroturf import (
    EVIDENCE_LIMIT,
    fingerprint,
    is_signal_worthy,
    normalise,
    open_cluster_report,
    setting,
)
from tribes.moderation.models import Report

#: the pattern named in the evidence of a join-request cluster
PATTERN = "many_join_requests"
#: at most this many recent requests of a tribe are compared with a new one
SCAN_LIMIT = 1000


def request_text(req: Any) -> str:
    """What of a request is compared: its answers and its note, normalised."""
    return normalise(" ".join([*(req.answers or []), req.message or ""]))


def cluster_key(fp: str) -> str:
    """The report key of a join-request cluster (never the same as a chat cluster's)."""
    return hashlib.sha256(f"join-request:{fp}".encode()).hexdigest()


def check_join_request(session: Session, req: Any) -> Report | None:
    """File or refresh the tribe's report when several accounts sent the same answers within
    ASTROTURF_ACCOUNTS_MINUTES (a request that reached the admins; swallowed ones never do)."""
    text = request_text(req)
    if not is_signal_worthy(text):
        return None
    fp = fingerprint(text)
    now: datetime = req.queued_at or utcnow()
    since = now - timedelta(minutes=setting("ASTROTURF_ACCOUNTS_MINUTES"))
    recent = session.scalars(
        select(JoinRequest).where(JoinRequest.tribe_id == req.tribe_id, JoinRequest.queued_at >= since)
        .order_by(JoinRequest.queued_at, JoinRequest.id).limit(SCAN_LIMIT)
    )
    same = [r for r in recent if fingerprint(request_text(r)) == fp][:EVIDENCE_LIMIT]
    accounts = {r.user_id: r for r in same}
    if len(accounts) < setting("ASTROTURF_ACCOUNTS"):
        return None
    return _file_report(session, req.tribe_id, cluster_key(fp), list(accounts.values()), same, now)


def _evidence(key: str, firsts: list[JoinRequest], same: list[JoinRequest]) -> dict[str, Any]:
    """Accounts (with their age) and requests of the cluster, shaped like the chat signal's."""
    return {
        "fingerprint": key,
        "patterns": [PATTERN],
        "accounts": [{
            "user": card(r.user), "account_created_at": r.user.created_at.isoformat() if r.user else None,
            "joined_at": None, "invited_by": None, "invited_at": None, "other_tribes_with_same_text": 0,
        } for r in firsts],
        "messages": [],
        "join_requests": [{"id": r.id, "user_id": r.user_id, "created_at": r.queued_at.isoformat()} for r in same],
    }


def _file_report(session: Session, tribe_id: int, key: str, firsts: list[JoinRequest], same: list[JoinRequest],
                 now: datetime) -> Report:
    """Create the cluster's open report, or refresh the evidence of the open one."""
    evidence = _evidence(key, firsts, same)
    report = open_cluster_report(session, tribe_id, key)
    if report is None:
        report = Report(
            tribe_id=tribe_id, reporter_id=None, target_type="user", target_id=firsts[0].user_id,
            target_user_id=firsts[0].user_id, reason=auto_reasons.ASTROTURF_JOIN_REQUESTS,
            status="open", cluster_key=key, evidence=evidence,
            created_at=now, updated_at=now,
        )
        try:
            with session.begin_nested():
                session.add(report)
                session.flush()
        except IntegrityError:
            report = open_cluster_report(session, tribe_id, key)  # filed at the same moment by another request
            if report is None:
                raise
        else:
            from tribes.moderation.reports import notify_admins

            tribe = session.get(Tribe, tribe_id)
            if tribe is not None:
                notify_admins(session, tribe, report)
    report.evidence = evidence
    report.updated_at = now
    session.flush()
    return report

