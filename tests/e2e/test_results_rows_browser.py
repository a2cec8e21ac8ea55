"""A long published result on a 375 px phone, in a real browser (Debian's chromium): the resident
finds a row through the table of contents, the search and the link on their receipt; on a
desktop the 対応区分 column keeps its words on one line."""

from __future__ import annotations

import threading

import pytest
from test_results import _publish, closed_measure  # noqa: F401  (fixture)
from test_results_rows_render import LIBRARY, PLAIN_ROW, _anchor, _grow, app_config  # noqa: F401
from werkzeug.serving import make_server

from e2e.portal_server import BROWSER_ARGS, CHROMIUM

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")


@pytest.fixture
def long_results_server(app, client, login_as, closed_measure):  # noqa: F811
    """1-(1)'s results published and grown to 105 rows over four parts, served on a free port."""
    _publish(app, client, login_as)
    parts = _grow(app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", parts
    server.shutdown()
    thread.join()


def _in_view(page, selector: str) -> bool:
    return page.evaluate(
        """(selector) => { const r = document.querySelector(selector).getBoundingClientRect();
        return r.top >= -2 && r.top < window.innerHeight; }""",
        selector,
    )


def test_resident_finds_a_row_on_a_phone(long_results_server, tmp_path):
    from playwright.sync_api import sync_playwright

    base, parts = long_results_server
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        phone = browser.new_page(viewport={"width": 375, "height": 812})
        phone.goto(base + "/vi/measures/1-1/results")
        # nothing runs off the side of the screen, and the notice about Japanese is there once
        assert phone.evaluate("document.documentElement.scrollWidth") <= 375
        assert phone.locator(".in-japanese-notice").count() == 1
        assert phone.locator(".results-contents li").count() == len(parts)
        phone.screenshot(path=str(tmp_path / "phone-top.png"))
        # the table of contents jumps to a part on the next page
        phone.locator(".results-contents li").nth(2).locator("a").click()
        phone.wait_for_load_state()
        assert phone.url.endswith(f"?page=2#{_anchor(parts[2])}")
        assert _in_view(phone, f"#{_anchor(parts[2])}")
        phone.screenshot(path=str(tmp_path / "phone-contents-jump.png"))
        # the search finds one row among 105, without leaving the page's layout
        phone.fill("#results-q", "図書館")
        phone.press("#results-q", "Enter")
        phone.wait_for_load_state()
        assert phone.locator("tr[id^=row-]").count() == 1
        row = phone.locator("#row-77")
        assert LIBRARY in row.inner_text()
        assert phone.evaluate("document.documentElement.scrollWidth") <= 375
        phone.screenshot(path=str(tmp_path / "phone-search.png"), full_page=True)
        # the receipt's link opens the right page with the row in view
        phone.goto(base + f"/vi/measures/1-1/results?page=2#row-{PLAIN_ROW}")
        assert _in_view(phone, f"#row-{PLAIN_ROW}")
        phone.screenshot(path=str(tmp_path / "phone-receipt-row.png"))
        # easy Japanese: the card labels carry ruby
        phone.goto(base + "/ja-x-easy/measures/1-1/results")
        assert phone.locator("#row-1 .cell-label ruby").count() > 0
        assert phone.evaluate("document.documentElement.scrollWidth") <= 375
        phone.screenshot(path=str(tmp_path / "phone-easy.png"))
        # desktop: 対応区分 is one line, not a column of single characters
        desk = browser.new_page(viewport={"width": 1280, "height": 900})
        desk.goto(base + "/ja/measures/1-1/results")
        cell = desk.locator("#row-1 td.category")
        assert cell.inner_text().strip() == "今後の参考とする"
        height = cell.evaluate("c => c.getBoundingClientRect().height")
        line = cell.evaluate("c => parseFloat(getComputedStyle(c).lineHeight) || 24")
        text_height = cell.evaluate(
            "c => { const r = document.createRange(); r.selectNodeContents(c.lastChild);"
            " return r.getBoundingClientRect().height; }"
        )
        assert text_height < 2 * line, (height, line, text_height)
        desk.locator("#row-1").scroll_into_view_if_needed()
        desk.screenshot(path=str(tmp_path / "desktop.png"))
        desk.set_viewport_size({"width": 375, "height": 812})
        assert desk.evaluate("document.documentElement.scrollWidth") <= 375
        desk.locator("#row-1").scroll_into_view_if_needed()
        desk.screenshot(path=str(tmp_path / "phone-ja-card.png"))
        browser.close()
