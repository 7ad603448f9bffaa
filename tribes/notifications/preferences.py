"""Mail preferences: per kind instant / digest / off, the digest's rhythm, and per tribe how
much mail it sends (all / mentions / none). The mail sender asks `mail_mode` before every mail.

Only what a person changed is stored; every other kind follows its default in
tribes.notifications.kinds, so a kind added later starts at its default for everyone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tribes.groups.models import Membership
from tribes.groups.policy import member_of
from tribes.notifications.kinds import BY_NAME, DEFAULT_DIGEST, KINDS, Digest, Mode
from tribes.notifications.models import NotificationSettings


@dataclass
class Settings:
    """A person's whole mail settings: a mode for every kind, and the digest's rhythm."""

    email: dict[str, Mode]
    digest: Digest


def _row(session: Session, user_id: int) -> NotificationSettings | None:
    return session.scalar(select(NotificationSettings).where(NotificationSettings.user_id == user_id))


def _merge(row: NotificationSettings | None) -> Settings:
    chosen: Mapping[str, str] = (row.email or {}) if row is not None else {}
    email: dict[str, Mode] = {}
    for kind in KINDS:
        mode = chosen.get(kind.name)
        email[kind.name] = mode if mode in ("instant", "digest", "off") else kind.default  # type: ignore[assignment]
    digest: Digest = "weekly" if row is not None and row.digest == "weekly" else DEFAULT_DIGEST
    return Settings(email=email, digest=digest)


def get_settings(session: Session, user_id: int) -> Settings:
    """The person's settings, defaults filled in (one indexed lookup)."""
    return _merge(_row(session, user_id))


def update_settings(
    session: Session, user_id: int, email: Mapping[str, Mode] | None = None, digest: Digest | None = None
) -> Settings:
    """Change any subset (kinds and modes already validated against `kinds`); returns the whole settings."""
    row = _row(session, user_id)
    if row is None:
        try:
            with session.begin_nested():  # two first saves at once: the second one reads the first
                row = NotificationSettings(user_id=user_id, email={}, digest=DEFAULT_DIGEST)
                session.add(row)
        except IntegrityError:
            row = _row(session, user_id)
            assert row is not None
    if email:
        merged = dict(row.email or {})
        merged.update({k: v for k, v in email.items() if k in BY_NAME})
        row.email = merged  # a new dict, so the JSON column is seen as changed
    if digest is not None:
        row.digest = digest
    session.flush()
    return _merge(row)


def mail_mode(session: Session, user_id: int, kind: str, tribe_id: int | None = None) -> Mode:
    """How a notification of `kind` reaches the person by mail: "instant", "digest" or "off".

    Their choice for the kind (or its default), then, for a mail from a tribe, that tribe's
    volume: "none" silences it, "mentions" lets only what is about them personally through
    (a mention, their own meet-up, their seat). A tribe they are not in (an invite to it)
    has no say.
    A kind the server does not know is "off".
    """
    spec = BY_NAME.get(kind)
    if spec is None:
        return "off"
    mode = get_settings(session, user_id).email[kind]
    if mode == "off" or tribe_id is None:
        return mode
    volume = session.scalar(
        select(Membership.email).where(member_of(tribe_id, user_id))
    )
    if volume == "none":
        return "off"
    if volume == "mentions" and not spec.personal:
        return "off"
    return mode


def with_volume(spec_personal: bool, mode: Mode, volume: str | None) -> Mode:
    """A kind's mode after a tribe's volume: "none" silences it, "mentions" keeps only personal kinds."""
    if mode == "off" or volume is None:
        return mode
    if volume == "none" or (volume == "mentions" and not spec_personal):
        return "off"
    return mode


#: (user id, kind, tribe id or None)
Wanted = tuple[int, str, int | None]


def settings_of(session: Session, user_ids: Iterable[int]) -> dict[int, Settings]:
    """Several people's settings, defaults filled in, in one query."""
    ids = set(user_ids)
    rows = {row.user_id: row for row in session.scalars(
        select(NotificationSettings).where(NotificationSettings.user_id.in_(ids))
    )} if ids else {}
    return {uid: _merge(rows.get(uid)) for uid in ids}


def volumes_of(session: Session, pairs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], str]:
    """The mail volume of each (user id, tribe id) membership, in one query (missing: not a member)."""
    pairs = set(pairs)
    if not pairs:
        return {}
    users, tribes = {u for u, _t in pairs}, {t for _u, t in pairs}
    return {(u, t): v for u, t, v in session.execute(
        select(Membership.user_id, Membership.tribe_id, Membership.email)
        .where(Membership.user_id.in_(users), Membership.tribe_id.in_(tribes))
    ).tuples() if (u, t) in pairs}


def mail_modes(session: Session, wanted: Iterable[Wanted]) -> dict[Wanted, Mode]:
    """`mail_mode` for many (user, kind, tribe) at once: two queries in all."""
    wanted = set(wanted)
    settings = settings_of(session, {u for u, _k, _t in wanted})
    volumes = volumes_of(session, {(u, t) for u, _k, t in wanted if t is not None})
    modes: dict[Wanted, Mode] = {}
    for key in wanted:
        user_id, kind, tribe_id = key
        spec = BY_NAME.get(kind)
        if spec is None:
            modes[key] = "off"
            continue
        volume = volumes.get((user_id, tribe_id)) if tribe_id is not None else None
        modes[key] = with_volume(spec.personal, settings[user_id].email[kind], volume)
    return modes


def delete_settings(session: Session, user_id: int) -> None:
    """Forget the person's settings (account deletion)."""
    session.execute(delete(NotificationSettings).where(NotificationSettings.user_id == user_id))
