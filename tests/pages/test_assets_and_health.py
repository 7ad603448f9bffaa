"""Static files have fingerprinted names that may be cached for a year; /healthz and /readyz
tell a proxy or monitor whether the process is alive and can serve."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

from tribes import ROOT


def _asset_urls(html: str) -> list[str]:
    return re.findall(r'(?:href|src)="(/static/[^"]+)"', html)


def test_pages_link_fingerprinted_assets_that_are_cached_for_a_year(client: Any) -> None:
    html = client.http.get("/login").get_data(as_text=True)
    urls = _asset_urls(html)
    assert urls, "the login page links its CSS and JS"
    for url in urls:
        match = re.fullmatch(r"/static/(.+)\.([0-9a-f]{12})(\.[a-z0-9]+)", url)
        assert match, url
        plain = Path(ROOT / "static" / (match[1] + match[3]))
        assert match[2] == hashlib.sha256(plain.read_bytes()).hexdigest()[:12]   # the name follows the content
        response = client.http.get(url)
        assert response.status_code == 200
        assert response.get_data() == plain.read_bytes()
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_plain_and_outdated_names_still_work_but_are_revalidated(client: Any) -> None:
    for url in ("/static/style.css", "/static/style.000000000000.css"):
        response = client.http.get(url)
        assert response.status_code == 200, url
        assert response.get_data() == (ROOT / "static" / "style.css").read_bytes()
        assert "immutable" not in response.headers.get("Cache-Control", "")


def test_missing_or_escaping_static_names_are_404(client: Any) -> None:
    for url in ("/static/nothing.000000000000.css", "/static/nothing.css", "/static/../pyproject.toml",
                "/static/%2e%2e/pyproject.toml"):
        assert client.http.get(url).status_code == 404, url


def test_healthz_and_readyz_answer_without_login(client: Any) -> None:
    alive = client.http.get("/healthz")
    assert alive.status_code == 200 and alive.get_json() == {"status": "ok"}
    ready = client.http.get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json()["checks"]["database"] is True


def test_readyz_is_503_in_the_error_shape_when_redis_is_unreachable(app: Any, client: Any) -> None:
    previous = app.config.get("REDIS_URL")
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"   # nothing listens on port 1
    try:
        response = client.http.get("/readyz")
    finally:
        app.config["REDIS_URL"] = previous
    assert response.status_code == 503
    error = response.get_json()["error"]
    assert error["code"] == "service_unavailable"
    assert "redis" in error["message"] and "127.0.0.1" not in error["message"]
