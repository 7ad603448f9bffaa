"""Outbox throughput against a local aiosmtpd, not a test.

    python bench/mail_outbox.py --mails 10000 --runs 3 \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/h_mailops_bench [--sqlite] \
        [--compare-tree /tmp/tribes-before]

For each database (a fresh SQLite file with --sqlite, a freshly created PostgreSQL database
with --database-url; both may be given), the schema is migrated and N mails are queued with
`tribes.mail.outbox.queue` (text + HTML, like a notification mail), held back. Then, per run,
every mail is reset to `queued`, one or two `tribes worker` subprocesses are started, and once
they are up the mails are released (t0). The SMTP server — aiosmtpd in its own process —
accepts every mail and records its Message-ID and the time it arrived; a run ends when all N
arrived (or after DEADLINE seconds). Reported: mails/s = mails arrived / (last arrival - t0),
median of the runs, and each run's duplicates (must be 0) and missing mails (0 unless the run
was cut short by the deadline: then "NOT ALL MARKED SENT" is printed too).

Baseline in the same run: raw smtplib sends the same N prebuilt messages over ONE connection
to the same server. With --compare-tree DIR the workers are also run from another source tree
(e.g. `git archive main | tar -x -C DIR`), to measure a change before/after in the same run.

Machine noise: this is a shared 2-core machine; the workers, the database and the SMTP server
compete for the same cores. Compare figures from one run only.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import secrets
import smtplib
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

#: seconds a run may take; a run cut short reports the rate of what arrived, and `missing`
DEADLINE = 600
MESSAGE_ID = re.compile(rb"^Message-ID: (<[^>\r\n]+>)", re.MULTILINE | re.IGNORECASE)


# ---------------------------------------------------------------- the SMTP server process


class CountingHandler:
    """aiosmtpd handler: accepts every mail, counts Message-IDs and arrival times."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        """Forget every mail."""
        self.seen: dict[bytes, int] = {}
        self.received = 0
        self.first = self.last = 0.0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        """Count one accepted mail."""
        found = MESSAGE_ID.search(envelope.original_content or envelope.content)
        key = found.group(1) if found else b"?"
        now = time.time()
        with self.lock:
            self.seen[key] = self.seen.get(key, 0) + 1
            self.received += 1
            self.first = self.first or now
            self.last = now
        return "250 OK"

    def stats(self) -> dict[str, Any]:
        """What arrived since the last reset."""
        with self.lock:
            return {"received": self.received, "unique": len(self.seen),
                    "duplicates": sum(n - 1 for n in self.seen.values()), "first": self.first, "last": self.last}


def smtp_process(port: int, conn: Connection) -> None:
    """Run aiosmtpd on `port`; answer `reset` and `stats` commands on `conn` until `stop`."""
    from aiosmtpd.controller import Controller

    handler = CountingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=port, data_size_limit=0)
    controller.start()
    conn.send("ready")
    while (command := conn.recv()) != "stop":
        if command == "reset":
            handler.reset()
            conn.send("ok")
        else:
            conn.send(handler.stats())
    controller.stop()


class Smtp:
    """The counting SMTP server in its own process."""

    def __init__(self) -> None:
        from tests.live_server import free_port

        self.port = free_port()
        self.conn, child = multiprocessing.Pipe()
        self.process = multiprocessing.Process(target=smtp_process, args=(self.port, child), daemon=True)
        self.process.start()
        assert self.conn.recv() == "ready"

    def call(self, command: str) -> Any:
        """Send a command, return its answer."""
        self.conn.send(command)
        return self.conn.recv()

    def stop(self) -> None:
        """End the server process."""
        self.conn.send("stop")
        self.process.join(10)


# ---------------------------------------------------------------- the database


def fresh_database(url: str | None, directory: str) -> str:
    """A new, migrated database: a SQLite file, or the PostgreSQL database of `url` (re)created."""
    from tests.live_server import _admin_conninfo
    from tribes.cli import upgrade_database

    if url is None:
        url = f"sqlite:///{directory}/bench.db"
    else:
        import psycopg

        admin, name = _admin_conninfo(url)
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    upgrade_database(url)
    return url


def queue_held(url: str, count: int, directory: str) -> list[bytes]:
    """Queue `count` mails (held back for a year); returns their bytes as the sender sends them."""
    from sqlalchemy import select, update

    from tribes import create_app
    from tribes.db import utcnow
    from tribes.extensions import db
    from tribes.mail.models import OutboxMail
    from tribes.mail.outbox import queue

    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": directory, "SECRET_KEY": "bench",
                      "RUN_BACKGROUND_JOBS": False, "REDIS_URL": None, "MAIL_FROM": "Tribes <bench@bench.test>"})
    paragraph = "Someone in your tribe wrote to you. Open Tribes to read and answer it. " * 4
    with app.app_context():
        for i in range(count):
            queue(db.session, to=f"person{i}@bench.test", subject=f"Bench mail {i}",
                  text=f"Hello person {i},\n\n{paragraph}\n\nYour Tribes team\n",
                  html=f"<p>Hello person {i},</p><p>{paragraph}</p><p>Your Tribes team</p>", kind="bench")
            if i % 500 == 499:
                db.session.commit()
        db.session.execute(update(OutboxMail).values(next_attempt_at=utcnow() + timedelta(days=365)))
        db.session.commit()
        raw = [m.encode("ascii") for m in db.session.scalars(
            select(OutboxMail.message).order_by(OutboxMail.created_at, OutboxMail.id))]
        db.remove()
    db.engine.dispose()
    return raw


def execute(url: str, sql: str, autocommit: bool = False) -> Any:
    """Run one statement on a short-lived engine; returns its first value (or None)."""
    from sqlalchemy import text

    from tribes.db import make_engine

    engine = make_engine(url, **({"isolation_level": "AUTOCOMMIT"} if autocommit else {}))
    try:
        with engine.begin() as conn:
            result = conn.execute(text(sql))
            return result.scalar() if result.returns_rows else None
    finally:
        engine.dispose()


# ---------------------------------------------------------------- one measurement


def start_workers(n: int, url: str, smtp: Smtp, tree: Path | None, directory: str) -> list[subprocess.Popen[bytes]]:
    """`n` `tribes worker` processes (from `tree` when given), started and announced."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRIBES_")}
    env.update(TRIBES_DATABASE_URL=url, TRIBES_SMTP_URL=f"smtp://127.0.0.1:{smtp.port}",
               TRIBES_MAIL_POLL_SECONDS="0.1", TRIBES_SECRET_KEY=secrets.token_hex(16),
               TRIBES_INSTANCE_PATH=directory, TRIBES_MAIL_FROM="Tribes <bench@bench.test>")
    if tree is not None:
        env["PYTHONPATH"] = str(tree)
    command = [sys.executable, "-m", "tribes.cli", "worker"]
    processes = []
    for i in range(n):
        log = open(Path(directory) / f"worker{i}.log", "wb")  # noqa: SIM115 - closed with the process
        processes.append(subprocess.Popen(command, env=env, cwd=tree or ROOT, stdout=log, stderr=subprocess.STDOUT))
    deadline = time.monotonic() + 60
    for i, process in enumerate(processes):
        while b"Tribes worker" not in (Path(directory) / f"worker{i}.log").read_bytes():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((Path(directory) / f"worker{i}.log").read_text())
            time.sleep(0.05)
    return processes


