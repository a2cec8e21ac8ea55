"""Browser-test fixtures: one gunicorn server and one chromium per test module."""

from __future__ import annotations

from datetime import timedelta

import pytest
from api_conformance import publish_sample_results

from e2e.portal_server import (
    chromium_browser,
    database_for_server,
    gunicorn_server,
    open_for_comment,
    require_chromium,
)

# Measures open for comment in the browser tests; the rest keep the seed's (unscheduled) state.
OPEN_MEASURES = ("1-(1)", "1-(5)")
# A measure whose results are published (a withheld phone number, a campaign, a rejection).
PUBLISHED_MEASURE = "3-(1)"


@pytest.fixture(scope="module")
def live_server(make_fresh_app, tmp_path_factory):
    """The portal under gunicorn on a free loopback port, on a fresh seeded database."""
    require_chromium()
    app = make_fresh_app(tmp_path_factory.mktemp("e2e"), {})
    publish_sample_results(app, PUBLISHED_MEASURE)
    with database_for_server(app) as now:
        for code in OPEN_MEASURES:
            open_for_comment(code, now - timedelta(days=1), now + timedelta(days=20))
    database_uri = app.config["SQLALCHEMY_DATABASE_URI"]
    # A mail server is configured (nobody listens there): the forms offer e-mail notices.
    with gunicorn_server(database_uri, PORTAL_SMTP_HOST="127.0.0.1", PORTAL_SMTP_PORT="9") as url:
        yield url


@pytest.fixture(scope="module")
def browser(live_server):
    """One chromium for the whole module; each test opens its own contexts."""
    with chromium_browser() as browser:
        yield browser


@pytest.fixture
def phone(browser):
    """A 390×844 phone page whose browser prefers Vietnamese; records any dialog."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        extra_http_headers={"Accept-Language": "vi-VN,vi;q=0.9"},
    )
    page = context.new_page()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.dialogs = dialogs
    yield page
    context.close()
