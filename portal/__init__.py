"""Isesaki City's public comment portal for the administrative reform outline (行政改革大綱)."""

from __future__ import annotations

import logging
import os

from flask import Flask
from werkzeug.routing import BaseConverter

from portal import logs
from portal.config import load_config
from portal.converters import BoundedIntConverter
from portal.extensions import babel, csrf, db, limiter, migrate
from portal.i18n import LOCALES, select_babel_locale
from portal.proxy import TrustedProxyFix, parse_networks

MIGRATIONS_DIR = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "migrations"
)


class LocaleConverter(BaseConverter):
    """Matches only the portal's locale tags, so /xx/... is a plain 404."""

    regex = "|".join(sorted((locale.tag for locale in LOCALES), key=len, reverse=True))


def create_app(overrides: dict | None = None) -> Flask:
    """Build the portal application. `overrides` replace settings (used by tests and the CLI)."""
    app = Flask(__name__, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(load_config(app.instance_path, overrides))
    app.url_map.converters["locale"] = LocaleConverter
    # Every <int:...> rule: a number past 2**31-1 is a 404, not an overflow in the database.
    app.url_map.converters["int"] = BoundedIntConverter

    logs.init_app(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR)
    csrf.init_app(app)
    limiter.init_app(app)
    if app.config["PORTAL_PROXY_COUNT"]:
        app.wsgi_app = TrustedProxyFix(
            app.wsgi_app,
            app.config["PORTAL_PROXY_COUNT"],
            parse_networks(app.config["PORTAL_TRUSTED_PROXIES"]),
        )
    babel.init_app(app, locale_selector=select_babel_locale)

    from portal import api, cli, errors, health, metrics, security, staff_access, templating
    from portal.admin import bp as admin_bp
    from portal.auth import bp as auth_bp
    from portal.committee import bp as committee_bp
    from portal.moderation import bp as moderation_bp
    from portal.public import bp as public_bp
    from portal.public import root_bp
    from portal.services import audit_chain
    from portal.services.resident import pages

    app.register_blueprint(root_bp)
    app.register_blueprint(public_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(moderation_bp)

    app.register_blueprint(committee_bp)
    api.init_app(app)
    staff_access.init_app(app)
    errors.init_app(app)
    health.init_app(app)
    metrics.init_app(app)
    security.init_app(app)
    templating.init_app(app)
    pages.init_app(app)
    audit_chain.init_app(app)
    cli.init_app(app)
    if app.config["PORTAL_ENV"] == "production" and app.config["RATELIMIT_STORAGE_URI"].startswith(
        "memory"
    ):
        logging.getLogger(__name__).warning(
            "REDIS_URL is not set: each worker process counts rate limits on its own, so with "
            "N workers a visitor gets N times the documented limit. Set REDIS_URL, or run one worker."
        )
    return app