def run_workers(n: int, url: str, smtp: Smtp, count: int, tree: Path | None, directory: str) -> dict[str, Any]:
    """One run: reset every mail, start `n` workers, release the mails, wait for all of them."""
    is_pg = url.startswith("postgresql")
    execute(url, "UPDATE outbox_mails SET status = 'queued', attempts = 0, sent_at = NULL, claimed_until = NULL, "
                 "last_error = NULL, next_attempt_at = '2100-01-01 00:00:00'")
    if is_pg:
        execute(url, "VACUUM ANALYZE outbox_mails", autocommit=True)
    smtp.call("reset")
    workers = start_workers(n, url, smtp, tree, directory)
    try:
        time.sleep(0.3)  # let every worker make its first (empty) pass
        t0 = time.time()
        execute(url, "UPDATE outbox_mails SET next_attempt_at = '2000-01-01 00:00:00'")
        deadline = time.monotonic() + DEADLINE
        while (stats := smtp.call("stats"))["received"] < count and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)  # a late duplicate would arrive now
        stats = smtp.call("stats")
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(10)
    sent = execute(url, "SELECT count(*) FROM outbox_mails WHERE status = 'sent'")
    return {"rate": stats["unique"] / (stats["last"] - t0), "lag": stats["first"] - t0, "duplicates": stats["duplicates"],
            "missing": count - stats["unique"], "marked_sent": sent}


