"""Clean capacity of the chat (not a test): the highest offered rate a server takes cleanly.

    python bench/clean_capacity.py --targets bare,before,after,after2 --before-tree /tmp/send-before \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/h_send_bench \
        --redis-url redis://127.0.0.1:6379/15 --out /tmp/capacity.json

For each target, in one run: the offered rate goes up in steps of `--step` messages/s
(from `--step`), `--duration` seconds each, with 500 clients in 25 tribes of 20 (the
layout of bench/chat_load.py, whose setup and servers are reused), until a step's p99
delivery latency exceeds `--p99-ms` or anything is lost, duplicated or out of order; the
target's clean capacity is the last clean step's rate (0 when the first step, `--start-rate`,
is not clean). With `--rounds N` the targets run N times in turn (after, after2, after,
after2, …) and a target's capacity is the median of its rounds: the machine's noise is of
the size of the differences measured. Targets:

- `bare`: bench/bare_server.py (no auth, no database);
- `before`: `tribes serve` from `--before-tree` (e.g. `git archive main | tar -x -C DIR`),
  PostgreSQL, one process; `before2`: two of them sharing Redis;
- `after`: `tribes serve` from this tree, PostgreSQL, one process;
- `after2`: two processes of this tree sharing the database and Redis (`--redis-url`);
  clients are dealt alternately to the two (WebSocket only, so no sticky proxy is needed),
  a tribe's members sit on both and every delivery to the other half crosses Redis.

The load generators stay connected across the steps of a target (one connect per target).
With `--trace` the app runs with TRIBES_SEND_TRACE (tribes/chat/trace.py): median/p99 per
stage of the send path are added to each step, plus `queue` (client send → handler start,
same clock) and `to_client` (emit → receipt at the members).
"""

from __future__ import annotations

import sys

if "--worker" in sys.argv:  # a load-generator process: gevent, patched before anything else
    from gevent import monkey

    monkey.patch_all()

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

DRAIN = 2.0  # seconds after the last send: anything later is far beyond the p99 bound anyway


# ------------------------------------------------------------------ load generator process


def worker() -> None:
    """Connect once, then per step line on stdin: send, drain, print what was seen."""
    config = json.loads(sys.stdin.readline())
    users, wid, bases = config["users"], config["wid"], config["bases"]
    import random

    import gevent
    import socketio

    state: dict[str, Any] = {"received": {}, "order_errors": 0}
    clients: list[tuple[Any, dict[str, Any]]] = []

    def on_ack(*args: Any) -> None:  # a late ack of an earlier step counts in the current one
        ok = bool(args and isinstance(args[0], dict) and args[0].get("ok"))
        state["acks"]["ok" if ok else "failed"] += 1

    def attach(user: dict[str, Any]) -> None:
        client = socketio.Client(reconnection=False)
        last: dict[Any, int] = {}

        @client.on("message")
        def on_message(m: dict[str, Any]) -> None:
            now = time.time()
            room = m.get("tribe")
            if m["id"] <= last.get(room, 0):
                state["order_errors"] += 1
            last[room] = m["id"]
            state["received"].setdefault(m["client_id"], []).append(now)

        headers = {"Cookie": user["cookie"]} if user["cookie"] else {}
        client.connect(bases[user["i"] % len(bases)], transports=["websocket"], headers=headers, wait_timeout=60)
        for room in user["rooms"]:
            ack = client.call("join", room, timeout=60)
            assert ack and ack.get("ok"), ack
        clients.append((client, user))

    pool = [gevent.spawn(attach, u) for u in users]
    gevent.joinall(pool, raise_error=True)
    print("READY", flush=True)
    while True:
        line = sys.stdin.readline()
        if not line or line.strip() == "quit":
            break
        step = json.loads(line)
        state["received"], state["order_errors"] = {}, 0
        acks = state["acks"] = {"ok": 0, "failed": 0}
        sent: list[tuple[str, str, float]] = []

        gevent.sleep(max(0.0, step["start_at"] - time.time()))
        rate, n = step["rate"], int(step["rate"] * step["duration"])
        t0 = time.time()
        for k in range(n):
            delay = t0 + k / rate - time.time()
            if delay > 0:
                gevent.sleep(delay)
            client, user = random.choice(clients)
            room = user["rooms"][0]
            token = f"{step['run']}-w{wid}-{k}"
            sent.append((token, json.dumps(room, sort_keys=True), time.time()))
            try:
                client.emit("send", {**room, "body": f"load {token}", "client_id": token}, callback=on_ack)
            except Exception:
                acks["failed"] += 1
        send_seconds = time.time() - t0
        gevent.sleep(DRAIN)
        print(json.dumps({"wid": wid, "sent": sent, "send_seconds": send_seconds, "received": state["received"],
                          "order_errors": state["order_errors"], "acks": acks}), flush=True)
    for client, _u in clients:
        try:
            client.disconnect()
        except Exception:
            pass


