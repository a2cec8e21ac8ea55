"""Browser-test fixtures: one gunicorn server and one chromium per test module."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from e2e.portal_server import CHROMIUM, chromium_browser, gunicorn_server, require
from portal.database import utcnow
from portal.extensions import db
from portal.models import Measure

# Measures open for comment in the browser tests; the rest keep the seed's (unscheduled) state.
OPEN_MEASURES = ("1-(1)", "1-(5)")


@pytest.fixture(scope="module")
def live_server(make_fresh_app, tmp_path_factory):
    """The portal under gunicorn on a free loopback port, on a fresh seeded database."""
    require(CHROMIUM is not None, "Debian's chromium is not installed")
    app = make_fresh_app(tmp_path_factory.mktemp("e2e"), {})
    with app.app_context():
        now = utcnow()
        for code in OPEN_MEASURES:
            measure = db.session.scalar(sa.select(Measure).where(Measure.code == code))
            measure.opens_at, measure.closes_at = now - timedelta(days=1), now + timedelta(days=20)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    database_uri = app.config["SQLALCHEMY_DATABASE_URI"]
    with gunicorn_server(database_uri) as url:
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
