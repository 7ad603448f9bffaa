"""Reads as data grows (issue 16, item 6): history pages, meetup list and tribe list at 10k/100k/1M messages.

Not a test: a bounded, loopback-only measurement on a fresh PostgreSQL database.

    python bench/reads.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/h_reads_bench \
        --sizes 10000,100000,1000000 --duration 10 --connections 8 --out /tmp/reads.json

- The database is dropped, created and migrated (`tribes db upgrade`), then loaded by COPY
  (bench/reads_data.py: 2,000 users, 200 tribes, one big tribe with 60 % of the messages,
  RSVPs = 10 % of the messages, 50 per meetup), grown step by step, VACUUM ANALYZEd.
- At each step `tribes serve` (gevent, as in production, background jobs off) and
  bench/bare_json.py (the same gevent WSGI server: a history page of the app served from
  memory, and one indexed query) are started; `wrk` (1 thread, N keep-alive connections,
  the session cookie of a logged-in user) loads each endpoint for D seconds after a warm-up.
- Reported per endpoint: median and p99 latency, req/s, the ratio to the bare server's
  req/s, and the server's CPU ms per request (/proc utime+stime over the run / requests).
- Then every query behind each endpoint is EXPLAINed (ANALYZE, BUFFERS) at that size
  (bench/reads_explain.py), and a Seq Scan on a big table is flagged.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import reads_data  # noqa: E402
from bench.reads_explain import Explainer, summary  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


def recreate(url: str) -> None:
    """Drop and create the bench database, then migrate it with `tribes db upgrade`."""
    base, name = url.rsplit("/", 1)
    with psycopg.connect(base.replace("+psycopg", "") + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    env = {**os.environ, "TRIBES_DATABASE_URL": url}
    subprocess.run([str(Path(sys.executable).parent / "tribes"), "db", "upgrade"], env=env, check=True,
                   capture_output=True)


def wait_port(port: int, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    """Until something listens on the port (or the process died)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing listens on {port}")


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def to_ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


#: the User-Agent of the bench's login and of wrk: Flask-Login ties a session to the address
#: and browser it was made from ("basic" protection) and rewrites the cookie, marked not fresh,
#: on every request from another one, which no browser reusing its own cookie pays
USER_AGENT = "tribes-bench"


def wrk(url: str, cookie: str | None, duration: int, connections: int, pid: int) -> dict[str, Any]:
    """One wrk run against `url`: latency percentiles, req/s, server CPU per request."""
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "10s",
           "-H", f"User-Agent: {USER_AGENT}"]
    if cookie:
        cmd += ["-H", f"Cookie: {cookie}"]
    subprocess.run(cmd[:3] + ["-d2s"] + cmd[4:] + [url], check=True, capture_output=True)  # warm-up
    cpu = cpu_seconds(pid)
    out = subprocess.run(cmd + [url], check=True, capture_output=True, text=True).stdout
    cpu = cpu_seconds(pid) - cpu
    pct = dict(re.findall(r"^\s*(50|99)(?:\.0+)?%\s+([\d.]+[a-z]+)\s*$", out, re.M))
    if "50" not in pct or "99" not in pct:
        raise RuntimeError(f"unexpected wrk output:\n{out}")
    requests_done = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {"p50_ms": to_ms(pct["50"]), "p99_ms": to_ms(pct["99"]),
            "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
            "requests": requests_done, "cpu_ms_per_request": cpu * 1000 / max(requests_done, 1),
            "non_2xx": int(bad.group(1)) if bad else 0, "socket_errors": errors.group(1) if errors else ""}