# ------------------------------------------------------------------ driving a target


class Load:
    """The load-generator processes of one target, connected to its server(s)."""

    def __init__(self, bases: list[str], users: list[dict[str, Any]], procs: int) -> None:
        self.users = users
        self.workers = []
        for w in range(procs):
            p = subprocess.Popen([sys.executable, __file__, "--worker"], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, text=True)
            assert p.stdin is not None
            p.stdin.write(json.dumps({"users": users[w::procs], "wid": w, "bases": bases}) + "\n")
            p.stdin.flush()
            self.workers.append(p)
        for p in self.workers:
            assert p.stdout is not None
            line = p.stdout.readline()
            if line.strip() != "READY":
                raise RuntimeError(f"load generator failed to connect its clients: {line!r}")
        self.sizes: dict[str, int] = {}
        for u in users:
            key = json.dumps(u["rooms"][0], sort_keys=True)
            self.sizes[key] = self.sizes.get(key, 0) + 1

    def step(self, rate: float, duration: float, run: str) -> tuple[dict[str, Any], dict[str, list[float]], dict]:
        """One step at `rate`; (summary, receipts per token, sent time per token)."""
        start_at = time.time() + 1.0
        for p in self.workers:
            assert p.stdin is not None
            p.stdin.write(json.dumps({"rate": rate / len(self.workers), "duration": duration,
                                      "start_at": start_at, "run": run}) + "\n")
            p.stdin.flush()
        results = []
        for p in self.workers:
            assert p.stdout is not None
            results.append(json.loads(p.stdout.readline()))
        sent = [s for r in results for s in r["sent"]]
        sent_at = {token: t for token, _room, t in sent}
        receipts: dict[str, list[float]] = {}
        for r in results:
            for token, times in r["received"].items():
                receipts.setdefault(token, []).extend(times)
        expected = delivered = duplicated = 0
        latencies: list[float] = []
        for token, room, t in sent:
            size, times = self.sizes[room], receipts.get(token, [])
            expected += size
            delivered += min(len(times), size)
            duplicated += max(0, len(times) - size)
            latencies.extend(x - t for x in times)
        latencies.sort()
        send_seconds = max(r["send_seconds"] for r in results)
        summary = {
            "rate": rate, "rate_sent": round(len(sent) / send_seconds, 1) if send_seconds else 0,
            "messages": len(sent), "expected": expected, "delivered": delivered, "lost": expected - delivered,
            "duplicated": duplicated, "out_of_order": sum(r["order_errors"] for r in results),
            "acks_failed": sum(r["acks"]["failed"] for r in results),
            "acks_missing": len(sent) - sum(r["acks"]["ok"] + r["acks"]["failed"] for r in results),
            "p50_ms": round(pct(latencies, 0.5) * 1000, 1), "p99_ms": round(pct(latencies, 0.99) * 1000, 1),
            "load": os.getloadavg()[0],
        }
        return summary, receipts, sent_at

    def close(self) -> None:
        """Disconnect and end the load generators."""
        for p in self.workers:
            assert p.stdin is not None
            try:
                p.stdin.write("quit\n")
                p.stdin.flush()
            except BrokenPipeError:
                pass
        for p in self.workers:
            try:
                p.wait(timeout=60)
            except subprocess.TimeoutExpired:
                p.kill()


def pct(values: list[float], q: float) -> float:
    """The q-quantile of sorted values (nan when empty)."""
    return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


