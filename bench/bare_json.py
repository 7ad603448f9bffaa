"""The baseline of bench/reads.py: a bare Flask JSON server on the same server stack as `tribes serve`.

    python bench/bare_json.py --port 5911 --payload page.json [--database-url postgresql+psycopg://...]

- GET /items: the JSON list in --payload (a real history page of the app, read once at
  start), serialised from memory on every request (no auth, no database).
- GET /pg?tribe=<id>: one indexed query (the newest 50 messages of a tribe, Core, pooled
  psycopg connection under gevent) serialised as JSON: a second baseline.
"""

from __future__ import annotations

import sys

if __name__ == "__main__":  # patch before anything else, like `tribes serve`
    from gevent import monkey

    monkey.patch_all()

import argparse  # noqa: E402
import json  # noqa: E402
from typing import Any  # noqa: E402

from flask import Flask, jsonify, request  # noqa: E402
from sqlalchemy import text  # noqa: E402


def create(payload: Any, database_url: str | None) -> Flask:
    """The bare app."""
    app = Flask(__name__)
    app.config.update(IDLE_TIMEOUT_SECONDS=10, READ_TIMEOUT_SECONDS=30)  # what serve_gevent reads
    engine = None
    if database_url:
        from tribes.db import make_engine

        engine = make_engine(database_url)
    newest = text("SELECT id, tribe_id, author_id, body, client_id, created_at FROM messages "
                  "WHERE tribe_id = :tribe ORDER BY id DESC LIMIT 50")

    @app.get("/items")
    def items() -> Any:
        return jsonify(payload)

    @app.get("/pg")
    def pg() -> Any:
        assert engine is not None
        with engine.connect() as conn:
            rows = conn.execute(newest, {"tribe": int(request.args["tribe"])}).mappings().all()
        return jsonify({"items": [{**r, "created_at": r["created_at"].isoformat()} for r in rows],
                        "next_cursor": None})

    return app


def main() -> None:
    """Serve until killed."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5911)
    parser.add_argument("--payload", required=True)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with open(args.payload, encoding="utf-8") as f:
        payload = json.load(f)
    app = create(payload, args.database_url)
    print(f"bare JSON server on http://{args.host}:{args.port}", flush=True)
    from tribes.cli import serve_gevent

    serve_gevent(app, args.host, args.port, access_log=False)
    sys.exit(0)


if __name__ == "__main__":
    main()
