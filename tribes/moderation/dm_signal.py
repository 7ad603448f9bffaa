"""The astroturfing signal for direct messages: one account sending the same (near-identical,
normalised as for tribe chat) text to many people within a while is the classic bot pattern.
It files one open report to the site admins about the account (refreshed as the count grows).

The report says what happened — how many people got the same text, in how many minutes — and
never the text: site admins read a direct message only when a participant reports it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tribes.chat.models import ConversationMember, Message
from tribes.db import utcnow
from tribes.moderation import auto_reasons
from tribes.moderation.astroturf import fingerprint, is_signal_worthy, normalise
from tribes.moderation.models import Report

DEFAULTS = {"ASTROTURF_DM_RECIPIENTS": 5, "ASTROTURF_DM_MINUTES": 60}
#: at most this many of the author's recent direct messages are compared (the DM rate limit
#: keeps an honest account far below it)
RECENT_LIMIT = 500


def _setting(name: str) -> int:
    if has_app_context():
        return int(current_app.config.get(name, DEFAULTS[name]))
    return DEFAULTS[name]


def check_direct_message(session: Session, message: Any) -> Report | None:
    """After a direct message is stored: if its author sent the same text to enough people
    lately, file (or refresh) the open site report about the author."""
    text = normalise(message.body or "")
    if message.author_id is None or not is_signal_worthy(text):
        return None
    fp = fingerprint(text)
    now: datetime = message.created_at or utcnow()
    minutes = _setting("ASTROTURF_DM_MINUTES")
    recent = session.execute(
        select(Message.conversation_id, Message.body).where(
            Message.author_id == message.author_id, Message.conversation_id.is_not(None),
            Message.created_at >= now - timedelta(minutes=minutes), Message.deleted_at.is_(None),
        ).order_by(Message.id.desc()).limit(RECENT_LIMIT)
    ).all()
    conversations = {c for c, body in recent if fingerprint(normalise(body or "")) == fp}
    if not conversations:
        return None
    people = session.scalar(
        select(func.count(func.distinct(ConversationMember.user_id))).where(
            ConversationMember.conversation_id.in_(conversations),
            ConversationMember.user_id != message.author_id,
        )
    ) or 0
    if people < _setting("ASTROTURF_DM_RECIPIENTS"):
        return None
    return _file(session, message.author_id, people, minutes, now)


def _file(session: Session, author_id: int, people: int, minutes: int, now: datetime) -> Report:
    """The account's open automatic report to the site admins, created or brought up to date."""
    key = f"dm:{author_id}"
    summary = auto_reasons.dm_summary(people, minutes)
    evidence = {"patterns": ["many_recipients"], "people": people, "minutes": minutes}
    report = _open(session, key)
    if report is None:
        report = Report(
            tribe_id=None, reporter_id=None, target_type="user", target_id=author_id, target_user_id=author_id,
            reason=auto_reasons.DM_MANY_RECIPIENTS, excerpt=summary, evidence=evidence, status="open",
            cluster_key=key, created_at=now, updated_at=now,
        )
        try:
            with session.begin_nested():
                session.add(report)
                session.flush()
            return report
        except IntegrityError:   # the same author's next message filed it at the same moment
            report = _open(session, key)
            if report is None:
                raise
    report.excerpt = summary
    report.evidence = evidence
    report.updated_at = now
    session.flush()
    return report


def _open(session: Session, key: str) -> Report | None:
    return session.scalar(select(Report).where(
        Report.tribe_id.is_(None), Report.cluster_key == key, Report.status == "open"))
