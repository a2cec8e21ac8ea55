"""Fixtures: an app on a fresh, migrated and seeded database for every test.

SQLite (default): the schema is built once by the real migrations and seeded into a template
file, which every test copies. PostgreSQL (``DATABASE_URL`` set, as in CI's second pass): the
schema is dropped and rebuilt by the migrations once per run, and every test starts from
truncated tables, seeded again.
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from portal import create_app
from portal.database import utcnow
from portal.extensions import db
from portal.models import Measure
from portal.services.content.seed import seed_outline

POSTGRES_URL = os.environ.get("DATABASE_URL", "")
if POSTGRES_URL.startswith(("postgresql://", "postgres://")):
    POSTGRES_URL = "postgresql+psycopg://" + POSTGRES_URL.split("://", 1)[1]
USE_POSTGRES = POSTGRES_URL.startswith("postgresql+psycopg://")
# With REDIS_URL set (as in CI), rate limits are counted in Redis, as with several workers.
REDIS_URL = os.environ.get("REDIS_URL", "")

_CSRF_FIELD = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
# What a resident is shown after sending a comment: a receipt number and an access key.
RECEIPT = re.compile(r"PC-\d{4}-\d{6}")
KEY = re.compile(r"[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}")


def _test_config(database_uri: str, **extra) -> dict:
    return {
        "RATELIMIT_STORAGE_URI": REDIS_URL or "memory://",
        "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        "TESTING": True,
        "PORTAL_ENV": "testing",
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_uri,
        # Background jobs run at once, so a test sees their effect (tests/test_jobs.py uses RQ).
        "PORTAL_JOBS": "inline",
        # Campaign grouping runs right after the commit, so tests see its result at once.
        "PORTAL_GROUPING": "inline",
        **extra,
    }


@pytest.fixture(scope="session")
def database_template(tmp_path_factory):
    """A migrated, seeded database to start each test from."""
    if USE_POSTGRES:
        engine = sa.create_engine(POSTGRES_URL)
        with engine.begin() as connection:
            connection.execute(sa.text("DROP SCHEMA public CASCADE"))
            connection.execute(sa.text("CREATE SCHEMA public"))
        engine.dispose()
        app = create_app(_test_config(POSTGRES_URL))
        with app.app_context():
            upgrade()
            db.engine.dispose()
        return POSTGRES_URL
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    app = create_app(_test_config(f"sqlite:///{path}"))
    with app.app_context():
        upgrade()
        seed_outline()
        db.session.commit()
        db.engine.dispose()
    return path


@pytest.fixture
def app_config():
    """Settings a test may change before the app is built (e.g. PORTAL_REQUIRE_CONTACT)."""
    return {}


def fresh_app(database_template, directory, app_config: dict):
    """An app on a fresh copy of the seeded database (a file in `directory` on SQLite)."""
    if USE_POSTGRES:
        app = create_app(_test_config(POSTGRES_URL, **app_config))
        with app.app_context():
            tables = ", ".join(t.name for t in db.metadata.sorted_tables)
            db.session.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            seed_outline()
            db.session.commit()
            db.session.remove()
        return app
    path = directory / "portal.sqlite3"
    shutil.copy(database_template, path)
    return create_app(_test_config(f"sqlite:///{path}", **app_config))


@pytest.fixture(scope="session")
def make_fresh_app(database_template):
    """`fresh_app` for fixtures outside this file (a second conftest cannot import this one)."""
    return lambda directory, app_config: fresh_app(database_template, directory, app_config)


@pytest.fixture
def app(database_template, tmp_path, app_config):
    """The portal on a fresh database holding the seeded outline."""
    app = fresh_app(database_template, tmp_path, app_config)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    """A browser-like client (keeps cookies, so CSRF tokens work as for a resident)."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """The `portal` command line, bound to the test app."""
    return app.test_cli_runner()


def csrf_token_from(html: str) -> str:
    """The CSRF token of the first form in a page."""
    match = _CSRF_FIELD.search(html)
    assert match, "page has no CSRF token"
    return match[1]


def set_period(app, code: str, opens_in: timedelta, closes_in: timedelta, results_in=None) -> None:
    """Move a measure's comment period relative to now."""
    with app.app_context():
        measure = db.session.scalar(sa.select(Measure).where(Measure.code == code))
        now = utcnow()
        measure.opens_at, measure.closes_at = now + opens_in, now + closes_in
        measure.results_published_at = None if results_in is None else now + results_in
        db.session.commit()


