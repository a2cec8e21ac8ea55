"""Liveness and readiness for the load balancer and monitoring (plain text, no locale)."""

from __future__ import annotations

import logging

from flask import Flask
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from portal.extensions import db, limiter
from portal.logs import describe_error

log = logging.getLogger(__name__)
_PLAIN = {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}


def healthz():
    """The process is up and answering."""
    return "ok\n", 200, _PLAIN


def _database_ok() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
        return True
    except SQLAlchemyError as error:
        log.warning("readiness: database unreachable: %s", describe_error(error))
        return False
    finally:
        db.session.rollback()


def _limit_store_ok() -> bool:
    # The storage's own check pings Redis, with the short socket timeouts from the config.
    try:
        return bool(limiter.storage.check())
    except Exception as error:  # noqa: BLE001 - any failure means "not reachable"
        log.warning("readiness: rate-limit store unreachable: %s", describe_error(error))
        return False


def readyz(app: Flask):
    """The database answers and, when Redis is configured, so does Redis; 503 otherwise."""
    checks = {"database": _database_ok()}
    if not app.config["RATELIMIT_STORAGE_URI"].startswith("memory"):
        checks["redis"] = _limit_store_ok()
    body = "".join(f"{name}: {'ok' if ok else 'unreachable'}\n" for name, ok in checks.items())
    return body, 200 if all(checks.values()) else 503, _PLAIN


def init_app(app: Flask) -> None:
    """Add /healthz and /readyz."""
    app.add_url_rule("/healthz", "healthz", healthz)
    app.add_url_rule("/readyz", "readyz", lambda: readyz(app))
