"""A form-posting client for the HTML pages (Flask test client + the page's CSRF token)."""

from __future__ import annotations

import re
from typing import Any

import pytest

PASSWORD = "a long page passphrase"
_TOKEN = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


class PageClient:
    """Browses pages like a person: GET a page, then post its form with the page's token."""

    def __init__(self, flask_client: Any) -> None:
        self.http = flask_client
        self.token = ""

    def get(self, path: str, **kwargs: Any) -> Any:
        """GET a page and remember its CSRF token."""
        response = self.http.get(path, **kwargs)
        found = _TOKEN.search(response.get_data(as_text=True))
        if found:
            self.token = found.group(1)
        return response

    def submit(self, page: str, data: dict[str, Any], action: str | None = None, **kwargs: Any) -> Any:
        """Open `page`, then post `data` (with the token) to `action` (default: the page)."""
        self.get(page)
        return self.http.post(action or page, data={"csrf_token": self.token, **data}, **kwargs)

    def register(self, name: str, email: str, password: str = PASSWORD) -> Any:
        """Register through the page."""
        return self.submit("/register", {"display_name": name, "email": email, "password": password})


@pytest.fixture
def make_page_client(app: Any) -> Any:
    """Factory of page clients, each with its own cookies."""
    return lambda: PageClient(app.test_client())


@pytest.fixture
def person(make_page_client: Any) -> Any:
    """Factory: a page client registered (and logged in) through the register page."""
    counter = iter(range(1, 10_000))

    def make(name: str | None = None) -> PageClient:
        n = next(counter)
        page = make_page_client()
        response = page.register(name or f"Person {n}", f"person{n}@pages.test")
        assert response.status_code == 302, response.get_data(as_text=True)
        return page

    return make


def flashes(response: Any) -> list[str]:
    """The flash messages on a page."""
    html = response.get_data(as_text=True)
    return [re.sub(r"\s+", " ", m).strip() for m in re.findall(r'<p class="flash[^"]*"[^>]*>(.*?)</p>', html, re.S)]