def baseline(smtp: Smtp, raw: list[bytes]) -> float:
    """Raw smtplib: the same messages over one connection; mails per second."""
    smtp.call("reset")
    t0 = time.time()
    with smtplib.SMTP("127.0.0.1", smtp.port) as client:
        for i, message in enumerate(raw):
            client.sendmail("bench@bench.test", [f"person{i}@bench.test"], message)
    stats = smtp.call("stats")
    assert stats["unique"] == len(raw) and stats["duplicates"] == 0, stats
    return len(raw) / (stats["last"] - t0)


def report(label: str, results: list[dict[str, Any]]) -> float:
    """Print one configuration's runs and median; returns the median rate."""
    median = statistics.median(r["rate"] for r in results)
    runs = ", ".join(f"{r['rate']:.0f}" for r in results)
    problems = [r for r in results if r["duplicates"] or r["missing"] or r["marked_sent"] != r.get("count")]
    print(f"{label:<42} median {median:7.1f} mails/s   runs: {runs}   "
          f"first mail after {statistics.median(r['lag'] for r in results) * 1000:.0f} ms   "
          f"duplicates {sum(r['duplicates'] for r in results)}   missing {sum(r['missing'] for r in results)}"
          + ("" if not problems else "   NOT ALL MARKED SENT"), flush=True)
    return median


def main() -> None:
    """Measure."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mails", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database-url", help="PostgreSQL URL of a scratch database (dropped and recreated)")
    parser.add_argument("--sqlite", action="store_true", help="also measure on a fresh SQLite file")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--compare-tree", type=Path, help="also run the workers from this source tree")
    args = parser.parse_args()
    databases = ([None] if args.sqlite or not args.database_url else []) + (
        [args.database_url] if args.database_url else [])
    trees: list[tuple[str, Path | None]] = [("this tree", None)]
    if args.compare_tree:
        trees.insert(0, (f"tree {args.compare_tree}", args.compare_tree.resolve()))
    smtp = Smtp()
    try:
        for database in databases:
            with tempfile.TemporaryDirectory(prefix="tribes-mailbench-") as directory:
                url = fresh_database(database, directory)
                kind = url.split(":")[0].split("+")[0]
                raw = queue_held(url, args.mails, directory)
                print(f"== {kind}: {args.mails} mails queued", flush=True)
                rates = [baseline(smtp, raw) for _ in range(args.runs)]
                base = statistics.median(rates)
                print(f"{'raw smtplib, one connection':<42} median {base:7.1f} mails/s   runs: "
                      + ", ".join(f"{r:.0f}" for r in rates), flush=True)
                for label, tree in trees:
                    for n in (int(w) for w in args.workers.split(",")):
                        results = []
                        for _ in range(args.runs):
                            result = run_workers(n, url, smtp, args.mails, tree, directory)
                            result["count"] = args.mails
                            results.append(result)
                        median = report(f"{kind}, {n} worker(s), {label}", results)
                        print(f"{'':<42} = {median / base:.2f} x raw smtplib", flush=True)
    finally:
        smtp.stop()


if __name__ == "__main__":
    main()
