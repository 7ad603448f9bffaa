"""Chat load benchmark (not a test): the app against a bare Flask-SocketIO server.

    python bench/chat_load.py --clients 500 --tribes 25 --rates 200,400 --duration 20

For the app it starts `tribes serve` (fresh database: SQLite, or PostgreSQL with
--database-url postgresql+psycopg://...; --redis-url adds the Redis queue and limiter
storage), logs N users in over HTTP and joins them to T tribes by invite. For the
baseline it starts bench/bare_server.py (same events, no auth, no database, same async
mode). Then, for each rate R, load-generator processes (gevent, python-socketio
clients over WebSocket) hold every client connected and joined, send R messages/s in
total from random members (open loop), and every client records what it receives.
Reported per run: delivered/expected, lost, duplicated, out of order, p50/p99 delivery
latency (send → receipt at each member), deliveries/s and the send rate reached.
Loopback only, bounded runs.
"""

from __future__ import annotations

import sys

if "--worker" in sys.argv:  # a load-generator process: gevent, patched before anything else
    from gevent import monkey

    monkey.patch_all()

import argparse
import json
import os
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "correct horse battery staple"


# ------------------------------------------------------------------ setup over HTTP


def setup_app_users(base: str, clients: int, tribes: int, conversations: int = 0) -> list[dict[str, Any]]:
    """Register and log in N users, create T tribes and join each user to one; their cookies
    and rooms (their tribe; or, with `conversations`, their conversations of 2)."""
    import secrets

    import requests

    run = secrets.token_hex(4)

    def login(i: int) -> dict[str, Any]:
        s = requests.Session()
        email = f"bench{i}-{run}@example.test"
        r = s.post(f"{base}/api/v1/auth/register",
                   json={"email": email, "password": PASSWORD, "display_name": f"Bench {i}"})
        assert r.status_code == 201, r.text
        r = s.post(f"{base}/api/v1/auth/login", json={"email": email, "password": PASSWORD})
        assert r.status_code == 200, r.text
        return {"i": i, "http": s, "csrf": r.json()["csrf_token"], "user_id": r.json()["user"]["id"]}

    with ThreadPoolExecutor(8) as pool:
        users = list(pool.map(login, range(clients)))
    groups: list[list[dict[str, Any]]] = [users[t::tribes] for t in range(tribes)]

    def make_tribe(t: int) -> None:
        owner, members = groups[t][0], groups[t][1:]
        h = {"X-CSRF-Token": owner["csrf"]}
        r = owner["http"].post(f"{base}/api/v1/tribes", json={"name": f"Bench tribe {t}"}, headers=h)
        assert r.status_code == 201, r.text
        slug = r.json()["slug"]
        owner["tribe"] = slug
        if members:
            r = owner["http"].post(f"{base}/api/v1/tribes/{slug}/invites",
                                   json={"max_uses": len(members)}, headers=h)
            assert r.status_code == 201, r.text
            token = r.json()["token"]
            for m in members:
                a = m["http"].post(f"{base}/api/v1/invites/{token}/accept",
                                   headers={"X-CSRF-Token": m["csrf"]})
                assert a.status_code == 200, a.text
                m["tribe"] = slug

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(make_tribe, range(tribes)))
    for u in users:
        u["rooms"] = [{"tribe": u["tribe"]}]
    if conversations:
        setup_conversations(base, users, tribes, conversations)
    return [
        {"i": u["i"], "rooms": u["rooms"],
         "cookie": "; ".join(f"{k}={v}" for k, v in u["http"].cookies.items())}
        for u in users
    ]


