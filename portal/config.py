"""Settings read from environment variables, with safe defaults for a development machine."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

TRUTHY = {"1", "true", "yes", "on"}


class ConfigurationError(RuntimeError):
    """The portal refuses to start with an unsafe configuration."""


def _database_url(instance_path: str) -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return "sqlite:///" + str(Path(instance_path) / "portal.sqlite3")
    # Heroku-style URLs and bare postgresql:// both mean psycopg 3 here.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _development_secret_key(instance_path: str) -> str:
    """A random key kept in the instance folder, so sessions survive a restart of `portal demo`."""
    key_file = Path(instance_path) / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    key = secrets.token_hex(32)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def load_config(instance_path: str, overrides: dict | None = None) -> dict:
    """Build the configuration mapping; `overrides` (tests, CLI) win over the environment."""
    overrides = overrides or {}
    env = overrides.get("PORTAL_ENV", os.environ.get("PORTAL_ENV", "development"))
    config = {
        "PORTAL_ENV": env,
        "SQLALCHEMY_DATABASE_URI": _database_url(instance_path),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SECRET_KEY": os.environ.get("SECRET_KEY"),
        # Name and address are never published; some cities require them for a valid comment.
        "PORTAL_REQUIRE_CONTACT": os.environ.get("PORTAL_REQUIRE_CONTACT", "").lower() in TRUTHY,
        "PORTAL_COMMENT_MAX_LENGTH": int(os.environ.get("PORTAL_COMMENT_MAX_LENGTH", "10000")),
        # A 10,000-character comment in Devanagari is about 90 KB once form-encoded.
        "MAX_CONTENT_LENGTH": 512 * 1024,
        "MAX_FORM_MEMORY_SIZE": 512 * 1024,
        # The token lives as long as the browser session: a resident may write for hours.
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env == "production",
        # Per visitor address. A shared address (an office, a community centre) sends many
        # legitimate comments, so the limit is generous; it stops scripts, not neighbours.
        "PORTAL_SUBMIT_LIMIT": os.environ.get("PORTAL_SUBMIT_LIMIT", "30 per 10 minutes"),
        "PORTAL_LOOKUP_LIMIT": os.environ.get("PORTAL_LOOKUP_LIMIT", "30 per 10 minutes"),
        "RATELIMIT_STORAGE_URI": os.environ.get("REDIS_URL", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        # If Redis is down, count in memory instead of refusing residents.
        "RATELIMIT_SWALLOW_ERRORS": True,
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        # Number of reverse proxies in front of the app whose X-Forwarded-For can be trusted.
        "PORTAL_PROXY_COUNT": int(os.environ.get("PORTAL_PROXY_COUNT", "0")),
        # Host names the portal answers to (comma-separated); others get 400, so a forged Host
        # header cannot end up in the absolute hreflang links.
        "TRUSTED_HOSTS": [h.strip() for h in os.environ["PORTAL_TRUSTED_HOSTS"].split(",")]
        if os.environ.get("PORTAL_TRUSTED_HOSTS")
        else None,
        # Campaign grouping of a new comment: "thread" (after the commit, in the background),
        # "inline" (tests), "off" (a job queue or `portal moderation regroup` does it).
        "PORTAL_GROUPING": os.environ.get("PORTAL_GROUPING", "thread"),
        "PORTAL_LOG_LEVEL": os.environ.get("PORTAL_LOG_LEVEL", "INFO"),
        # Staff accounts need a second factor in production unless the city turns it off.
        "PORTAL_REQUIRE_SECOND_FACTOR": os.environ.get(
            "PORTAL_REQUIRE_SECOND_FACTOR", "true" if env == "production" else "false"
        ).lower()
        in TRUTHY,
        # Per address, and per account (the email typed), on the staff login and its second step.
        "PORTAL_STAFF_LOGIN_LIMIT": os.environ.get("PORTAL_STAFF_LOGIN_LIMIT", "20 per 10 minutes"),
        "PORTAL_STAFF_ACCOUNT_LIMIT": os.environ.get(
            "PORTAL_STAFF_ACCOUNT_LIMIT", "10 per 10 minutes"
        ),
        # Where scans of paper comments are kept: outside the web root, served to staff only.
        "PORTAL_UPLOAD_DIR": os.environ.get(
            "PORTAL_UPLOAD_DIR", str(Path(instance_path) / "uploads")
        ),
        "BABEL_DEFAULT_LOCALE": "ja",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Tokyo",
    }
    config.update(overrides)
    if not config["SECRET_KEY"]:
        if env == "production":
            raise ConfigurationError(
                "SECRET_KEY is not set: refusing to start in production without one."
            )
        config["SECRET_KEY"] = _development_secret_key(instance_path)
    return config