def stage_stats(trace_path: Path, run: str, receipts: dict[str, list[float]], sent_at: dict[str, float]) -> dict:
    """Median and p99 (ms) per stage of the traced sends of one step."""
    if not trace_path.exists():
        return {}
    rows = [json.loads(line) for line in trace_path.read_text().splitlines() if f'"{run}-' in line]
    stages: dict[str, list[float]] = {}
    for row in rows:
        if row["cid"] in sent_at:
            stages.setdefault("queue", []).append((row["wall"] - sent_at[row["cid"]]) * 1000)
        previous = 0.0
        for stage in ("conn", "checked", "locked", "inserted", "committed", "emitted", "unlocked", "posted", "done"):
            if stage in row:
                stages.setdefault(stage, []).append(row[stage] - previous)
                previous = row[stage]
        if "emit_wall" in row:
            stages.setdefault("to_client", []).extend((t - row["emit_wall"]) * 1000 for t in receipts.get(row["cid"], []))
        stages.setdefault("handler", []).append(row.get("done", 0.0))
    out = {}
    for stage, values in stages.items():
        values.sort()
        out[stage] = {"p50": round(pct(values, 0.5), 2), "p99": round(pct(values, 0.99), 2), "n": len(values)}
    return out


def server_cpu(servers: list[Any]) -> float:
    """CPU seconds (user + system) the target's server processes have used so far (Linux /proc)."""
    total = 0.0
    for server in servers:
        process = getattr(server, "process", server)  # a LiveServer or the bare server's Popen
        fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def send_batches(ports: list[int]) -> tuple[float, float]:
    """(sends, rounds) of the batched send path so far, summed over the app's processes."""
    import requests

    sends = rounds = 0.0
    for port in ports:
        for line in requests.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text.splitlines():
            if line.startswith("tribes_chat_send_batch_size_sum"):
                sends += float(line.split()[-1])
            elif line.startswith("tribes_chat_send_batch_size_count"):
                rounds += float(line.split()[-1])
    return sends, rounds


def run_target(name: str, args: argparse.Namespace, report: dict[str, Any]) -> None:
    """Step one target's rate until it is no longer clean; append the steps to the report."""
    import chat_load

    from tests.live_server import LiveDatabase, LiveServer, free_port

    servers: list[Any] = []
    metrics_ports: list[int] = []
    database = None
    trace_path = Path(tempfile.mkdtemp(prefix="send-trace-")) / "trace.jsonl"
    try:
        if name == "bare":
            port = free_port()
            servers.append(chat_load.start_bare(port, "gevent"))
            bases = [f"http://127.0.0.1:{port}"]
            users = chat_load.bare_users(args.clients, args.tribes)
        else:
            processes = 2 if name.endswith("2") else 1
            database = LiveDatabase(base_url=args.database_url)
            url = database.create()
            env = {"TRIBES_SOCKETIO_CHANNEL": f"tribes-cap-{os.getpid()}-{name}",
                   "TRIBES_SECRET_KEY": f"cap-{os.getpid()}-{time.time()}"}  # one for both processes
            if args.trace:
                env["TRIBES_SEND_TRACE"] = str(trace_path)
                if args.profile:
                    env["TRIBES_SEND_PROFILE"] = f"{args.profile}.{name}"
            if name.startswith("before"):
                env["PYTHONPATH"] = str(args.before_tree)
            redis = args.redis_url if processes > 1 else None
            for _ in range(processes):
                metrics_port = free_port()  # the send batches' sizes, read after each step
                server = LiveServer(database_url=url, redis_url=redis, startup_timeout=120,
                                    env={**env, "TRIBES_METRICS_PORT": str(metrics_port)})
                server.start()
                servers.append(server)
                metrics_ports.append(metrics_port)
            bases = [s.url for s in servers]
            t = time.time()
            users = chat_load.setup_app_users(bases[0], args.clients, args.tribes)
            report.setdefault("setup_seconds", {})[name] = round(time.time() - t, 1)
        load = Load(bases, users, args.procs)
        try:
            load.step(args.step, 3.0, f"{name}warmup{int(time.time())}")  # first queries, prepared statements
            best = 0.0
            rate = args.start_rate or args.step
            while rate <= args.max_rate:
                run = f"{name}{int(rate)}x{int(time.time())}"
                batches = send_batches(metrics_ports)
                cpu = server_cpu(servers)
                summary, receipts, sent_at = load.step(rate, args.duration, run)
                summary["server_cpu_ms_per_msg"] = round((server_cpu(servers) - cpu) * 1000 / max(1, summary["messages"]), 2)
                if metrics_ports:
                    after = send_batches(metrics_ports)
                    rounds = after[1] - batches[1]
                    summary["send_batch_mean"] = round((after[0] - batches[0]) / rounds, 2) if rounds else None
                clean = (summary["p99_ms"] <= args.p99_ms and summary["lost"] == 0 and summary["duplicated"] == 0
                         and summary["out_of_order"] == 0 and summary["acks_failed"] == 0)
                entry = {"target": name, "round": len(report.get("capacities", {}).get(name, [])), **summary,
                         "clean": clean}
                if args.trace and name != "bare":
                    time.sleep(0.2)
                    entry["stages"] = stage_stats(trace_path, run, receipts, sent_at)
                report["steps"].append(entry)
                print(json.dumps({k: v for k, v in entry.items() if k != "stages"}), flush=True)
                if not clean:
                    break
                best = rate
                rate += args.step
            report.setdefault("capacities", {}).setdefault(name, []).append(best)
            report["capacity"][name] = statistics.median(report["capacities"][name])
            print(f"== {name}: clean capacity {best:g} msg/s", flush=True)
        finally:
            load.close()
    finally:
        for s in servers:
            if hasattr(s, "stop"):
                s.stop()
            else:
                s.terminate()
                s.wait(timeout=20)
        if database is not None:
            database.drop()


