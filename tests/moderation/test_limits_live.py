"""Two `tribes serve` processes with one Redis hold ONE rate limit between them."""

from __future__ import annotations

import os
import secrets
from typing import Any

import pytest
import requests

REDIS = os.environ.get("TRIBES_TEST_REDIS_URL")
POSTGRES = os.environ.get("TRIBES_TEST_DATABASE_URL")

pytestmark = pytest.mark.skipif(
    not (REDIS and POSTGRES), reason="needs TRIBES_TEST_REDIS_URL and TRIBES_TEST_DATABASE_URL"
)


def test_failed_logins_split_over_two_processes_hit_one_limit(live_server_factory: Any, live_database: Any) -> None:
    database = live_database()
    env = {"TRIBES_LIMIT_LOGIN": "5 per minute"}
    first = live_server_factory(database_url=database, redis_url=REDIS, env=env)
    second = live_server_factory(database_url=database, redis_url=REDIS, env=env)
    # a fresh address per run: counters in Redis outlive the test
    email = f"shared-limit-{secrets.token_hex(6)}@example.test"
    registered = requests.post(f"{first.url}/api/v1/auth/register", json={
        "email": email, "password": "correct horse battery staple", "display_name": "Target",
    }, timeout=10)
    assert registered.status_code == 201, registered.text
    codes = []
    for i in range(8):
        server = (first, second)[i % 2]
        r = requests.post(f"{server.url}/api/v1/auth/login", json={"email": email, "password": "wrong " * 3}, timeout=10)
        codes.append(r.status_code)
    # five failures in total, then both processes refuse: one budget, not five per process
    assert codes == [401] * 5 + [429] * 3
    right = requests.post(f"{second.url}/api/v1/auth/login", json={
        "email": email, "password": "correct horse battery staple"}, timeout=10)
    assert right.status_code == 429 and "Retry-After" in right.headers
