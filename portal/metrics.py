"""Prometheus metrics: requests, latency, comments received, errors, the review queue.

Counters live in this process; under gunicorn with several workers, set
``PROMETHEUS_MULTIPROC_DIR`` (an empty directory, emptied at every start) before the portal is
imported, and prometheus_client's multiprocess mode adds up every worker's counts at each
scrape. Without it, a scrape sees only the worker that happened to answer.
"""

from __future__ import annotations

import hmac
import os
import time

from flask import Flask, Response, abort, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import func, select

REQUESTS = Counter(
    "portal_http_requests",
    "HTTP requests answered, by endpoint (Flask endpoint name), method and status.",
    ["endpoint", "method", "status"],
)
LATENCY = Histogram(
    "portal_http_request_duration_seconds",
    "Time from the start of a request to its response, by endpoint.",
    ["endpoint"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
COMMENTS = Counter(
    "portal_comments_received",
    "Comments stored, by the language the resident declared.",
    ["language"],
)
ERRORS = Counter(
    "portal_errors",
    "Failures: 'unhandled' (a 500 page), 'storage' (a comment could not be stored, 503).",
    ["kind"],
)


def comment_received(language: str) -> None:
    """Count one stored comment."""
    COMMENTS.labels(language=language).inc()


def error(kind: str) -> None:
    """Count one failure of the given kind."""
    ERRORS.labels(kind=kind).inc()


def _endpoint() -> str:
    # Endpoint names are a fixed set; raw paths would let anyone create new series.
    return request.endpoint or "unmatched"


def _start_timer() -> None:
    g.metrics_started = time.perf_counter()


def _record(response: Response) -> Response:
    endpoint = _endpoint()
    REQUESTS.labels(endpoint=endpoint, method=request.method, status=response.status_code).inc()
    started = g.get("metrics_started")
    if started is not None:
        LATENCY.labels(endpoint=endpoint).observe(time.perf_counter() - started)
    return response


class _ReviewQueue:
    """Comments waiting for a moderator, counted from the database at each scrape."""

    def collect(self):
        from portal.extensions import db
        from portal.models import Comment, CommentStatus

        waiting = db.session.scalar(
            select(func.count())
            .select_from(Comment)
            .where(Comment.status.in_([CommentStatus.RECEIVED, CommentStatus.UNDER_REVIEW]))
        )
        yield GaugeMetricFamily(
            "portal_comments_awaiting_review", "Comments received and not yet decided.", waiting
        )


def _authorised() -> bool:
    token = current_app.config.get("PORTAL_METRICS_TOKEN")
    if not token:
        abort(404)  # metrics are off unless a token is configured
    given = request.headers.get("Authorization", "")
    return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())


def metrics_view():
    """The Prometheus exposition, for a scraper that presents the bearer token."""
    if not _authorised():
        return (
            "A bearer token is required.\n",
            401,
            {"WWW-Authenticate": "Bearer", "Content-Type": "text/plain; charset=utf-8"},
        )
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    queue = CollectorRegistry()
    queue.register(_ReviewQueue())
    body = generate_latest(registry) + generate_latest(queue)
    return body, 200, {"Content-Type": CONTENT_TYPE_LATEST, "Cache-Control": "no-store"}


def init_app(app: Flask) -> None:
    """Time and count every request; serve /metrics when PORTAL_METRICS_TOKEN is set."""
    app.before_request(_start_timer)
    app.after_request(_record)
    app.add_url_rule("/metrics", "metrics", metrics_view)
