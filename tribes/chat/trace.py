"""Per-stage timestamps of the chat send path, for the benchmark (off unless asked for).

`TRIBES_SEND_TRACE=<file>` makes every socket `send` of a tribe message append one JSON
line to that file: the client_id, the wall time the handler started (to compare with the
sender's clock on the same machine) and, in milliseconds after that start, when each
stage ended (`conn`: a pooled connection checked out; `checked`: the checks query and
the rate limit; `locked`: the send lock held; `inserted`; `committed`; `emitted`: the
broadcast handed to the socket layer or published to Redis, also as wall time `emit_wall`;
`unlocked`; `posted`: the after-posting work; `done`: the handler's own commit). Without
the variable the cost is one test of a module constant per stage.
"""

from __future__ import annotations

import json
import os
import threading
import time
from typing import Any

from flask import g, has_app_context

PATH = os.environ.get("TRIBES_SEND_TRACE") or None
#: `TRIBES_SEND_PROFILE=<file>` (with TRIBES_SEND_TRACE): a cProfile of the whole server
#: process (every greenlet runs in this thread), dumped to the file every 100 traced sends
PROFILE_PATH = os.environ.get("TRIBES_SEND_PROFILE") or None
_profiler: Any = None
_sends = 0
_lock = threading.Lock()
_out: Any = None


class Trace:
    """The stage marks of one send."""

    __slots__ = ("t0", "wall", "marks", "client_id")

    def __init__(self) -> None:
        self.t0 = time.perf_counter()
        self.wall = time.time()
        self.marks: dict[str, float] = {}
        self.client_id = ""

    def mark(self, stage: str, at: float | None = None) -> None:
        """Record that `stage` ended now (or at the perf_counter() time `at`)."""
        now = time.perf_counter()
        at = now if at is None else at
        self.marks[stage] = round((at - self.t0) * 1000, 3)
        if stage == "emitted":
            self.marks["emit_wall"] = time.time() - (now - at)


def start() -> None:
    """Begin the trace of this socket event (only with TRIBES_SEND_TRACE)."""
    global _profiler
    if PATH is not None:
        g.send_trace = Trace()
        if PROFILE_PATH is not None and _profiler is None:
            import cProfile

            _profiler = cProfile.Profile()
            _profiler.enable()


def current() -> Trace | None:
    """The trace of this event, if one is being taken."""
    if PATH is None or not has_app_context():
        return None
    return g.get("send_trace")


def mark(stage: str) -> None:
    """Mark a stage of the current event's trace (nothing when tracing is off)."""
    if PATH is not None:
        trace = current()
        if trace is not None:
            trace.mark(stage)


def mark_stages(stages: dict[str, float]) -> None:
    """Mark stages that ended at the given perf_counter() times (a batched send's round)."""
    if PATH is not None:
        trace = current()
        if trace is not None:
            for stage, at in sorted(stages.items(), key=lambda item: item[1]):
                trace.mark(stage, at)


def finish() -> None:
    """Mark `done` and write the line (the file is line-buffered: the bench reads it at once)."""
    global _out
    trace = current()
    if trace is None or not trace.client_id:
        return
    trace.mark("done")
    line = json.dumps({"cid": trace.client_id, "wall": trace.wall, **trace.marks})
    with _lock:
        if _out is None:
            _out = open(PATH, "a", buffering=1)  # type: ignore[arg-type]  # noqa: SIM115 - kept for the process
        _out.write(line + "\n")
    global _sends
    _sends += 1
    if _profiler is not None and _sends % 100 == 0:
        _profiler.dump_stats(PROFILE_PATH)


def annotate(client_id: str) -> None:
    """Set the client_id (and so make this event a traced send)."""
    trace = current()
    if trace is not None:
        trace.client_id = client_id
