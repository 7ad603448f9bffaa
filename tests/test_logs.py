"""Every answer carries a request id (the proxy's, when it sent a sane one), and the JSON log
format puts it on each line."""

from __future__ import annotations

import io
import json
import logging
from typing import Any

from tribes.logs import JsonFormatter, RequestIdFilter


def test_answers_carry_a_request_id_taken_from_the_proxy_when_sane(client: Any) -> None:
    made = client.http.get("/healthz").headers["X-Request-ID"]
    assert len(made) == 16 and made != client.http.get("/healthz").headers["X-Request-ID"]
    given = client.http.get("/healthz", headers={"X-Request-ID": "0f1e2d3c4b5a69788796a5b4c3d2e1f0"})
    assert given.headers["X-Request-ID"] == "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
    odd = client.http.get("/healthz", headers={"X-Request-ID": "<script>alert(1)</script>"})
    assert odd.headers["X-Request-ID"] != "<script>alert(1)</script>" and len(odd.headers["X-Request-ID"]) == 16


def test_json_lines_name_the_request(app: Any) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("tribes.test_logs")
    logger.addHandler(handler)
    try:
        with app.test_request_context("/x", headers={"X-Request-ID": "abcdef0123456789"}):
            app.preprocess_request()
            logger.warning("inside %s", "a request")
        logger.warning("outside")
    finally:
        logger.removeHandler(handler)
    inside, outside = (json.loads(line) for line in stream.getvalue().splitlines())
    assert inside["message"] == "inside a request" and inside["request_id"] == "abcdef0123456789"
    assert inside["level"] == "warning" and inside["logger"] == "tribes.test_logs" and inside["time"].endswith("+00:00")
    assert outside["request_id"] == "-"
