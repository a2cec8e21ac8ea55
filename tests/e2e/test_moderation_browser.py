"""A moderator works on a Vietnamese comment in a real browser, and the resident sees the result."""

from __future__ import annotations

import os
import re
import threading
from datetime import timedelta

import pytest
from conftest import STAFF_PASSWORD, set_period
from werkzeug.serving import make_server

from e2e.portal_server import BROWSER_ARGS, CHROMIUM

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")
# Set to a folder to keep screenshots of each step for a person to look at.
SCREENSHOTS = os.environ.get("PORTAL_SCREENSHOTS")


@pytest.fixture
def live_server(app):
    set_period(app, "1-(1)", -timedelta(days=1), timedelta(days=20))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture
def browser_page(live_server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        yield page
        browser.close()


def _shot(page, name):
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)


def test_moderator_redacts_translates_approves_and_responds(browser_page, live_server, make_staff):
    page = browser_page
    # a resident writes in Vietnamese
    page.goto(f"{live_server}/vi/measures/1-1")
    page.fill(
        "textarea[name=body]",
        "Xin hãy mở quầy vào thứ Bảy. Số điện thoại của tôi là 090-1234-5678.",
    )
    page.select_option("select[name=language]", "vi")
    page.check("input[name=respondent_type][value=lives]")
    page.check("input[name=consent]")
    page.click("main button.primary[type=submit]")
    text = page.content()
    number = re.search(r"PC-\d{4}-\d{6}", text)[0]
    key = re.search(r"[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}", text)[0]

    # a moderator logs in and opens the comment
    account = make_staff("moderator")
    page.goto(f"{live_server}/staff/language/en")  # staff screens' second language
    page.goto(f"{live_server}/staff/login")
    page.fill("input[name=email]", account["email"])
    page.fill("input[name=password]", STAFF_PASSWORD)
    page.click("main button.primary[type=submit]")
    page.goto(f"{live_server}/staff/moderation/comments/{number}")
    _shot(page, "1-comment")
    # one pass: the suggested number hidden (chosen in advance), a translation written, the
    # decision and the response, in one submit
    suggestion = page.locator("#personal-data input[value=hide]")
    assert suggestion.count() == 1
    assert suggestion.is_checked()
    page.fill("#pass-japanese", "土曜日も窓口を開けてください。電話番号は090-1234-5678です。")
    page.select_option("#pass-category", "already_included")
    page.fill("#pass-text_ja", "土曜日の窓口は来年度から開設します。")
    page.fill("#pass-translation", "Quầy vào thứ Bảy sẽ mở từ năm sau.")
    page.click("button[name=act][value=approve]")
    assert page.locator("mark.hidden-span", has_text="090-1234-5678").count() >= 2
    _shot(page, "2-decided")
    assert "Approved for publication" in page.content() or "承認" in page.content()

    # the resident looks up the receipt in Vietnamese
    resident = page.context.browser.new_context().new_page()
    resident.goto(f"{live_server}/vi/receipts")
    resident.fill("input[name=receipt_number]", number)
    resident.fill("input[name=access_key]", key)
    resident.click("main button.primary[type=submit]")
    _shot(resident, "3-receipt")
    content = resident.content()
    # the response is a draft until the results are published: the resident does not see it yet
    assert "Quầy vào thứ Bảy sẽ mở từ năm sau." not in content
    assert "090-1234-5678" not in content
    assert "[đã ẩn]" in content


