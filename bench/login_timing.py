"""Login timing with the configured argon2 parameters (not a test: a measurement).

Prints the argon2id parameters from the configuration (TRIBES_ARGON2_* or the defaults),
the median time of one hash, and the median time of POST /auth/login for a correct
password, a wrong password and an unknown e-mail (the last two should be close: the
unknown e-mail is verified against a dummy hash).

    python bench/login_timing.py [rounds]

Last result (2026-11-21, 2 shared CPU cores under load from other work, 40 rounds):
    argon2id t=2 m=19456 KiB p=1
    hash one password:           44.4 ms
    login, right password:       41.4 ms (median)
    login, wrong password:       37.5 ms (median)
    login, unknown e-mail:       33.0 ms (median)
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any


def median_ms(fn: Callable[[], Any], rounds: int) -> float:
    """Median wall time of fn in milliseconds."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    """Set up a throwaway app and database, then time logins."""
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    workdir = tempfile.mkdtemp(prefix="tribes-bench-")
    os.environ.setdefault("TRIBES_SECRET_KEY", "bench")
    from tribes import create_app
    from tribes.accounts.passwords import hash_password
    from tribes.db import Base
    from tribes.extensions import db

    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{workdir}/bench.db",
            "INSTANCE_PATH": workdir,
            "RATELIMIT_ENABLED": False,
            "RUN_BACKGROUND_JOBS": False,
        }
    )
    with app.app_context():
        Base.metadata.create_all(db.engine)
    password = "a long enough benchmark passphrase"
    client = app.test_client()
    client.post(
        "/api/v1/auth/register",
        json={"email": "bench@example.test", "password": password, "display_name": "Bench"},
    )
    cfg = app.config
    print(
        f"argon2id t={cfg['ARGON2_TIME_COST']} m={cfg['ARGON2_MEMORY_COST']} KiB "
        f"p={cfg['ARGON2_PARALLELISM']}, {rounds} rounds each"
    )
    with app.app_context():
        print(f"hash one password:        {median_ms(lambda: hash_password(password), rounds):7.1f} ms")

    def login(email: str, secret: str, status: int) -> Callable[[], None]:
        def run() -> None:
            response = app.test_client().post("/api/v1/auth/login", json={"email": email, "password": secret})
            assert response.status_code == status, response.get_json()

        return run

    cases = [
        ("login, right password", login("bench@example.test", password, 200)),
        ("login, wrong password", login("bench@example.test", "not the password at all", 401)),
        ("login, unknown e-mail", login("nobody@example.test", "not the password at all", 401)),
    ]
    times: dict[str, list[float]] = {label: [] for label, _ in cases}
    for _, fn in cases:
        fn()  # warm up
    for _ in range(rounds):  # interleaved, so load changes hit every case alike
        for label, fn in cases:
            times[label].append(median_ms(fn, 1))
    for label, values in times.items():
        print(f"{label + ':':25} {statistics.median(values):7.1f} ms (median)")


if __name__ == "__main__":
    main()