def main() -> None:
    """Parse arguments, run every target, print and write the report."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--targets", default="bare,before,after,after2")
    parser.add_argument("--before-tree", type=Path, default=None)
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--tribes", type=int, default=25)
    parser.add_argument("--step", type=float, default=25.0)
    parser.add_argument("--max-rate", type=float, default=1000.0)
    parser.add_argument("--start-rate", type=float, default=None,
                        help="the first step (default: --step); a target clean at it counts from there")
    parser.add_argument("--rounds", type=int, default=1,
                        help="run the targets this many times, in turn (the capacity is the median of the rounds)")
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--p99-ms", type=float, default=100.0)
    parser.add_argument("--procs", type=int, default=2, help="load-generator processes")
    parser.add_argument("--database-url", default=None, help="PostgreSQL base URL (fresh databases are made)")
    parser.add_argument("--redis-url", default=None, help="for the two-process targets")
    parser.add_argument("--trace", action="store_true", help="per-stage timings of the app's send path")
    parser.add_argument("--profile", default=None, help="with --trace: cProfile of the app server into PROFILE.<target>")
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    targets = args.targets.split(",")
    if any(t.startswith("before") for t in targets) and args.before_tree is None:
        parser.error("--before-tree is needed for the before targets")
    if any(t.endswith("2") for t in targets) and not args.redis_url:
        parser.error("--redis-url is needed for the two-process targets")
    report: dict[str, Any] = {"args": {k: str(v) for k, v in vars(args).items()}, "steps": [], "capacity": {},
                              "load_start": os.getloadavg()}
    for _round in range(args.rounds):
        for name in targets:
            run_target(name, args, report)
            if args.out:
                Path(args.out).write_text(json.dumps(report, indent=2))
    report["load_end"] = os.getloadavg()
    bare = report["capacity"].get("bare")
    for name, value in report["capacity"].items():
        ratio = f" ({value / bare:.2f} x bare)" if bare and name != "bare" else ""
        rounds = report.get("capacities", {}).get(name, [])
        print(f"{name}: {value:g} msg/s{ratio}" + (f", rounds {rounds}" if len(rounds) > 1 else ""))
    print(f"load average at start {report['load_start']}, at end {report['load_end']}")
    if args.out:
        Path(args.out).write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    if "--worker" in sys.argv:
        worker()
    else:
        main()
