"""Browser fixtures: Playwright driving Debian chromium against a live `tribes serve`.

Put browser tests in tests/e2e/ and use the fixtures `live_server` (a fresh server and
database per test), `browser` (one chromium for all of tests/e2e) and `new_page` (a page in
a fresh browser context, i.e. its own cookies: one per person in the scenario).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.live_server import (  # noqa: F401
    live_database,
    live_server,
    live_server_factory,
    pytest_runtest_makereport,
)

CHROMIUM = os.environ.get("TRIBES_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    """One headless chromium for the browser tests; skips when chromium is not installed.

    Package-scoped: Playwright's event loop is gone again before the rest of the suite runs.
    """
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"no chromium at {CHROMIUM} (install it with `apt-get install -y chromium`)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def new_page(browser: Any) -> Iterator[Callable[[], Any]]:
    """Open a page in a fresh browser context (own cookies); all are closed after the test."""
    contexts: list[Any] = []

    def open_page() -> Any:
        context = browser.new_context()
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()
