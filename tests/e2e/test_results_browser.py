"""Published results on a phone, in a real browser (Debian's chromium)."""

from __future__ import annotations

import shutil
import threading

import pytest
import sqlalchemy as sa
from test_results import RESPONSE_VI, closed_measure  # noqa: F401  (fixture)
from werkzeug.serving import make_server

from portal.database import utcnow
from portal.extensions import db
from portal.models import Measure

CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")
BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture
def published_server(app, closed_measure):  # noqa: F811
    """The portal with 1-(1)'s results published, served on a free local port."""
    with app.app_context():
        measure = db.session.scalar(sa.select(Measure).where(Measure.code == "1-(1)"))
        measure.results_published_at = utcnow()
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


def test_results_read_on_a_phone_in_vietnamese(published_server, tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        page = browser.new_page(viewport={"width": 390, "height": 844})
        page.goto(published_server + "/vi/measures/1-1")
        page.click("a[href='/vi/measures/1-1/results']")
        assert page.locator("h1").inner_text().startswith("Kết quả lấy ý kiến công chúng")
        # the table stacks into cards: nothing runs off the side of the screen
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        campaign = page.locator("#row-3")
        assert campaign.locator(".city-view").inner_text() == RESPONSE_VI
        assert campaign.locator(".city-view").get_attribute("lang") == "vi"
        assert "3 ý kiến cùng nội dung" in campaign.inner_text()
        page.screenshot(path=str(tmp_path / "results-vi.png"), full_page=True)
        page.click("a[href='/vi/measures/1-1/results/comments']")
        assert page.locator(".annex-entry").count() == 5
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=str(tmp_path / "annex-vi.png"), full_page=True)
        page.goto(published_server + "/ja-x-easy/measures/1-1/results")
        assert page.locator("th ruby").count() > 0  # readings over the interface's kanji
        assert page.locator(".opinion ruby").count() == 0  # never over the city's own text
        page.screenshot(path=str(tmp_path / "results-easy.png"), full_page=True)
        browser.close()
