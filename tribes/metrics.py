"""Prometheus metrics (prometheus-client), served on their own address so they are not public:
`TRIBES_METRICS_PORT` (and `TRIBES_METRICS_ADDRESS`, default 127.0.0.1) for `tribes serve` and
`tribes worker`; nothing is served without it.

- `tribes_http_request_seconds{method,endpoint,status}`: request latency by Flask endpoint;
- `tribes_socket_event_seconds{event,outcome}`: Socket.IO handlers (chat sends: `event="send"`),
  the outcome being `ok` or the error code of the ack;
- gauges read at scrape time, registered by the features: open sockets of this process,
  the mail outbox's depth by status, how late the oldest due mail and reminder are (job lag).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

from flask import Flask, Response, g, request
from prometheus_client import Histogram, start_http_server
from prometheus_client.core import REGISTRY, GaugeMetricFamily
from prometheus_client.registry import Collector

log = logging.getLogger(__name__)

REQUEST_SECONDS = Histogram(
    "tribes_http_request_seconds", "HTTP request latency by endpoint.", ["method", "endpoint", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
SOCKET_EVENT_SECONDS = Histogram(
    "tribes_socket_event_seconds", "Socket.IO event handling time by event and outcome.", ["event", "outcome"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
SEND_BATCH_SIZE = Histogram(
    "tribes_chat_send_batch_size", "Socket sends of tribe messages handled together in one round (chat.batching).",
    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256),
)
SEND_BATCH_SECONDS = Histogram(
    "tribes_chat_send_batch_seconds", "Time of one round of batched socket sends: checks, insert, broadcast.",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1),
)

#: name -> (help, function returning {labels tuple: value}, label names)
_GAUGES: dict[str, tuple[str, Callable[[], dict[tuple[str, ...], float]], tuple[str, ...]]] = {}
_APP: list[Flask] = []


def gauge(name: str, documentation: str, read: Callable[[], dict[tuple[str, ...], float]],
          labels: tuple[str, ...] = ()) -> None:
    """Register a gauge read at scrape time (inside an app context): `read()` gives the value
    per tuple of label values (`{(): value}` without labels)."""
    _GAUGES[name] = (documentation, read, labels)


class _ScrapeTimeGauges(Collector):
    """Reads the registered gauges when Prometheus scrapes."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        for name, (documentation, read, labels) in sorted(_GAUGES.items()):
            family = GaugeMetricFamily(name, documentation, labels=list(labels))
            try:
                if _APP:
                    with _APP[0].app_context():
                        values = read()
                else:
                    values = read()
            except Exception as exc:  # the database away: leave the gauge out of this scrape
                log.warning("metric %s could not be read (%s)", name, type(exc).__name__)
                continue
            for label_values, value in values.items():
                family.add_metric(list(label_values), value)
            yield family


REGISTRY.register(_ScrapeTimeGauges())


def observe_socket_event(event: str, outcome: str, seconds: float) -> None:
    """Count one handled Socket.IO event."""
    SOCKET_EVENT_SECONDS.labels(event, outcome).observe(seconds)


def observe_send_batch(size: int, seconds: float) -> None:
    """Count one round of batched socket sends."""
    SEND_BATCH_SIZE.observe(size)
    SEND_BATCH_SECONDS.observe(seconds)


def init_app(app: Flask) -> None:
    """Time every request by its endpoint."""

    @app.before_request
    def _start_timer() -> None:
        g.metrics_started = time.perf_counter()

    @app.after_request
    def _observe(response: Response) -> Response:
        started = g.get("metrics_started")
        if started is not None:
            endpoint = request.url_rule.endpoint if request.url_rule is not None else "unmatched"
            REQUEST_SECONDS.labels(request.method, endpoint, f"{response.status_code // 100}xx").observe(
                time.perf_counter() - started
            )
        return response


def serve(app: Flask, port: int | None, address: str = "127.0.0.1") -> Any:
    """Serve /metrics on `address:port` (nothing without a port)."""
    if not port:
        return None
    _APP[:] = [app]
    started = start_http_server(port, addr=address)
    log.info("metrics on http://%s:%s/metrics", address, port)
    return started
