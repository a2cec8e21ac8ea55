"""A resident's journey in a real browser (Debian's chromium, driven by Playwright) on a phone screen."""

from __future__ import annotations

import re
import shutil
import threading
from datetime import timedelta

import pytest
from conftest import set_period
from werkzeug.serving import make_server

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
def live_server(app):
    """The portal served over HTTP on a free local port for the length of a test."""
    set_period(app, "1-(5)", -timedelta(days=1), timedelta(days=20))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture
def phone(live_server):
    """A phone-sized page whose browser prefers Vietnamese."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        context = browser.new_context(
            viewport={"width": 390, "height": 844},
            extra_http_headers={"Accept-Language": "vi-VN,vi;q=0.9"},
        )
        page = context.new_page()
        dialogs = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.dialogs = dialogs
        yield page
        browser.close()


def test_resident_comments_from_a_phone_and_gets_a_receipt(phone, live_server):
    phone.goto(live_server + "/")
    assert phone.url == live_server + "/vi/"
    phone.click("a[href='/vi/measures/1-5']")
    body = phone.locator("textarea[name=body]")
    text = "Tôi mong thành phố cung cấp thông tin bằng tiếng Việt. <script>alert(1)</script>"
    body.fill(text)
    assert phone.locator("#body-counter").inner_text().startswith(str(len(text)))
    phone.check("input[name=respondent_type][value=works]")
    phone.click("button[type=submit]")
    # consent forgotten: the error is shown next to the field and the text is kept
    assert phone.locator(".field-errors").count() == 1
    assert phone.locator("textarea[name=body]").input_value() == text
    phone.check("input[name=consent]")
    phone.click("button[type=submit]")
    number = phone.locator(".receipt-number").inner_text()
    key = phone.locator(".access-key").inner_text()
    assert re.fullmatch(r"PC-\d{4}-\d{6}", number)
    assert re.fullmatch(r"[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}", key)
    assert phone.locator(".comment-text").inner_text() == text
    assert phone.dialogs == []  # the script in the comment never ran

    phone.goto(live_server + "/vi/receipts")
    phone.fill("input[name=receipt_number]", number)
    phone.fill("input[name=access_key]", key)
    phone.click("button[type=submit]")
    assert phone.locator(".status-received").count() == 1
    phone.check("input[name=confirm]")
    phone.click(".withdraw-form button")
    assert phone.locator(".status-withdrawn").count() == 1


def test_counter_warns_past_the_limit(phone, live_server):
    phone.goto(live_server + "/en/measures/1-5")
    phone.locator("textarea[name=body]").fill("あ" * 10_001)
    counter = phone.locator("#body-counter")
    assert counter.inner_text() == "10,001 of 10,000 characters"
    assert "over-limit" in counter.get_attribute("class")


def test_language_picker_keeps_the_page(phone, live_server):
    phone.goto(live_server + "/vi/measures/1-5")
    phone.click(".language-picker summary")
    phone.click("a[hreflang=ne]")
    assert phone.url == live_server + "/ne/measures/1-5"
    assert phone.locator("html").get_attribute("lang") == "ne"


def test_page_fits_a_phone_screen(phone, live_server):
    for path in ("/ja/", "/ne/measures/1-5", "/ja-x-easy/measures/1-5", "/vi/receipts"):
        phone.goto(live_server + path)
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, path
