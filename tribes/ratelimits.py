"""Rate limits counted by hand (socket events have no Flask-Limiter decorator), with the same
fallback as Flask-Limiter's decorators: while Redis is unreachable, limits are counted in the
process's memory (RATELIMIT_IN_MEMORY_FALLBACK_ENABLED) instead of failing the action;
Flask-Limiter's own health check switches back once Redis answers again.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app

from tribes.errors import unavailable
from tribes.extensions import limiter

log = logging.getLogger(__name__)


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


def reset_in(item: Any, *identifiers: str) -> float:
    """The time (epoch seconds) at which the window of `item` for `identifiers` frees up."""
    return float(_with_fallback(lambda: limiter.limiter.get_window_stats(item, *identifiers)).reset_time)
