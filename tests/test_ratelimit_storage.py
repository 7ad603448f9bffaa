"""The in-memory rate-limit storage of a site without Redis (`tribes-memory://`)."""

from __future__ import annotations

import threading
import time

from limits import parse
from limits.strategies import MovingWindowRateLimiter

from tribes import ratelimits
from tribes.ratelimits import SweptMemoryStorage


def test_limits_count_and_free_up_without_a_thread_per_hit(monkeypatch) -> None:
    """A person over the limit is refused until the window has passed; counting starts no
    timer thread (limits' MemoryStorage starts one 10 ms after every hit), and expired
    entries are swept inline, so the memory of past limits does not grow."""
    monkeypatch.setattr(ratelimits, "SWEEP_SECONDS", 0.2)
    storage = SweptMemoryStorage()
    limiter = MovingWindowRateLimiter(storage)
    item = parse("3/second")
    threads = threading.active_count()
    assert [limiter.hit(item, "chat", "alice") for _ in range(4)] == [True, True, True, False]
    assert limiter.hit(item, "chat", "bob")  # counted per person
    assert threading.active_count() == threads
    time.sleep(1.1)
    assert limiter.hit(item, "chat", "alice")  # the window has passed
    time.sleep(1.1)
    limiter.hit(item, "chat", "carol")  # the next hit after SWEEP_SECONDS sweeps
    assert not any("alice" in key or "bob" in key for key in storage.events)


def test_a_site_without_redis_counts_in_the_swept_storage(app) -> None:
    from tribes.extensions import limiter

    with app.app_context():
        assert app.config["RATELIMIT_STORAGE_URI"] == "tribes-memory://"
        assert isinstance(limiter.storage, SweptMemoryStorage)
