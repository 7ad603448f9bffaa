"""Rate limits counted by hand (socket events have no Flask-Limiter decorator), with the same
fallback as Flask-Limiter's decorators: while Redis is unreachable, limits are counted in the
process's memory (RATELIMIT_IN_MEMORY_FALLBACK_ENABLED) instead of failing the action;
Flask-Limiter's own health check switches back once Redis answers again.

Without Redis the limits live in `SweptMemoryStorage` (`tribes-memory://`, the default).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from flask import Flask, current_app, request
from flask_limiter import Limiter
from limits.storage import MemoryStorage, RedisStorage
from limits.strategies import MovingWindowRateLimiter

from tribes.errors import unavailable
from tribes.extensions import limiter

log = logging.getLogger(__name__)

#: expired limit entries are swept at most this often
SWEEP_SECONDS = 1.0


class SweptMemoryStorage(MemoryStorage):
    """The `limits` in-memory storage without its timer: `tribes-memory://`.

    `MemoryStorage` starts a timer thread 10 ms after every hit that walks every key to drop
    expired entries; under gevent that is a greenlet per hit and, with a few hundred people
    chatting, a sixth of the process's CPU (profiled: bench/README.md, "send path"). The
    sweep only frees memory (every check compares entry times itself), so here it runs inline,
    on a hit, at most once per SWEEP_SECONDS.
    """

    STORAGE_SCHEME = ["tribes-memory"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: str) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.timer.cancel()
        self._next_sweep = 0.0

    def _MemoryStorage__schedule_expiry(self) -> None:  # noqa: N802 - replaces MemoryStorage's private timer start
        now = time.monotonic()
        if now >= self._next_sweep:
            self._next_sweep = now + SWEEP_SECONDS
            self._MemoryStorage__expire_events()  # type: ignore[attr-defined]
            for key in [key for key, entries in self.events.items() if not entries]:
                with self.locks[key]:  # MemoryStorage keeps a key's empty list
                    if not self.events.get(key):
                        self.events.pop(key, None)


#: request methods no Flask-Limiter limit of the site applies to: every decorated limit names
#: write methods (tests/test_ratelimit_storage.py checks each one)
READS = frozenset({"GET", "HEAD", "OPTIONS"})


def check_writes_only(app: Flask) -> None:
    """Run Flask-Limiter's before-request check for writes only.

    It looks up the view's limits on every request, and no limit of the site applies to a
    read: on a read it found nothing to count, for ~4 % of the read's CPU (bench/reads_profile.py,
    the meet-up list). Reads now skip it; writes are checked exactly as before.
    """
    hooks = app.before_request_funcs.get(None, [])
    for index, hook in enumerate(hooks):
        if getattr(hook, "__func__", None) is Limiter._check_request_limit:
            def check(hook: Any = hook) -> Any:
                return None if request.method in READS else hook()

            hooks[index] = check
            return
    if app.config.get("RATELIMIT_ENABLED", True):  # switched off (TRIBES_DISABLE_LIMITS): no check to wrap
        raise RuntimeError("Flask-Limiter's before-request check was not found")


def _with_fallback(call: Any) -> Any:
    try:
        return call()
    except Exception as exc:
        if not (unavailable(exc) and current_app.config.get("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED")):
            raise
        if not limiter._storage_dead:
            log.warning("rate-limit storage unreachable: counting limits in memory until it is back")
        limiter._storage_dead = True   # Flask-Limiter's own switch to its in-memory fallback
        return call()


def hit(item: Any, *identifiers: str) -> bool:
    """Count one hit against `item` for `identifiers`; False when the limit is exceeded."""
    return bool(_with_fallback(lambda: limiter.limiter.hit(item, *identifiers)))


def hit_many(hits: list[tuple[Any, ...]]) -> list[bool]:
    """`hit` for each (item, *identifiers) in order, as one Redis round trip when the limits
    live in Redis (the batched chat send path: one pipeline per batch instead of one round
    trip per message); False for each one over its limit.

    The hits run the very Lua script of `limits`' moving window (`acquire_entry`), each
    atomic on its own key and in list order, so a batch counts exactly as the same hits
    one after another would. Elsewhere (memory, the in-memory fallback while Redis is away,
    other storages) it is `hit` one by one.
    """
    def count() -> list[bool]:
        current = limiter.limiter
        storage = current.storage
        if len(hits) < 2 or type(storage) is not RedisStorage or not isinstance(current, MovingWindowRateLimiter):
            return [bool(current.hit(item, *identifiers)) for item, *identifiers in hits]
        connection: Any = storage.get_connection()
        pipe = connection.pipeline(transaction=False)
        now = time.time()
        for item, *identifiers in hits:
            storage.lua_acquire_moving_window(
                [storage.prefixed_key(item.key_for(*identifiers))], [now, item.amount, item.get_expiry(), 1], client=pipe,
            )
        return [bool(acquired) for acquired in pipe.execute()]

    return list(_with_fallback(count))


def reset_in(item: Any, *identifiers: str) -> float:
    """The time (epoch seconds) at which the window of `item` for `identifiers` frees up."""
    return float(_with_fallback(lambda: limiter.limiter.get_window_stats(item, *identifiers)).reset_time)
