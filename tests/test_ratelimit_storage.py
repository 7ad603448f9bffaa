"""The in-memory rate-limit storage of a site without Redis (`tribes-memory://`)."""

from __future__ import annotations

import os
import threading
import time

import pytest
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


#: two people's sends, interleaved, against a limit of 3
_PEOPLE = ["alice", "bob", "alice", "alice", "bob", "alice", "alice", "bob", "bob", "bob"]


def _counted(monkeypatch, storage) -> tuple[list[bool], list[bool], int]:
    """The same hits counted one by one (`hit`) and all at once (`hit_many`, other keys) in
    `storage`, through the limiter the app's Flask-Limiter would hand out; and what is left of
    alice's budget after the batch."""
    import secrets
    from types import SimpleNamespace

    monkeypatch.setattr(ratelimits, "limiter", SimpleNamespace(limiter=MovingWindowRateLimiter(storage),
                                                               _storage_dead=False))
    item, run = parse("3/minute"), secrets.token_hex(6)
    one_by_one = [ratelimits.hit(item, f"one-{run}", person) for person in _PEOPLE]
    at_once = ratelimits.hit_many([(item, f"many-{run}", person) for person in _PEOPLE])
    left = MovingWindowRateLimiter(storage).get_window_stats(item, f"many-{run}", "alice").remaining
    return one_by_one, at_once, left


def test_a_batch_of_hits_counts_as_the_same_hits_one_by_one(monkeypatch) -> None:
    """The batched send path counts its sends' limits at once: each person's first three
    pass, the rest are refused, in arrival order, exactly as one hit after another."""
    one_by_one, at_once, left = _counted(monkeypatch, SweptMemoryStorage())
    assert one_by_one == [True, True, True, True, True, False, False, True, False, False]
    assert at_once == one_by_one and left == 0


@pytest.mark.skipif(not os.environ.get("TRIBES_TEST_REDIS_URL"), reason="needs TRIBES_TEST_REDIS_URL")
def test_a_batch_of_hits_in_redis_is_one_round_trip_with_the_same_counts(monkeypatch) -> None:
    """With the limits in Redis the batch is one pipeline (one round trip): counted the same,
    in the keys `hit` uses (alice's budget is spent for the next single hit too)."""
    import redis
    from limits.storage import RedisStorage

    sent = []
    original = redis.client.Pipeline.execute

    def execute(self, *args, **kwargs):
        sent.append(len(self.command_stack))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(redis.client.Pipeline, "execute", execute)
    one_by_one, at_once, left = _counted(monkeypatch, RedisStorage(os.environ["TRIBES_TEST_REDIS_URL"]))
    assert one_by_one == [True, True, True, True, True, False, False, True, False, False]
    assert at_once == one_by_one and left == 0
    assert sent == [10]  # the ten hits in one pipeline


def test_no_limit_of_the_site_applies_to_a_read(app) -> None:
    """Flask-Limiter's check runs for writes only (`ratelimits.check_writes_only`): that is
    right only while every decorated limit counts writes. A limit without methods must sit on
    a view that takes no read."""
    from flask_limiter.util import get_qualified_name

    from tribes.extensions import limiter

    manager = limiter.limit_manager
    views = {get_qualified_name(view): endpoint for endpoint, view in app.view_functions.items()}
    reads = {method.lower() for method in ratelimits.READS}
    checked = 0
    for name, limits in [*manager._decorated_limits.items(), *manager._blueprint_limits.items()]:
        for limit in limits:
            checked += 1
            if limit.methods is not None:
                assert not reads & set(limit.methods), (name, limit.methods)
            else:
                rules = [r for r in app.url_map.iter_rules() if r.endpoint == views.get(name)]
                assert rules and all(not reads & {m.lower() for m in r.methods if m != "OPTIONS"}
                                     for r in rules), name
    assert checked >= 15  # every limit of the site was looked at


def test_reads_skip_the_limiter_and_writes_are_limited(app, make_client) -> None:
    """The login page never counts against the login limit of the address; logging in still does."""
    app.config["LIMIT_LOGIN_IP"] = "2 per minute"
    client = make_client()
    assert [client.http.get("/login").status_code for _ in range(4)] == [200] * 4
    tries = [client.login("nobody@example.test", "wrong password 1").status_code for _ in range(3)]
    assert tries == [401, 401, 429], tries
    assert client.http.get("/login").status_code == 200  # reading the page is still fine


def test_a_site_with_limits_switched_off_starts_and_serves(tmp_path) -> None:
    """TRIBES_DISABLE_LIMITS: Flask-Limiter registers no check, and the app still starts and
    serves (in a process of its own: the limiter and the database are process-wide)."""
    import subprocess
    import sys

    code = ("from tribes import create_app; app = create_app({'RUN_BACKGROUND_JOBS': False}); "
            "print(app.test_client().get('/healthz').status_code, app.config['RATELIMIT_ENABLED'])")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRIBES_")}
    env.update(TRIBES_DISABLE_LIMITS="1", TRIBES_INSTANCE_PATH=str(tmp_path), TRIBES_SECRET_KEY="x" * 32)
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert done.stdout.split() == ["200", "False"], done.stderr[-2000:]