@pytest.fixture
def open_measure(app):
    """Measure 1-(1) open for comments for another 10 days; returns its page path (Japanese)."""
    set_period(app, "1-(1)", timedelta(days=-20), timedelta(days=10))
    return "/ja/measures/1-1"


def valid_comment(**overrides) -> dict:
    """Form fields of a complete, valid comment."""
    data = {
        "body": "行政運営の効率化に賛成します。窓口の待ち時間を短くしてください。",
        "language": "ja",
        "respondent_type": "lives",
        "age_band": "",
        "district": "",
        "position": "",
        "name": "",
        "address": "",
        "email": "",
        "phone": "",
        "consent": "y",
    }
    data.update(overrides)
    return data


@pytest.fixture
def submit(client):
    """Post a comment through the real form, CSRF token included; returns the response."""

    def _submit(path: str, follow_redirects: bool = True, **fields):
        page = client.get(path)
        # a field given as None is left out of the request, as an unticked checkbox is
        data = {k: v for k, v in valid_comment(**fields).items() if v is not None}
        data["csrf_token"] = csrf_token_from(page.get_data(as_text=True))
        return client.post(path, data=data, follow_redirects=follow_redirects)

    return _submit


def comment_receipt(submit, path: str, **fields) -> tuple[str, str]:
    """Send a comment through the form; returns the receipt number and access key shown."""
    page = submit(path, **fields).get_data(as_text=True)
    return RECEIPT.search(page)[0], KEY.search(page)[0]


def look_up_receipt(client, number: str, key: str, lang: str = "en"):
    """Open a comment's status page as its resident does, with receipt number and access key."""
    form = client.get(f"/{lang}/receipts").get_data(as_text=True)
    return client.post(
        f"/{lang}/receipts",
        data={"receipt_number": number, "access_key": key, "csrf_token": csrf_token_from(form)},
    )


STAFF_PASSWORD = "quiet-harbour-lantern-2026"


@pytest.fixture
def make_staff(app):
    """Create a staff account: make_staff("moderator", "committee", totp=True) -> (id, secret)."""
    from portal.services.staff import accounts

    def _make(*roles, email=None, totp=False, enabled=True):
        email = email or f"{'-'.join(roles) or 'none'}-{uuid.uuid4().hex[:6]}@city.example"
        with app.app_context():
            now = utcnow()
            user = accounts.create_account(email, email.split("@")[0], roles, now)
            accounts.set_password(user, STAFF_PASSWORD, now)
            user.is_enabled = enabled
            secret = None
            if totp:
                secret = user.totp_secret = accounts.new_totp_secret()
            db.session.commit()
            return {"id": user.id, "email": email, "secret": secret}

    return _make


def staff_login(client, email, password=STAFF_PASSWORD, code=None):
    """Log in through the real login form (and the code step when a code is given).

    Staff screens are Japanese by default; tests read them in English, their second language
    (tests/test_staff_i18n.py checks the Japanese).
    """
    client.get("/staff/language/en")
    page = client.get("/staff/login")
    response = client.post(
        "/staff/login",
        data={"email": email, "password": password, "csrf_token": csrf_token_from(page.text)},
    )
    if code is not None and response.status_code == 302 and "/login/code" in response.location:
        page = client.get("/staff/login/code")
        response = client.post(
            "/staff/login/code", data={"code": code, "csrf_token": csrf_token_from(page.text)}
        )
    return response


@pytest.fixture
def login_as(client, make_staff):
    """A client logged in with a fresh account holding `roles`; returns the account dict."""

    def _login(*roles, **kwargs):
        account = make_staff(*roles, **kwargs)
        response = staff_login(client, account["email"])
        assert response.status_code == 302, response.text
        return account

    return _login


def post_form(client, page_path, action_path, data, **kwargs):
    """GET a page for its CSRF token, then POST `data` to `action_path`."""
    token = csrf_token_from(client.get(page_path).text)
    return client.post(action_path, data={**data, "csrf_token": token}, **kwargs)
