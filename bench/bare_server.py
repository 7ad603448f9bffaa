"""The baseline: a bare Flask-SocketIO server with the chat's events, no auth, no database.

    python bench/bare_server.py --port 5900 [--async-mode gevent|threading]

Same async mode and WebSocket stack as `tribes serve`: `join` enters the tribe room,
`send` numbers the message, broadcasts `message` to the room and acks it.
"""

from __future__ import annotations

import argparse
import sys

if __name__ == "__main__" and "threading" not in sys.argv:  # patch before anything else
    from gevent import monkey

    monkey.patch_all()

import itertools  # noqa: E402
from datetime import UTC, datetime  # noqa: E402
from typing import Any  # noqa: E402

from flask import Flask  # noqa: E402
from flask_socketio import SocketIO, join_room, leave_room  # noqa: E402


def create(async_mode: str) -> tuple[Flask, SocketIO]:
    """The bare app and its Socket.IO server."""
    app = Flask(__name__)
    # the connection handler of `tribes serve` (tribes.wsgi) reads these: the same defaults as tribes.config
    app.config.update(IDLE_TIMEOUT_SECONDS=10, READ_TIMEOUT_SECONDS=30)
    socketio = SocketIO(app, async_mode=async_mode, cors_allowed_origins=None)
    ids = itertools.count(1)

    @socketio.on("join")
    def on_join(data: Any) -> dict[str, Any]:
        """Enter the tribe room."""
        join_room(f"tribe:{data['tribe']}")
        return {"ok": True, "missed": [], "has_more": False}

    @socketio.on("leave")
    def on_leave(data: Any) -> dict[str, Any]:
        """Leave the tribe room."""
        leave_room(f"tribe:{data['tribe']}")
        return {"ok": True}

    @socketio.on("send")
    def on_send(data: Any) -> dict[str, Any]:
        """Number the message, broadcast it to the room, ack it."""
        message = {
            "id": next(ids), "tribe": data["tribe"], "author": None, "body": data["body"],
            "created_at": datetime.now(UTC).isoformat(), "edited_at": None, "deleted": False,
            "client_id": data["client_id"],
        }
        socketio.emit("message", message, to=f"tribe:{data['tribe']}")
        return {"ok": True, "message": message}

    return app, socketio


def main() -> None:
    """Serve until killed."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5900)
    parser.add_argument("--async-mode", default="gevent", choices=["gevent", "threading"])
    args = parser.parse_args()
    app, socketio = create(args.async_mode)
    print(f"bare server on http://{args.host}:{args.port} ({args.async_mode})", flush=True)
    if args.async_mode == "gevent":
        # the same server `tribes serve` runs: gevent WSGI + gevent-websocket + TCP_NODELAY
        from tribes.cli import serve_gevent

        serve_gevent(app, args.host, args.port, access_log=False)
    else:
        socketio.run(app, host=args.host, port=args.port, log_output=False, allow_unsafe_werkzeug=True)


if __name__ == "__main__":
    main()
