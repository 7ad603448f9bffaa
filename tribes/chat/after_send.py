"""The after-posting work of socket sends, off the send path (step 3 of `chat.sending`).

Moderation's hooks (the astroturfing fingerprint: an insert and two counts) and mentions
cost a socket send more than the message itself: four to six round trips and the ORM,
after the broadcast but before the handler returns and gives back its connection. Under
`tribes serve` (gevent) a socket send hands that work to one worker greenlet per process
instead, which takes what has queued up and does it in ONE transaction per batch (if the
batch fails, each message again in its own, so that one bad message never loses the
others' work; failures are logged, never the sender's error, as before). The message is
committed and broadcast already; reports and mention notifications follow within moments
(the worker gathers for LINGER seconds after the first message of a quiet spell).

A graceful stop (`tribes serve` on SIGTERM) drains the queue. Elsewhere (the in-process
test client, `TRIBES_ASYNC_MODE=threading`, REST sends) the work runs inline as before.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from typing import Any, NamedTuple

from flask import Flask, current_app

from tribes.extensions import db

log = logging.getLogger(__name__)

#: messages handled in one transaction at most
BATCH_MAX = 200
#: seconds the worker waits after the first message of a quiet spell, so that the messages
#: of a busy moment share one transaction (reports and mention notifications come this much later)
LINGER = 0.2


class Posted(NamedTuple):
    """One committed message waiting for its after-posting work."""

    app: Flask
    tribe: Any
    fields: dict[str, Any]
    author: dict[str, Any] | None


_queue: deque[Posted] = deque()
_wakeup = threading.Event()
_idle = threading.Event()
_idle.set()
_worker: list[threading.Thread] = []


def deferring() -> bool:
    """Whether the work is queued (under gevent's monkey-patched threads) or done inline."""
    try:
        from gevent import monkey
    except ImportError:  # pragma: no cover - gevent is a dependency
        return False
    return bool(monkey.is_module_patched("threading"))


def defer(tribe: Any, fields: dict[str, Any], author: dict[str, Any] | None) -> None:
    """Queue a committed message's after-posting work (`fields`: the Message columns)."""
    _queue.append(Posted(current_app._get_current_object(), tribe, fields, author))  # type: ignore[attr-defined]
    _idle.clear()
    if not _worker or not _worker[0].is_alive():
        worker = threading.Thread(target=_run, name="chat-after-send", daemon=True)
        _worker[:] = [worker]
        worker.start()
    _wakeup.set()


def drain(timeout: float) -> bool:
    """Wait until the queue is empty (a graceful stop); False if it was not within `timeout`."""
    return _idle.wait(timeout) if _queue or not _idle.is_set() else True


def _run() -> None:
    while True:
        _wakeup.wait()
        time.sleep(LINGER)
        _wakeup.clear()
        while _queue:
            batch: list[Posted] = []
            while _queue and len(batch) < BATCH_MAX and (not batch or _queue[0].app is batch[0].app):
                batch.append(_queue.popleft())
            try:
                with batch[0].app.app_context():
                    _process(batch)
            except Exception:  # the worker must survive anything
                log.exception("after-posting batch of %d messages failed", len(batch))
        if not _queue:
            _idle.set()


def _process(batch: list[Posted]) -> None:
    """All of the batch in one transaction; on failure each message in its own."""
    from tribes.chat import service
    from tribes.chat.models import Message

    session = db.session
    started = time.perf_counter()
    try:
        try:
            service.after_posted_batch(session, [(item.tribe, Message(**item.fields), item.author) for item in batch])
            session.commit()
            return
        except Exception:
            session.rollback()
            if len(batch) == 1:
                raise
        for item in batch:
            try:
                service.after_posted(session, item.tribe, Message(**item.fields), item.author)
                session.commit()
            except Exception:
                session.rollback()
                log.exception("after-posting work for message %s failed", item.fields.get("id"))
    finally:
        db.remove()
        log.debug("after-posting work of %d messages in %.1f ms", len(batch), (time.perf_counter() - started) * 1000)