def login(base: str, email: str) -> str:
    """A logged-in session's Cookie header."""
    http = requests.Session()
    http.headers["User-Agent"] = USER_AGENT
    r = http.post(f"{base}/api/v1/auth/login", json={"email": email, "password": reads_data.PASSWORD}, timeout=30)
    r.raise_for_status()
    return "; ".join(f"{c.name}={c.value}" for c in http.cookies)


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def measure_step(args: argparse.Namespace, lay: reads_data.Layout, tmp: str) -> dict[str, Any]:
    """Start both servers, load every endpoint, stop them."""
    env = {**os.environ, "TRIBES_DATABASE_URL": args.database_url, "TRIBES_SECRET_KEY": "bench-reads",
           "TRIBES_INSTANCE_PATH": tmp, "TRIBES_RUN_BACKGROUND_JOBS": "0", "TRIBES_LOG_LEVEL": "WARNING"}
    app = subprocess.Popen([str(Path(sys.executable).parent / "tribes"), "serve", "--port", str(args.port)], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{args.port}"
    try:
        wait_port(args.port, app)
        cookies = {"reader": login(base, "u0@bench.test"), "lapsed": login(base, "u1@bench.test")}
        slug = lay.big_slug
        page = requests.get(f"{base}/api/v1/tribes/{slug}/messages", headers={"Cookie": cookies["reader"]},
                            timeout=30).json()
        payload = Path(tmp) / "page.json"
        payload.write_text(json.dumps(page))
        bare = subprocess.Popen([sys.executable, str(ROOT / "bench" / "bare_json.py"), "--port", str(args.bare_port),
                                 "--payload", str(payload), "--database-url", args.database_url],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_port(args.bare_port, bare)
            bare_base = f"http://127.0.0.1:{args.bare_port}"
            targets = [
                ("bare /items (memory)", None, f"{bare_base}/items", bare.pid),
                ("bare /pg (1 indexed query)", None, f"{bare_base}/pg?tribe={lay.big}", bare.pid),
                ("auth no-op (GET /auth/session)", "reader", f"{base}{ENDPOINTS['auth no-op (GET /auth/session)'](lay)}",
                 app.pid),
                ("history newest", "reader", f"{base}{ENDPOINTS['history newest'](lay)}", app.pid),
                ("history deep before", "reader", f"{base}{ENDPOINTS['history deep before'](lay)}", app.pid),
                ("meetups of the tribe", "reader", f"{base}{ENDPOINTS['meetups of the tribe'](lay)}", app.pid),
                ("my tribes", "reader", f"{base}{ENDPOINTS['my tribes'](lay)}", app.pid),
                ("my tribes, all unread", "lapsed", f"{base}{ENDPOINTS['my tribes, all unread'](lay)}", app.pid),
            ]
            results = {}
            for name, who, url, pid in targets:
                results[name] = wrk(url, cookies[who] if who else None, args.duration, args.connections, pid)
                print(f"    {name}: {results[name]}", flush=True)
        finally:
            stop(bare)
    finally:
        stop(app)
    return results


ENDPOINTS = {
    "auth no-op (GET /auth/session)": lambda lay: "/api/v1/auth/session",
    "history newest": lambda lay: f"/api/v1/tribes/{lay.big_slug}/messages",
    "history deep before": lambda lay: f"/api/v1/tribes/{lay.big_slug}/messages?before={lay.deep_before}",
    "meetups of the tribe": lambda lay: f"/api/v1/tribes/{lay.big_slug}/meetups",
    "my tribes": lambda lay: "/api/v1/tribes",
    "my tribes, all unread": lambda lay: "/api/v1/tribes",
}
WHO = {"my tribes, all unread": "u1@bench.test"}
#: explained only (not loaded): a small tribe's history must use (tribe_id, id), not the primary key
EXPLAIN_ONLY = {
    "history newest, small tribe": lambda lay: f"/api/v1/tribes/{lay.slugs[lay.tribe_ids[1]]}/messages",
    "history deep before, small tribe": lambda lay: f"/api/v1/tribes/{lay.slugs[lay.tribe_ids[1]]}/messages?before=1000",
}


def table(step: dict[str, Any]) -> list[str]:
    """Markdown rows for one data size."""
    res = step["results"]
    bare = res["bare /items (memory)"]["rps"]
    bare_pg = res["bare /pg (1 indexed query)"]["rps"]
    rows = []
    for name, r in res.items():
        rows.append(f"| {step['messages']:,} | {name} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {r['rps']:.0f} | "
                    f"{r['rps'] / bare:.2f} | {r['rps'] / bare_pg:.2f} | {r['cpu_ms_per_request']:.2f} |")
    return rows


def main() -> None:
    """Load, measure, explain, step by step."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/h_reads_bench")
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--port", type=int, default=5910)
    parser.add_argument("--bare-port", type=int, default=5911)
    parser.add_argument("--out", default=None, help="JSON with every figure and every plan")
    parser.add_argument("--seed", type=int, default=16)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    from tribes.accounts.passwords import _hasher

    recreate(args.database_url)
    conn = psycopg.connect(args.database_url.replace("+psycopg", ""))
    lay = reads_data.setup(conn, _hasher(2, 19456, 1).hash(reads_data.PASSWORD), rng)
    steps = []
    explainer = Explainer(args.database_url, reads_data.PASSWORD)
    for size in (int(s) for s in args.sizes.split(",")):
        began = time.monotonic()
        reads_data.grow(conn, lay, size, rng)
        loaded = time.monotonic() - began
        with psycopg.connect(args.database_url.replace("+psycopg", ""), autocommit=True) as vac:
            vac.execute("VACUUM ANALYZE")
        print(f"== {size:,} messages, {lay.rsvps:,} RSVPs, {lay.meetups:,} meetups: loaded in {loaded:.1f} s "
              f"(+ vacuum {time.monotonic() - began - loaded:.1f} s); load average {os.getloadavg()}", flush=True)
        with tempfile.TemporaryDirectory() as tmp:
            results = measure_step(args, lay, tmp)
        explained = {**ENDPOINTS, **EXPLAIN_ONLY}
        plans = [explainer.explain(WHO.get(name, "u0@bench.test"), path(lay)) for name, path in explained.items()]
        step = {"messages": size, "rsvps": lay.rsvps, "meetups": lay.meetups, "load_seconds": loaded,
                "loadavg": os.getloadavg(), "results": results, "plans": plans}
        steps.append(step)
        print("\n".join(table(step)))
        for name, plan in zip(explained, plans, strict=True):
            print(f"  EXPLAIN {name}:")
            print("\n".join(summary(plan)))
        sys.stdout.flush()
    print("\n| messages | endpoint | median ms | p99 ms | req/s | ratio to bare | ratio to bare /pg | server CPU ms/req |")
    print("|---|---|---|---|---|---|---|---|")
    for step in steps:
        print("\n".join(table(step)))
    for bare in ("bare /pg (1 indexed query)", "bare /items (memory)"):
        ratios = [s["results"][n]["rps"] / s["results"][bare]["rps"] for s in steps for n in ENDPOINTS]
        print(f"app / {bare} req/s: median {statistics.median(ratios):.2f}, lowest {min(ratios):.2f} (target >= 0.5)")
    flagged = [(s["messages"], p["path"], f) for s in steps for p in s["plans"] for q in p["queries"] for f in q["flags"]]
    print("Seq Scans on big tables:", flagged or "none")
    if args.out:
        Path(args.out).write_text(json.dumps(steps, indent=1, default=str))


if __name__ == "__main__":
    main()
