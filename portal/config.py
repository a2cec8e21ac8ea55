"""Settings read from environment variables, with safe defaults for a development machine."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

TRUTHY = {"1", "true", "yes", "on"}
# The audit chain's key outside production: public, so a chain keyed with it proves nothing
# (`portal audit verify` says so). Production refuses to start with it or without a key.
DEMO_AUDIT_KEY = "demo-audit-key-public-never-for-production"
AUDIT_KEY_MIN_LENGTH = 32


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


def check_worker_count(environ, workers: int) -> None:
    """Refuse production with several worker processes and rate limits counted per process.

    Without REDIS_URL each process keeps its own counts, so 4 workers let a script send four
    times the limit, and a second server doubles it again. gunicorn.conf.py calls this.
    """
    production = environ.get("PORTAL_ENV", "production") == "production"
    if production and workers > 1 and not environ.get("REDIS_URL"):
        raise ConfigurationError(
            f"{workers} worker processes and no REDIS_URL: each process would count rate "
            "limits on its own. Set REDIS_URL (shared by every worker and server) or run "
            "one worker."
        )


def _engine_options(config: dict) -> None:
    """Bound every wait on the database, so a locked or unreachable one gives a 503, not a hang."""
    options = config["SQLALCHEMY_ENGINE_OPTIONS"] = dict(config["SQLALCHEMY_ENGINE_OPTIONS"])
    connect_args = options["connect_args"] = dict(options.get("connect_args", {}))
    uri = config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite"):
        connect_args.setdefault("timeout", config["PORTAL_SQLITE_BUSY_TIMEOUT"])
        options.setdefault("pool_pre_ping", True)
    elif uri.startswith("postgresql"):
        # libpq waits forever for a host that drops packets; refused connections fail at once.
        connect_args.setdefault("connect_timeout", 5)
        # A connection the server closed is caught at checkout without a round trip
        # (database._closed_by_server); the pre-ping cost one on every request.
        options.setdefault("pool_pre_ping", False)


def load_config(instance_path: str, overrides: dict | None = None) -> dict:
    """Build the configuration mapping; `overrides` (tests, CLI) win over the environment."""
    overrides = overrides or {}
    env = overrides.get("PORTAL_ENV", os.environ.get("PORTAL_ENV", "development"))
    config = {
        "PORTAL_ENV": env,
        "SQLALCHEMY_DATABASE_URI": _database_url(instance_path),
        # Statement values never go into an exception's message (and so never into a log).
        "SQLALCHEMY_ENGINE_OPTIONS": {"hide_parameters": True},
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
        # Background jobs (portal.services.jobs): on RQ when Redis is there, else run at once.
        "PORTAL_JOBS_REDIS_URL": os.environ.get("REDIS_URL"),
        "PORTAL_JOBS": os.environ.get(
            "PORTAL_JOBS", "rq" if os.environ.get("REDIS_URL") else "inline"
        ),
        # A Redis that accepts connections but never answers must not hold residents up: after
        # a quarter of a second the limiter counts in memory (see below) and checks back later.
        "RATELIMIT_STORAGE_OPTIONS": {"socket_timeout": 0.25, "socket_connect_timeout": 0.25},
        "RATELIMIT_HEADERS_ENABLED": True,
        # If Redis is down, count in memory instead of refusing residents.
        "RATELIMIT_SWALLOW_ERRORS": True,
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        # Where drawn PDFs of published results are kept (empty: draw every time).
        "PORTAL_RESULTS_PDF_CACHE": os.environ.get(
            "PORTAL_RESULTS_PDF_CACHE", os.path.join(instance_path, "results-pdf")
        ),
        # Where the committee's large meeting packs are made by the job queue and kept for a day.
        "PORTAL_COMMITTEE_PACK_DIR": os.environ.get(
            "PORTAL_COMMITTEE_PACK_DIR", os.path.join(instance_path, "committee-packs")
        ),
        # A results table longer than this is drawn as PDF in the background, not in the request.
        "PORTAL_RESULTS_PDF_INLINE_ROWS": int(
            os.environ.get("PORTAL_RESULTS_PDF_INLINE_ROWS", "200")
        ),
        # Number of reverse proxies in front of the app whose X-Forwarded-For can be trusted,
        # and the addresses they connect from (forwarded headers from anyone else are dropped).
        "PORTAL_PROXY_COUNT": int(os.environ.get("PORTAL_PROXY_COUNT", "0")),
        "PORTAL_TRUSTED_PROXIES": os.environ.get("PORTAL_TRUSTED_PROXIES", "127.0.0.1,::1"),
        # Host names the portal answers to (comma-separated); others get 400, so a forged Host
        # header cannot end up in the absolute hreflang links.
        "TRUSTED_HOSTS": [h.strip() for h in os.environ["PORTAL_TRUSTED_HOSTS"].split(",")]
        if os.environ.get("PORTAL_TRUSTED_HOSTS")
        else None,
        # A new comment's language, personal-data count and campaign group (services/resident/arrival.py):
        # "queue" (on RQ, the default with Redis), "thread" (after the commit, in the web
        # process), "inline" (tests), "off" (`portal moderation regroup` catches up).
        "PORTAL_GROUPING": os.environ.get(
            "PORTAL_GROUPING", "queue" if os.environ.get("REDIS_URL") else "thread"
        ),
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
        # Passkeys (services/staff/passkeys.py): the relying party is the site's domain (default:
        # the first PORTAL_TRUSTED_HOSTS name in production, "localhost" elsewhere) and the
        # origins browsers may report (default: https://<domain> in production; elsewhere any
        # http://localhost:PORT, as `portal demo` may use any port).
        "PORTAL_WEBAUTHN_RP_ID": os.environ.get("PORTAL_WEBAUTHN_RP_ID", ""),
        "PORTAL_WEBAUTHN_ORIGINS": os.environ.get("PORTAL_WEBAUTHN_ORIGINS", ""),
        # Where scans of paper comments are kept: outside the web root, served to staff only.
        "PORTAL_UPLOAD_DIR": os.environ.get(
            "PORTAL_UPLOAD_DIR", str(Path(instance_path) / "uploads")
        ),
        # /metrics answers only to "Authorization: Bearer <token>"; without a token it is a 404.
        "PORTAL_METRICS_TOKEN": os.environ.get("PORTAL_METRICS_TOKEN") or None,
        # Seconds a request waits for another SQLite writer before the resident gets the 503
        # page (SQLite retries the lock for that long).
        "PORTAL_SQLITE_BUSY_TIMEOUT": float(os.environ.get("PORTAL_SQLITE_BUSY_TIMEOUT", "5")),
        # Four-eyes rule: a rejection takes effect only when a second moderator confirms it.
        "PORTAL_REJECTION_REVIEW": os.environ.get("PORTAL_REJECTION_REVIEW", "").lower() in TRUTHY,
        # Machine translation (a LibreTranslate server); off unless a URL is set.
        "PORTAL_MT_URL": os.environ.get("PORTAL_MT_URL", ""),
        "PORTAL_MT_API_KEY": os.environ.get("PORTAL_MT_API_KEY", ""),
        # Mail to residents who asked for notices (services/notices). No host: no notices are
        # offered and nothing is sent.
        "PORTAL_SMTP_HOST": os.environ.get("PORTAL_SMTP_HOST", ""),
        "PORTAL_SMTP_PORT": int(os.environ.get("PORTAL_SMTP_PORT", "587")),
        # STARTTLS before logging in ("false" only for a server on this host or in tests).
        "PORTAL_SMTP_STARTTLS": os.environ.get("PORTAL_SMTP_STARTTLS", "true").lower() in TRUTHY,
        "PORTAL_SMTP_USER": os.environ.get("PORTAL_SMTP_USER", ""),
        "PORTAL_SMTP_PASSWORD": os.environ.get("PORTAL_SMTP_PASSWORD", ""),
        "PORTAL_SMTP_TIMEOUT": float(os.environ.get("PORTAL_SMTP_TIMEOUT", "10")),
        "PORTAL_MAIL_FROM": os.environ.get("PORTAL_MAIL_FROM", "noreply@localhost"),
        # A results publication may notify thousands: at most this many messages a minute.
        "PORTAL_MAIL_PER_MINUTE": int(os.environ.get("PORTAL_MAIL_PER_MINUTE", "120")),
        "PORTAL_MAIL_BATCH": int(os.environ.get("PORTAL_MAIL_BATCH", "40")),
        # Where sending runs: "queue" (RQ, `portal worker`), "thread" (in the web process),
        # "inline" (tests: at once, in the caller).
        "PORTAL_MAIL_SENDING": os.environ.get(
            "PORTAL_MAIL_SENDING", "queue" if os.environ.get("REDIS_URL") else "thread"
        ),
        # The public address links in messages and feeds start with (no request to take it from).
        "PORTAL_BASE_URL": os.environ.get("PORTAL_BASE_URL", ""),
        # The read API (/api/v1/): requests per visitor address.
        "PORTAL_API_LIMIT": os.environ.get("PORTAL_API_LIMIT", "600 per 10 minutes"),
        # The accessibility statement promises an answer to a reported problem within this
        # many working days.
        "PORTAL_ACCESSIBILITY_REPLY_DAYS": int(
            os.environ.get("PORTAL_ACCESSIBILITY_REPLY_DAYS", "10")
        ),
        # The audit log's HMAC key (never stored in the database), and earlier keys still
        # needed to verify records written before a rotation (comma-separated).
        "PORTAL_AUDIT_KEY": os.environ.get("PORTAL_AUDIT_KEY") or None,
        "PORTAL_AUDIT_OLD_KEYS": [
            key.strip()
            for key in os.environ.get("PORTAL_AUDIT_OLD_KEYS", "").split(",")
            if key.strip()
        ],
        "BABEL_DEFAULT_LOCALE": "ja",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Tokyo",
    }
    config.update(overrides)
    _engine_options(config)
    if not config["SECRET_KEY"]:
        if env == "production":
            raise ConfigurationError(
                "SECRET_KEY is not set: refusing to start in production without one."
            )
        config["SECRET_KEY"] = _development_secret_key(instance_path)
    if env == "production" and not config["TRUSTED_HOSTS"]:
        # Without it a forged Host header reaches absolute links and redirects.
        raise ConfigurationError(
            "PORTAL_TRUSTED_HOSTS is not set: refusing to start in production without the "
            "host names the portal answers to."
        )
    if not config["PORTAL_BASE_URL"]:
        # Messages and feeds are read away from any request: they link to the first trusted host.
        hosts = config["TRUSTED_HOSTS"]
        config["PORTAL_BASE_URL"] = f"https://{hosts[0]}" if hosts else "http://127.0.0.1:5000"
    config["PORTAL_BASE_URL"] = config["PORTAL_BASE_URL"].rstrip("/")
    _audit_key(config, env)
    return config


def _audit_key(config: dict, env: str) -> None:
    """Production needs its own audit key; elsewhere the public demo key stands in."""
    key = config["PORTAL_AUDIT_KEY"]
    if env != "production":
        config["PORTAL_AUDIT_KEY"] = key or DEMO_AUDIT_KEY
        return
    if not key or key == DEMO_AUDIT_KEY:
        raise ConfigurationError(
            "PORTAL_AUDIT_KEY is not set: refusing to start in production without the audit "
            "log's key (a random value kept outside the database; see README, Security)."
        )
    if len(key) < AUDIT_KEY_MIN_LENGTH:
        raise ConfigurationError(
            f"PORTAL_AUDIT_KEY is shorter than {AUDIT_KEY_MIN_LENGTH} characters: use e.g. "
            "python -c 'import secrets; print(secrets.token_hex(32))'."
        )
