"""A resident's journey in a real browser (Debian's chromium, driven by Playwright) on a phone screen."""

from __future__ import annotations

import re


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