def _log_in(browser, base: str, account: dict):
    """A desk browser context logged in to the staff screens (in English)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{base}/staff/language/en")
    page.goto(f"{base}/staff/login")
    page.fill("input[name=email]", account["email"])
    page.fill("input[name=password]", STAFF_PASSWORD)
    page.click("main button.primary[type=submit]")
    return page


def test_a_number_hidden_in_the_comment_leaves_neither_through_its_translation(
    app, browser_page, live_server, make_staff
):
    from playwright.sync_api import expect

    phone_number = "555-0199"
    page = browser_page
    browser = page.context.browser
    # a resident writes in English, with a telephone number
    resident = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    resident.goto(f"{live_server}/en/measures/1-1")
    resident.fill(
        "textarea[name=body]",
        f"Please open the counter on Saturdays. You can call me on {phone_number}.",
    )
    resident.select_option("select[name=language]", "en")
    resident.check("input[name=respondent_type][value=lives]")
    resident.check("input[name=consent]")
    resident.click("main button.primary[type=submit]")
    expect(resident.locator("main")).to_contain_text("PC-")
    text = resident.content()
    number = re.search(r"PC-\d{4}-\d{6}", text)[0]
    key = re.search(r"[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}", text)[0]

    # a moderator translates it first (the number is in the translation too), then hides the
    # number in the comment's text only
    desk = _log_in(browser, live_server, make_staff("moderator"))
    desk.goto(f"{live_server}/staff/moderation/comments/{number}")
    desk.fill("#pass-japanese", f"土曜日も窓口を開けてください。電話は{phone_number}です。")
    suggestion = desk.locator("#personal-data input[value=hide]")
    assert suggestion.count() == 1
    desk.check("#personal-data input[value='']")  # decided later: the number stays in view
    desk.click("button[name=act][value=save]")
    expect(desk.locator("main")).to_contain_text("it still shows personal data")
    assert desk.locator("#translation-review .translation-problems li").count() == 1
    desk.check("#personal-data input[value=hide]")
    desk.click("button[name=act][value=save]")
    expect(desk.locator("main")).to_contain_text("1 span(s) hidden.")
    # hidden in the translation as well, and nothing is left in view there
    translation = desk.locator("#translation blockquote")
    assert translation.locator("mark.hidden-span", has_text=phone_number).count() == 1
    assert desk.locator("#translation-review .translation-problems").count() == 0
    _shot(desk, "4-translation-hidden")
    desk.check("#pass-translation_checked")
    desk.select_option("#pass-category", "for_reference")
    desk.fill("#pass-text_ja", "土曜日の窓口は今後の参考とします。")
    desk.fill("#pass-translation", "We will consider opening on Saturdays.")
    desk.click("button[name=act][value=approve]")
    expect(desk.locator("main")).to_contain_text("Translation reviewed")
    expect(desk.locator("main")).to_contain_text("Saved: the comment is now")
    expect(desk.locator("main")).to_contain_text("The city's response is saved.")

    # the period closes; an admin publishes the results
    set_period(app, "1-(1)", -timedelta(days=30), -timedelta(minutes=1))
    admin = _log_in(browser, live_server, make_staff("admin"))
    admin.goto(f"{live_server}/staff/admin/measures/1-(1)/results/publish")
    admin.check("input[name=confirm]")
    admin.click("main button.primary[type=submit]")
    expect(admin.locator("main")).to_contain_text("Residents can read them now")

    # the committee downloads the measure's comments
    committee = _log_in(browser, live_server, make_staff("committee"))
    download = committee.context.request.get(
        f"{live_server}/staff/committee/export/csv?measure=1-1"
    )
    assert download.ok
    csv_text = download.body().decode("utf-8-sig")
    assert "土曜日も窓口を開けてください。電話は[非公開]です。" in csv_text
    assert phone_number not in csv_text

    # the published results and their annex, in Japanese and English
    for path in ("/ja/measures/1-1/results", "/en/measures/1-1/results/comments"):
        resident.goto(live_server + path)
        assert phone_number not in resident.content(), path
    assert "電話は[withheld]です。" in resident.content()
    _shot(resident, "5-annex")

    # the resident's receipt page: the comment as sent, the number hidden, the city's response
    resident.goto(f"{live_server}/en/receipts")
    resident.fill("input[name=receipt_number]", number)
    resident.fill("input[name=access_key]", key)
    resident.click("main button.primary[type=submit]")
    expect(resident.locator("main")).to_contain_text("You can call me on [hidden].")
    content = resident.content()
    assert phone_number not in content
    assert "We will consider opening on Saturdays." in content
    _shot(resident, "6-receipt")
