"""Bulk data for bench/reads.py: users, tribes, memberships, messages, meetups, RSVPs by COPY.

Not the API: rows are written with psycopg's COPY, so 1,000,000 messages load in about a
minute. The layout (see `Layout`): 2,000 users, 200 tribes, one "big" tribe with most of
the messages and a share of the meetups; every user in a few tribes; two bench users:
"reader" (member of 40 tribes including the big one, read markers a little behind the
newest message) and "lapsed" (the same tribes, never opened any: every message unread).
`grow` adds messages, meetups and RSVPs up to the next step; ids continue, times move on.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg

USERS = 2000
TRIBES = 200
BIG_SHARE = 0.6          # of the messages, in the big tribe
BIG_MEETUP_SHARE = 0.3   # of the meetups, in the big tribe
RSVPS_PER_MESSAGE = 0.1  # 1M messages -> 100k RSVPs
RSVPS_PER_MEETUP = 50
BENCH_TRIBES = 40        # tribes the two bench users belong to
UNREAD = 200             # the reader's markers: this many messages behind in each tribe
PASSWORD = "bench reads passphrase long enough"

WORDS = ("the meetup next week is at the usual place and I will bring the slides about our "
         "project plan for the quarter anyone who wants to join the call please say so here "
         "thanks for sharing the article it was really helpful for the team").split()


@dataclass
class Layout:
    """What was loaded so far, and the ids the bench needs."""

    user_ids: list[int] = field(default_factory=list)
    tribe_ids: list[int] = field(default_factory=list)
    slugs: dict[int, str] = field(default_factory=dict)
    big: int = 0
    reader: int = 0
    lapsed: int = 0
    messages: int = 0
    rsvps: int = 0
    meetups: int = 0
    deep_before: int = 0   # a message id near the oldest of the big tribe

    @property
    def big_slug(self) -> str:
        return self.slugs[self.big]


def rid() -> int:
    """A random id like tribes.db.random_id."""
    return secrets.randbelow(2**53 - 2) + 1


def _copy(conn: psycopg.Connection[Any], table: str, columns: str, rows: Any) -> None:
    with conn.cursor() as cur, cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def setup(conn: psycopg.Connection[Any], password_hash: str, rng: random.Random) -> Layout:
    """Users, tribes and memberships (fixed for every step)."""
    lay = Layout()
    now = datetime.now(UTC)
    lay.user_ids = [rid() for _ in range(USERS)]
    lay.reader, lay.lapsed = lay.user_ids[0], lay.user_ids[1]
    _copy(conn, "users", "id, email, password_hash, display_name, bio, profile_visibility, timezone, "
          "created_at, locale, email_verified", (
              (uid, f"u{n}@bench.test", password_hash, f"Bench Person {n}", "", "tribes", "Europe/Berlin",
               now - timedelta(days=400, minutes=n), "en", True) for n, uid in enumerate(lay.user_ids)))
    lay.tribe_ids = [rid() for _ in range(TRIBES)]
    lay.big = lay.tribe_ids[0]
    lay.slugs = {t: f"bench-tribe-{n}" for n, t in enumerate(lay.tribe_ids)}
    members: dict[int, set[int]] = {t: set() for t in lay.tribe_ids}
    members[lay.big].update(lay.user_ids[:600])
    for uid in lay.user_ids:
        members[rng.choice(lay.tribe_ids)].add(uid)
        for t in rng.sample(lay.tribe_ids, 4):
            members[t].add(uid)
    for t in [lay.big, *lay.tribe_ids[1:BENCH_TRIBES]]:
        members[t].update((lay.reader, lay.lapsed))
    _copy(conn, "tribes", "id, slug, name, description, visibility, invite_policy, max_guests, "
          "new_member_hours, member_count, created_by_id, created_at", (
              (t, lay.slugs[t], f"Bench tribe {n}", "A tribe of the reads benchmark", "secret", "admins", 0, 24,
               len(members[t]), lay.user_ids[n], now - timedelta(days=365, minutes=n))
              for n, t in enumerate(lay.tribe_ids)))
    rows = []
    for t, people in members.items():
        for k, uid in enumerate(sorted(people)):
            role = "owner" if k == 0 else "member"
            rows.append((rid(), t, uid, role, now - timedelta(days=300, minutes=len(rows)), "all"))
    _copy(conn, "memberships", "id, tribe_id, user_id, role, joined_at, email", rows)
    conn.commit()
    return lay


def _body(rng: random.Random) -> str:
    return " ".join(rng.choices(WORDS, k=rng.randint(6, 30)))


def grow(conn: psycopg.Connection[Any], lay: Layout, messages: int, rng: random.Random) -> None:
    """Add messages, meetups and RSVPs up to `messages` (and its share of RSVPs)."""
    start = lay.messages + 1
    now = datetime.now(UTC)
    others = lay.tribe_ids[1:]
    # message i was posted at now - (total - i) * 2 s: ids and times grow together
    first_time = now - timedelta(seconds=2 * (messages - start + 1))

    def message_rows() -> Any:
        for i in range(start, messages + 1):
            tribe = lay.big if rng.random() < BIG_SHARE else rng.choice(others)
            deleted = rng.random() < 0.01
            when = first_time + timedelta(seconds=2 * (i - start))
            yield (i, tribe, rng.choice(lay.user_ids), "" if deleted else _body(rng), f"b{i}", when,
                   when if deleted else None)

    _copy(conn, "messages", "id, tribe_id, author_id, body, client_id, created_at, deleted_at", message_rows())
    lay.messages = messages
    with conn.cursor() as cur:
        cur.execute("SELECT setval(pg_get_serial_sequence('messages', 'id'), %s)", (messages,))
        if not lay.deep_before:
            cur.execute("SELECT id FROM messages WHERE tribe_id = %s ORDER BY id OFFSET 100 LIMIT 1", (lay.big,))
            lay.deep_before = cur.fetchone()[0]  # type: ignore[index]
    _grow_meetups(conn, lay, int(messages * RSVPS_PER_MESSAGE), rng, now)
    _markers(conn, lay)
    conn.commit()


def _grow_meetups(conn: psycopg.Connection[Any], lay: Layout, rsvps: int, rng: random.Random, now: datetime) -> None:
    """Meetups of RSVPS_PER_MEETUP answers each until `rsvps`: half past, half in the next 90 days."""
    count = (rsvps - lay.rsvps) // RSVPS_PER_MEETUP
    meetups, answers = [], []
    for n in range(count):
        mid = rid()
        tribe = lay.big if rng.random() < BIG_MEETUP_SHARE else rng.choice(lay.tribe_ids[1:])
        starts = now + timedelta(hours=rng.randint(-90 * 24, 90 * 24))
        people = rng.sample(lay.user_ids[2:], RSVPS_PER_MEETUP)
        if tribe == lay.big and rng.random() < 0.5:
            people[0] = lay.reader
        going = 0
        for k, uid in enumerate(people):
            status = ("going", "going", "maybe", "not_going", "waitlisted")[k % 5]
            going += status == "going"
            answers.append((rid(), mid, uid, status, 0, now - timedelta(minutes=k) if status == "waitlisted" else None,
                            now, now))
        meetups.append((mid, tribe, people[1], f"Bench meetup {lay.meetups + n}", "Talks and a drink.", starts,
                        starts + timedelta(hours=2), "Europe/Berlin", "Somewhere 1, Berlin", None, None, 0, "members",
                        "scheduled", "", 0, going, f"{mid}@bench.test", now, now))
    _copy(conn, "meetups", "id, tribe_id, created_by_id, title, description, starts_at, ends_at, timezone, "
          "location, online_url, capacity, max_guests, attendee_visibility, status, cancel_reason, sequence, "
          "going_count, uid, created_at, updated_at", meetups)
    _copy(conn, "rsvps", "id, meetup_id, user_id, status, guests, waitlisted_at, created_at, updated_at", answers)
    lay.meetups += count
    lay.rsvps += len(answers)


def _markers(conn: psycopg.Connection[Any], lay: Layout) -> None:
    """The reader is UNREAD messages behind in each tribe; the lapsed user never read anything."""
    with conn.cursor() as cur:
        cur.execute(
            """UPDATE memberships m SET last_read_message_id = (
                   SELECT id FROM messages WHERE tribe_id = m.tribe_id ORDER BY id DESC OFFSET %s LIMIT 1)
               WHERE m.user_id = %s""", (UNREAD, lay.reader))
        cur.execute("UPDATE memberships SET last_read_message_id = NULL WHERE user_id = %s", (lay.lapsed,))
