"""The application factory and its configuration."""

import pytest

from portal import create_app
from portal.config import ConfigurationError


def test_factory_takes_overrides():
    assert not create_app({"PORTAL_ENV": "development"}).testing
    assert create_app({"TESTING": True, "PORTAL_ENV": "development"}).testing


def test_production_refuses_to_start_without_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        create_app({"PORTAL_ENV": "production"})


AUDIT_KEY = "a-long-random-audit-key-kept-outside-the-database"


def test_production_starts_with_secret_key_and_secure_cookies(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "a-long-random-production-key")
    monkeypatch.setenv("PORTAL_TRUSTED_HOSTS", "iken.city.isesaki.example")
    monkeypatch.setenv("PORTAL_AUDIT_KEY", AUDIT_KEY)
    app = create_app({"PORTAL_ENV": "production"})
    assert app.config["SECRET_KEY"] == "a-long-random-production-key"
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_postgres_urls_use_psycopg(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://user@db.example/portal")
    app = create_app({"PORTAL_ENV": "development"})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://user@db.example/portal"


def test_contact_requirement_comes_from_environment(monkeypatch):
    monkeypatch.setenv("PORTAL_REQUIRE_CONTACT", "true")
    monkeypatch.setenv("PORTAL_COMMENT_MAX_LENGTH", "5000")
    app = create_app({"PORTAL_ENV": "development"})
    assert app.config["PORTAL_REQUIRE_CONTACT"] is True
    assert app.config["PORTAL_COMMENT_MAX_LENGTH"] == 5000


def test_pages_carry_security_headers(client):
    response = client.get("/ja/")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_forged_host_header_is_refused_when_hosts_are_configured(monkeypatch):
    monkeypatch.setenv("PORTAL_TRUSTED_HOSTS", "iken.city.isesaki.example, localhost")
    app = create_app({"PORTAL_ENV": "development"})
    client = app.test_client()
    assert client.get("/ja/privacy", headers={"Host": "evil.example"}).status_code == 400
    assert (
        client.get("/ja/privacy", headers={"Host": "iken.city.isesaki.example"}).status_code == 200
    )


def test_submission_is_logged_without_contact_details(caplog, submit, open_measure):
    import logging

    with caplog.at_level(logging.INFO, logger="portal"):
        submit(open_measure, name="伊勢崎花子", email="hanako@example.jp")
    messages = " ".join(record.getMessage() for record in caplog.records)
    assert "received on 1-(1)" in messages
    assert "伊勢崎花子" not in messages
    assert "hanako@example.jp" not in messages


def test_production_refuses_to_start_without_trusted_hosts(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "a-long-random-production-key")
    monkeypatch.delenv("PORTAL_TRUSTED_HOSTS", raising=False)
    with pytest.raises(ConfigurationError, match="PORTAL_TRUSTED_HOSTS"):
        create_app({"PORTAL_ENV": "production"})


def test_production_without_redis_warns_about_per_process_limits(monkeypatch, caplog):
    import logging

    monkeypatch.setenv("SECRET_KEY", "a-long-random-production-key")
    monkeypatch.setenv("PORTAL_TRUSTED_HOSTS", "iken.city.isesaki.example")
    monkeypatch.setenv("PORTAL_AUDIT_KEY", AUDIT_KEY)
    monkeypatch.delenv("REDIS_URL", raising=False)
    with caplog.at_level(logging.WARNING, logger="portal"):
        create_app({"PORTAL_ENV": "production"})
    assert "REDIS_URL is not set" in caplog.text


@pytest.mark.parametrize("scheme", ["javascript", "data", "JAVASCRIPT", "https://evil"])
def test_forwarded_scheme_is_http_or_https_only(scheme):
    app = create_app(
        {
            "PORTAL_ENV": "development",
            "PORTAL_PROXY_COUNT": 1,
            "TRUSTED_HOSTS": ["iken.city.isesaki.example"],
        }
    )
    response = app.test_client().get(
        "/ja",
        headers={"Host": "iken.city.isesaki.example", "X-Forwarded-Proto": scheme},
        environ_base={"REMOTE_ADDR": "127.0.0.1"},
    )
    assert response.status_code == 308
    assert response.headers["Location"].startswith(("http://", "https://", "/"))
    assert not response.headers["Location"].lower().startswith(("javascript", "data"))
    https = app.test_client().get(
        "/ja",
        headers={"Host": "iken.city.isesaki.example", "X-Forwarded-Proto": "https"},
        environ_base={"REMOTE_ADDR": "127.0.0.1"},
    )
    assert https.headers["Location"] == "https://iken.city.isesaki.example/ja/"


@pytest.mark.parametrize(
    ("key", "message"),
    [
        (None, "PORTAL_AUDIT_KEY is not set"),
        ("demo-audit-key-public-never-for-production", "PORTAL_AUDIT_KEY is not set"),
        ("short-key", "shorter than 32 characters"),
    ],
)
def test_production_refuses_to_start_without_its_own_audit_key(monkeypatch, key, message):
    monkeypatch.setenv("SECRET_KEY", "a-long-random-production-key")
    monkeypatch.setenv("PORTAL_TRUSTED_HOSTS", "iken.city.isesaki.example")
    if key is None:
        monkeypatch.delenv("PORTAL_AUDIT_KEY", raising=False)
    else:
        monkeypatch.setenv("PORTAL_AUDIT_KEY", key)
    with pytest.raises(ConfigurationError, match=message):
        create_app({"PORTAL_ENV": "production"})


def test_outside_production_the_public_demo_audit_key_stands_in(monkeypatch):
    from portal.config import DEMO_AUDIT_KEY

    monkeypatch.delenv("PORTAL_AUDIT_KEY", raising=False)
    assert create_app({"PORTAL_ENV": "development"}).config["PORTAL_AUDIT_KEY"] == DEMO_AUDIT_KEY
