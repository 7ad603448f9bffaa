"""What the site admins read and change: users, the outbox, the site audit log, daily counts.

The rules themselves live low (accounts.site: settings; accounts.suspension: suspend, grant)
so registration and tribe creation can ask them; this module lists and orchestrates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session

from tribes.accounts.models import SiteAuditEntry, User
from tribes.chat.models import Message
from tribes.db import utcnow
from tribes.errors import NotFound
from tribes.groups.models import Membership, Tribe
from tribes.mail.models import OutboxMail
from tribes.meetups.models import Meetup

#: how many days the stats cover (today included)
STATS_DAYS = 30
#: outbox states the admins list (sent mails are not kept for them)
MAIL_STATUSES = ("queued", "failed")


def require_site_admin(user: Any) -> User:
    """The user when they are a logged-in site admin; NotFound (hidden) for anyone else."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "site_admin", False):
        raise NotFound()
    return user


def _like(q: str) -> str:
    """A LIKE pattern matching `q` anywhere, with LIKE's wildcards taken literally."""
    escaped = q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def users_query(q: str | None) -> Select[tuple[User]]:
    """Accounts whose name or e-mail contains `q` (case-insensitive); page by (created_at, id)."""
    stmt = select(User)
    if q:
        pattern = _like(q.strip())
        stmt = stmt.where(or_(func.lower(User.display_name).like(pattern, escape="\\"),
                              User.email.like(pattern, escape="\\")))
    return stmt


def get_user(session: Session, user_id: int) -> User:
    """An account by id (site admins see every account); NotFound when there is none."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound()
    return user


def tribe_counts(session: Session, user_ids: list[int]) -> dict[int, int]:
    """How many tribes each account belongs to, in one query."""
    if not user_ids:
        return {}
    rows = session.execute(
        select(Membership.user_id, func.count()).where(Membership.user_id.in_(user_ids)).group_by(Membership.user_id)
    ).tuples()
    return dict(rows.all())


def mail_query(status: str | None) -> Select[tuple[OutboxMail]]:
    """Queued and failed mails (or one of the two); page by (created_at, id), newest first."""
    return select(OutboxMail).where(OutboxMail.status.in_([status] if status else MAIL_STATUSES))


def retry_mail(session: Session, mail_id: int) -> OutboxMail:
    """Queue a failed mail again, to be sent by the next round of the sender; NotFound otherwise."""
    mail = session.get(OutboxMail, mail_id)
    if mail is None or mail.status != "failed":
        raise NotFound()
    mail.status = "queued"
    mail.next_attempt_at = utcnow()
    mail.claimed_until = None
    session.flush()
    return mail


def audit_query() -> Select[tuple[SiteAuditEntry]]:
    """The site audit log; page by (created_at, id), newest first."""
    return select(SiteAuditEntry)


def users_by_id(session: Session, ids: set[int | None]) -> dict[int, User]:
    """Accounts by id, in one query."""
    wanted = {i for i in ids if i is not None}
    return {u.id: u for u in session.scalars(select(User).where(User.id.in_(wanted)))} if wanted else {}


@dataclass(frozen=True)
class Stats:
    """Counts per day for the last STATS_DAYS days (oldest first) and totals."""

    days: list[dict[str, Any]]
    totals: dict[str, int]
    since: date


def _day(session: Session, column: Any) -> ColumnElement[Any]:
    """The UTC calendar day of a timestamp column, as SQL (PostgreSQL and SQLite)."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD")
    return func.strftime("%Y-%m-%d", column)


def _per_day(session: Session, model: Any, since: datetime) -> dict[str, int]:
    """{"YYYY-MM-DD": rows created that day} since `since`: one GROUP BY query."""
    day = _day(session, model.created_at)
    rows = session.execute(
        select(day, func.count()).where(model.created_at >= since).group_by(day)
    ).tuples()
    return {str(d): int(n) for d, n in rows.all()}


COUNTED = {"accounts": User, "tribes": Tribe, "messages": Message, "meetups": Meetup}


def stats(session: Session, now: datetime | None = None) -> Stats:
    """New accounts, tribes, messages and meetups per UTC day for the last 30 days, and totals."""
    now = now or utcnow()
    first = (now - timedelta(days=STATS_DAYS - 1)).date()
    since = datetime(first.year, first.month, first.day, tzinfo=now.tzinfo)
    counts = {name: _per_day(session, model, since) for name, model in COUNTED.items()}
    days = []
    for offset in range(STATS_DAYS):
        key = (first + timedelta(days=offset)).isoformat()
        days.append({"date": key, **{name: counts[name].get(key, 0) for name in COUNTED}})
    totals = {name: int(session.scalar(select(func.count()).select_from(model)) or 0) for name, model in COUNTED.items()}
    return Stats(days=days, totals=totals, since=first)


def overview(session: Session) -> dict[str, int]:
    """The few numbers of the admin home: accounts, suspended, queued and failed mails."""
    return {
        "accounts": int(session.scalar(select(func.count()).select_from(User)) or 0),
        "suspended": int(session.scalar(select(func.count()).where(User.suspended_at.is_not(None))) or 0),
        "failed_mails": int(session.scalar(select(func.count()).where(OutboxMail.status == "failed")) or 0),
        "queued_mails": int(session.scalar(select(func.count()).where(OutboxMail.status == "queued")) or 0),
    }
