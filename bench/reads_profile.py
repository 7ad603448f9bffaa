"""CPU per request in-process (Flask test client, no network) for the read path, with an optional profile.

    python bench/reads_profile.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/h_reads2_bench \
        --requests 400 [--profile history] [--out /tmp/prof.txt]

Run on a database bench/reads.py loaded (it keeps the data): logs in as the bench *reader*
once, then times each path with the process CPU clock (warm-up first). `--profile NAME`
prints the cProfile of that path sorted by cumulative and by own time.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import tempfile
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import reads_data  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/h_reads2_bench")
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--profile", default=None)
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    from tribes import create_app

    app = create_app({
        "DATABASE_URL": args.database_url, "SECRET_KEY": "bench-reads", "INSTANCE_PATH": tempfile.mkdtemp(),
        "RUN_BACKGROUND_JOBS": False, "REDIS_URL": None,
    })
    with psycopg.connect(args.database_url.replace("+psycopg", "")) as conn:
        slug, big = conn.execute(
            "SELECT t.slug, t.id FROM tribes t JOIN messages m ON m.tribe_id = t.id "
            "GROUP BY t.id ORDER BY count(*) DESC LIMIT 1").fetchone()  # type: ignore[misc]
        deep = conn.execute("SELECT min(id) + 500 FROM messages WHERE tribe_id = %s", (big,)).fetchone()[0]  # type: ignore[index]
    http = app.test_client()
    r = http.post("/api/v1/auth/login", json={"email": "u0@bench.test", "password": reads_data.PASSWORD})
    assert r.status_code == 200, r.get_json()
    paths = {
        "healthz": "/healthz",
        "session": "/api/v1/auth/session",
        "history": f"/api/v1/tribes/{slug}/messages",
        "history deep": f"/api/v1/tribes/{slug}/messages?before={deep}",
        "tribes": "/api/v1/tribes",
        "meetups": f"/api/v1/tribes/{slug}/meetups",
    }
    for name, path in paths.items():
        for _ in range(30):
            assert http.get(path).status_code == 200, (path, http.get(path).get_json())
        began = time.process_time()
        for _ in range(args.requests):
            http.get(path)
        ms = (time.process_time() - began) * 1000 / args.requests
        print(f"{name:14s} {ms:6.2f} ms CPU/request  ({path})", flush=True)
    if args.profile:
        path = paths[args.profile]
        prof = cProfile.Profile(time.process_time)
        prof.enable()
        for _ in range(args.requests):
            http.get(path)
        prof.disable()
        out = io.StringIO()
        stats = pstats.Stats(prof, stream=out)
        stats.sort_stats("cumulative").print_stats(70)
        stats.sort_stats("tottime").print_stats(50)
        text = out.getvalue()
        if args.out:
            Path(args.out).write_text(text)
        else:
            print(text)


if __name__ == "__main__":
    main()
