"""Published results on a phone, in a real browser (Debian's chromium)."""

from __future__ import annotations

import threading

import pytest
from conftest import STAFF_PASSWORD
from test_results import RESPONSE_VI, closed_measure  # noqa: F401  (fixture)
from werkzeug.serving import make_server

from e2e.portal_server import BROWSER_ARGS, CHROMIUM

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")


@pytest.fixture
def published_server(app, closed_measure, make_staff):  # noqa: F811
    """The portal with 1-(1)'s period closed and every comment decided, served on a free local
    port, and an admin who will publish the results."""
    admin = make_staff("admin")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", admin
    server.shutdown()
    thread.join()


def _admin_publishes(browser, base: str, admin: dict) -> None:
    desk = browser.new_page(viewport={"width": 1280, "height": 900})
    desk.goto(base + "/staff/language/en")  # staff screens' second language
    desk.goto(base + "/staff/admin/measures/1-(1)/results/publish")
    desk.fill("input[name=email]", admin["email"])
    desk.fill("input[name=password]", STAFF_PASSWORD)
    desk.click("main button.primary[type=submit]")
    assert desk.url.endswith("/staff/admin/measures/1-(1)/results/publish")
    desk.click("main button.primary[type=submit]")  # without the confirmation: refused
    assert desk.locator(".error-summary").count() == 1
    desk.check("input[name=confirm]")
    desk.click("main button.primary[type=submit]")
    assert "Residents can read them now" in desk.content()
    desk.close()


def test_results_read_on_a_phone_in_vietnamese(published_server, tmp_path):
    from playwright.sync_api import sync_playwright

    published_server, admin = published_server
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        # before publication nothing of the comments is public
        page = browser.new_page(viewport={"width": 390, "height": 844})
        assert page.goto(published_server + "/vi/measures/1-1/results").status == 404
        _admin_publishes(browser, published_server, admin)
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
