"""A resident's journey in a real browser (Debian's chromium, driven by Playwright) on a phone screen."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect


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
    expect(phone.locator(".field-errors")).to_have_count(1)
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
    expect(phone.locator(".status-received")).to_have_count(1)
    phone.check("input[name=confirm]")
    phone.click(".withdraw-form button")
    expect(phone.locator(".status-withdrawn")).to_have_count(1)


def test_counter_warns_past_the_limit(phone, live_server):
    phone.goto(live_server + "/en/measures/1-5")
    phone.locator("textarea[name=body]").fill("あ" * 10_001)
    counter = phone.locator("#body-counter")
    assert counter.inner_text() == "10,001 of 10,000 characters"
    assert "over-limit" in counter.get_attribute("class")


def test_screen_reader_hears_the_counter_only_near_and_over_the_limit(phone, live_server):
    phone.goto(live_server + "/en/measures/1-5")
    box, announcer = phone.locator("textarea[name=body]"), phone.locator("#body-announcer")
    box.fill("a" * 100)
    box.press("b")
    assert announcer.inner_text() == ""  # typing far from the limit says nothing
    box.fill("a" * 9_000)
    assert announcer.inner_text() == "1,000 characters left before the limit."
    box.press("b")  # still near: no new announcement for one more key
    assert announcer.inner_text() == "1,000 characters left before the limit."
    box.fill("a" * 10_003)
    assert announcer.inner_text() == (
        "Your comment is over the limit by 3 characters. Please shorten it."
    )
    box.fill("a" * 50)
    assert announcer.inner_text() == "50 of 10,000 characters"


@pytest.mark.parametrize(
    ("tag", "over_by_one", "one_left"),
    [
        (
            "en",
            "Your comment is over the limit by 1 character. Please shorten it.",
            "1 character left before the limit.",
        ),
        (
            "pt-BR",
            "Seu comentário passou do limite em 1 caractere. Encurte o texto, por favor.",
            "Falta 1 caractere para chegar ao limite.",
        ),
        # spoken without the readings, which a screen reader would read a second time
        ("ja-x-easy", "意見が 1文字 多すぎます。短く して ください。", "あと 1文字 書けます。"),
    ],
)
def test_screen_reader_hears_one_character_in_the_singular(
    phone, live_server, tag, over_by_one, one_left
):
    phone.goto(f"{live_server}/{tag}/measures/1-5")
    box, announcer = phone.locator("textarea[name=body]"), phone.locator("#body-announcer")
    box.fill("a" * 9_000)
    box.fill("a" * 10_001)  # the first key past the limit
    assert announcer.inner_text() == over_by_one
    box.fill("a" * 9_999)  # back under, one character to go
    assert announcer.inner_text() == one_left


def test_language_picker_keeps_the_page(phone, live_server):
    phone.goto(live_server + "/vi/measures/1-5")
    phone.click(".language-picker summary")
    phone.click("a[hreflang=ne]")
    phone.wait_for_url(live_server + "/ne/measures/1-5")
    assert phone.locator("html").get_attribute("lang") == "ne"
