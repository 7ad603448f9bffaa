"""Per-send CPU of the chat `send` event in-process (Socket.IO test client), not a test.

    python bench/send_profile.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/tribes_chatperf \
        --sends 600 [--profile]

Builds the app like tests/conftest.py on the given (scratch: its tables are dropped)
database, registers two users, one tribe, and sends messages from one socket; prints
CPU and wall milliseconds per send (after a warm-up) and, with --profile, the top of a
cProfile run.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.conftest import TEST_LIMITS, ApiClient  # noqa: E402
from tribes import create_app  # noqa: E402
from tribes.db import Base  # noqa: E402
from tribes.extensions import db, socketio  # noqa: E402


def build(url: str) -> Any:
    """The app on a fresh schema."""
    app = create_app({
        "TESTING": True, "SECRET_KEY": "bench", "DATABASE_URL": url,
        "INSTANCE_PATH": tempfile.mkdtemp(), "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 8192,
        "REDIS_URL": None, "RUN_BACKGROUND_JOBS": False, "SERVER_NAME": "localhost", **TEST_LIMITS,
        "LIMIT_CHAT": "100000 per minute", "LIMIT_CHAT_NEW_MEMBER": "100000 per minute",
    })
    import tribes.models  # noqa: F401

    with app.app_context():
        Base.metadata.drop_all(db.engine)
        Base.metadata.create_all(db.engine)
    return app


def user(app: Any, n: int) -> ApiClient:
    """A registered, logged-in API client."""
    api = ApiClient(app.test_client())
    r = api.post("auth/register", {"email": f"p{n}@example.test", "password": "correct horse battery staple",
                                   "display_name": f"Perf {n}"})
    assert r.status_code == 201, r.get_json()
    return api


#: the message text ({n}: a counter); --short-body sends what bench/chat_load.py sends
BODY = "load c{n} hello there everyone"


def main() -> None:
    """Measure."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--sends", type=int, default=600)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--dump", default=None, help="also write the cProfile stats to this file")
    parser.add_argument("--short-body", action="store_true",
                        help="bodies like the load benchmark's (too short for the astroturfing fingerprint)")
    args = parser.parse_args()
    global BODY
    if args.short_body:
        BODY = "load c{n}"
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/perf.db"
    app = build(url)
    owner, member = user(app, 1), user(app, 2)
    tribe = owner.post("tribes", {"name": "Perf tribe"}).get_json()
    invite = owner.post(f"tribes/{tribe['slug']}/invites", {}).get_json()
    assert member.post(f"invites/{invite['token']}/accept").status_code == 200
    sock = socketio.test_client(app, flask_test_client=member.http)
    other = socketio.test_client(app, flask_test_client=owner.http)
    for s in (sock, other):
        assert s.emit("join", {"tribe": tribe["slug"]}, callback=True)["ok"]
    counter = iter(range(10**9))

    def send() -> None:
        n = next(counter)
        ack = sock.emit("send", {"tribe": tribe["slug"], "body": BODY.format(n=n),
                                 "client_id": f"c{n}"}, callback=True)
        assert ack["ok"], ack
        other.get_received()
        sock.get_received()

    for _ in range(100):
        send()
    ack = sock.emit("send", {"tribe": tribe["slug"], "body": "load c5 hello there everyone", "client_id": "c5"},
                    callback=True)
    assert ack["ok"] and ack["message"]["client_id"] == "c5", ack
    profiler = cProfile.Profile() if args.profile else None
    cpu, wall = time.process_time(), time.perf_counter()
    if profiler:
        profiler.enable()
    for _ in range(args.sends):
        send()
    if profiler:
        profiler.disable()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(f"{db.engine.dialect.name if False else url.split(':')[0]}: {args.sends} sends, "
          f"{cpu / args.sends * 1000:.2f} ms CPU / {wall / args.sends * 1000:.2f} ms wall per send")
    if profiler and args.dump:
        profiler.dump_stats(args.dump)
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
