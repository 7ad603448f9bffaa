"""TRIBES_TRUST_PROXY: X-Forwarded-For is believed only from the proxies in TRIBES_TRUSTED_PROXIES."""

from __future__ import annotations

from collections.abc import Callable

import requests

from tests.live_server import LiveServer

#: three login attempts per address, then 429
LIMITED = {"TRIBES_TRUST_PROXY": "1", "TRIBES_LIMIT_LOGIN_IP": "3 per hour"}


def login_from(server: LiveServer, forwarded_for: str) -> int:
    """A failed login that claims to come from `forwarded_for`; its status code."""
    response = requests.post(
        server.url + "/api/v1/auth/login", json={"email": "nobody@proxy.test", "password": "not the password"},
        headers={"X-Forwarded-For": forwarded_for}, timeout=15,
    )
    return response.status_code


def test_an_untrusted_client_cannot_choose_its_address(live_server_factory: Callable[..., LiveServer]) -> None:
    server = live_server_factory(env={**LIMITED, "TRIBES_TRUSTED_PROXIES": "10.9.8.7"})
    codes = [login_from(server, f"203.0.113.{n}") for n in range(1, 5)]
    assert codes == [401, 401, 401, 429], "every attempt counted against the real address"
    assert "without X-Forwarded-For" in server.log(), "the start-up probe came without the header"


def test_a_trusted_proxy_passes_the_client_address(live_server_factory: Callable[..., LiveServer]) -> None:
    server = live_server_factory(env=LIMITED)  # default: 127.0.0.1 and ::1 are the proxy
    codes = [login_from(server, f"203.0.113.{n}") for n in range(1, 5)]
    assert codes == [401, 401, 401, 401], "each forwarded address has its own budget"
    same = [login_from(server, "198.51.100.1") for _ in range(4)]
    assert same == [401, 401, 401, 429]