def setup_conversations(base: str, users: list[dict[str, Any]], tribes: int, count: int) -> None:
    """`count` conversations of 2 between co-members (user i and user i + k*tribes share a
    tribe): a message request, accepted by the other; each user's rooms become their conversations."""
    n = len(users)
    pairs = [(i, (i + tribes * (1 + k // n)) % n) for k, i in ((k, k % n) for k in range(count))]
    for u in users:
        u["rooms"] = []

    def make(pair: tuple[int, int]) -> None:
        a, b = users[pair[0]], users[pair[1]]
        r = a["http"].post(f"{base}/api/v1/conversations", json={"user_ids": [b["user_id"]]},
                           headers={"X-CSRF-Token": a["csrf"]})
        assert r.status_code == 201, r.text
        cid = r.json()["id"]
        r = b["http"].post(f"{base}/api/v1/conversations/{cid}/accept", headers={"X-CSRF-Token": b["csrf"]})
        assert r.status_code == 200, r.text
        a["rooms"].append({"conversation": cid})
        b["rooms"].append({"conversation": cid})

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(make, pairs))


def bare_users(clients: int, tribes: int) -> list[dict[str, Any]]:
    """The same tribe layout for the bare server (no accounts)."""
    return [{"i": i, "rooms": [{"tribe": f"bench-tribe-{i % tribes}"}], "cookie": ""} for i in range(clients)]


# ------------------------------------------------------------------ load generator process


def worker() -> None:
    """One load-generator process (`--worker`): config as JSON on stdin, results on stdout.

    Connects its clients, prints READY, sends at `rate` from `start_at` for `duration`,
    drains, then prints one JSON line with what was sent and received.
    """
    config = json.loads(sys.stdin.readline())
    base, users, rate = config["base"], config["users"], config["rate"]
    duration, start_at, wid = config["duration"], config["start_at"], config["wid"]
    run = f"r{int(start_at)}"  # tokens unique per run: late deliveries of a run never count for the next
    import random

    import gevent
    import socketio

    received: dict[str, list[float]] = {}   # token -> receipt times (one per receiving socket)
    order_errors = 0
    sent: list[tuple[str, str, float]] = []
    acks = {"ok": 0, "failed": 0}
    clients: list[tuple[Any, dict[str, Any]]] = []

    def attach(user: dict[str, Any]) -> None:
        nonlocal order_errors
        client = socketio.Client(reconnection=False)
        last: dict[Any, int] = {}  # per room: ids must increase

        @client.on("message")
        def on_message(m: dict[str, Any]) -> None:
            nonlocal order_errors
            now = time.time()
            room = m.get("tribe") or m.get("conversation")
            if m["id"] <= last.get(room, 0):
                order_errors += 1
            last[room] = m["id"]
            token = m["client_id"]
            received.setdefault(token, []).append(now)

        headers = {"Cookie": user["cookie"]} if user["cookie"] else {}
        client.connect(base, transports=["websocket"], headers=headers, wait_timeout=30)
        for room in user["rooms"]:
            if "tribe" in room:  # a conversation's events reach the personal room without a join
                ack = client.call("join", room, timeout=30)
                assert ack and ack.get("ok"), ack
        clients.append((client, user))

    jobs = [gevent.spawn(attach, u) for u in users]
    gevent.joinall(jobs, raise_error=True)
    clients = [c for c in clients if c[1]["rooms"]]  # people in no room do not send
    print("READY", flush=True)
    gevent.sleep(max(0.0, start_at - time.time()))
    interval = 1.0 / rate if rate else 0
    n = int(rate * duration)
    t0 = time.time()

    def on_ack(*args: Any) -> None:
        ok = bool(args and isinstance(args[0], dict) and args[0].get("ok"))
        acks["ok" if ok else "failed"] += 1

    for k in range(n):
        target = t0 + k * interval
        delay = target - time.time()
        if delay > 0:
            gevent.sleep(delay)
        client, user = random.choice(clients)
        room = random.choice(user["rooms"])
        token = f"{run}-w{wid}-{k}"
        sent.append((token, json.dumps(room, sort_keys=True), time.time()))
        try:
            client.emit("send", {**room, "body": f"load {token}", "client_id": token}, callback=on_ack)
        except Exception:
            acks["failed"] += 1
    send_seconds = time.time() - t0
    gevent.sleep(6.0)  # drain
    for client, _u in clients:
        try:
            client.disconnect()
        except Exception:
            pass
    print(json.dumps({"wid": wid, "sent": sent, "send_seconds": send_seconds, "received": received,
                      "order_errors": order_errors, "acks": acks}), flush=True)


# ------------------------------------------------------------------ one measured run


#: seconds the load generators get to connect their clients (`--start-delay`; more on a busy machine)
START_DELAY = 15.0


def run_load(base: str, users: list[dict[str, Any]], rate: float, duration: float, procs: int) -> dict[str, Any]:
    """Drive one run and aggregate what every worker saw."""
    slices = [users[w::procs] for w in range(procs)]
    # every worker connects and joins its clients, then all start sending at start_at
    start_at = time.time() + START_DELAY + len(users) / 40
    workers = []
    for w, part in enumerate(slices):
        p = subprocess.Popen([sys.executable, __file__, "--worker"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
        config = {"base": base, "users": part, "rate": rate / procs, "duration": duration,
                  "start_at": start_at, "wid": w}
        assert p.stdin is not None
        p.stdin.write(json.dumps(config) + "\n")
        p.stdin.flush()
        workers.append(p)
    for p in workers:
        assert p.stdout is not None
        line = p.stdout.readline()
        if line.strip() != "READY":
            raise RuntimeError(f"load generator failed to connect its clients: {line!r}")
    if time.time() > start_at:
        raise RuntimeError("clients took too long to connect; raise the start delay")
    results: dict[int, dict[str, Any]] = {}
    for p in workers:
        assert p.stdout is not None
        item = json.loads(p.stdout.readline())
        results[item["wid"]] = item
        p.wait(timeout=60)
    tribe_size: dict[str, int] = {}  # room (as JSON) -> members
    for u in users:
        for room in u["rooms"]:
            key = json.dumps(room, sort_keys=True)
            tribe_size[key] = tribe_size.get(key, 0) + 1
    sent = [s for r in results.values() for s in r["sent"]]
    sent_at = {token: t for token, _tribe, t in sent}
    expected = sum(tribe_size[tribe] for _t, tribe, _s in sent)
    latencies: list[float] = []
    delivered = duplicated = 0
    receipts: dict[str, list[float]] = {}
    for r in results.values():
        for token, times in r["received"].items():
            receipts.setdefault(token, []).extend(times)
    for token, _tribe, _t in sent:
        times = receipts.get(token, [])
        size = tribe_size[_tribe]
        delivered += min(len(times), size)
        duplicated += max(0, len(times) - size)
        latencies.extend(t - sent_at[token] for t in times)
    latencies.sort()

    def pct(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000 if latencies else float("nan")

    send_seconds = max(r["send_seconds"] for r in results.values())
    return {
        "rate_target": rate,
        "rate_sent": round(len(sent) / send_seconds, 1) if send_seconds else 0,
        "messages": len(sent),
        "expected": expected,
        "delivered": delivered,
        "lost": expected - delivered,
        "duplicated": duplicated,
        "out_of_order": sum(r["order_errors"] for r in results.values()),
        "acks_ok": sum(r["acks"]["ok"] for r in results.values()),
        "acks_failed": sum(r["acks"]["failed"] for r in results.values()),
        "p50_ms": round(pct(0.50), 1),
        "p99_ms": round(pct(0.99), 1),
        "deliveries_per_s": round(delivered / duration, 1),
    }


# ------------------------------------------------------------------ servers


def start_bare(port: int, async_mode: str) -> subprocess.Popen[bytes]:
    """Start bench/bare_server.py and wait for it."""
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "bare_server.py"), "--port", str(port), "--async-mode", async_mode],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    wait_http(f"http://127.0.0.1:{port}/socket.io/?EIO=4&transport=polling")
    return proc


def wait_http(url: str, timeout: float = 60) -> None:
    """Poll a URL until it answers."""
    import requests

    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            requests.get(url, timeout=2)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


def main() -> None:
    """Parse arguments, run the app and the bare server at each rate, print a JSON report."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--tribes", type=int, default=25)
    parser.add_argument("--rates", default="200,400", help="messages per second, comma-separated")
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--procs", type=int, default=2, help="load-generator processes")
    parser.add_argument("--target", choices=["both", "app", "bare"], default="both")
    parser.add_argument("--async-mode", choices=["gevent", "threading"], default="gevent")
    parser.add_argument("--database-url", default=None, help="PostgreSQL base URL (a fresh database is created)")
    parser.add_argument("--redis-url", default=None)
    parser.add_argument("--out", default=None, help="also write the JSON report here")
    parser.add_argument("--conversations", type=int, default=0,
                        help="app only: also run the rates over this many direct-message conversations of 2")
    parser.add_argument("--start-delay", type=float, default=15.0,
                        help="seconds (plus 1 per 40 clients) for the clients to connect before sending")
    args = parser.parse_args()
    global START_DELAY
    START_DELAY = args.start_delay
    rates = [float(r) for r in args.rates.split(",")]
    report: dict[str, Any] = {"args": vars(args), "runs": []}

    if args.target in ("both", "bare"):
        from tests.live_server import free_port

        port = free_port()
        proc = start_bare(port, args.async_mode)
        try:
            users = bare_users(args.clients, args.tribes)
            for rate in rates:
                result = run_load(f"http://127.0.0.1:{port}", users, rate, args.duration, args.procs)
                report["runs"].append({"server": "bare", **result})
                print(json.dumps(report["runs"][-1]), flush=True)
        finally:
            proc.terminate()
            proc.wait(timeout=20)

    if args.target in ("both", "app"):
        from tests.live_server import LiveDatabase, LiveServer

        database = LiveDatabase(base_url=args.database_url or "")
        url = database.create()
        env = {"TRIBES_ASYNC_MODE": args.async_mode, "TRIBES_SOCKETIO_CHANNEL": f"tribes-bench-{os.getpid()}"}
        server = LiveServer(database_url=url, redis_url=args.redis_url, env=env, startup_timeout=120)
        server.start()
        try:
            t = time.time()
            users = setup_app_users(server.url, args.clients, args.tribes)
            report["app_setup_seconds"] = round(time.time() - t, 1)
            for rate in rates:
                result = run_load(server.url, users, rate, args.duration, args.procs)
                report["runs"].append({"server": "app", "database": url.split(":")[0], **result})
                print(json.dumps(report["runs"][-1]), flush=True)
            if args.conversations:
                t = time.time()
                users = setup_app_users(server.url, args.clients, args.tribes, args.conversations)
                report["dm_setup_seconds"] = round(time.time() - t, 1)
                for rate in rates:
                    result = run_load(server.url, users, rate, args.duration, args.procs)
                    report["runs"].append({"server": "app", "rooms": f"{args.conversations} conversations of 2",
                                           "database": url.split(":")[0], **result})
                    print(json.dumps(report["runs"][-1]), flush=True)
        finally:
            server.stop()
            database.drop()
    if args.out:
        Path(args.out).write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    if "--worker" in sys.argv:
        worker()
    else:
        main()
