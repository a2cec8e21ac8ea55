"""Issue 18's journey in a real browser (Debian's chromium): a Vietnamese resident's letter
makes three points; a moderator splits it into three opinion items, each with its 該当箇所, joins
one of them with another resident's comment of the same gist (同趣旨), answers every row; an
admin publishes after the period; the resident, on a phone in Vietnamese, finds the row of their
point through the table of contents and the search, and reads "2 people sent 4 opinions"."""

from __future__ import annotations

import os
import re
import threading
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import STAFF_PASSWORD, set_period
from werkzeug.serving import make_server

from e2e.portal_server import BROWSER_ARGS, CHROMIUM
from portal.database import utcnow
from portal.extensions import db
from portal.models import Measure
from portal.services.resident.submission import CommentInput, ContactInput, submit_comment

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")
# Set to a folder to keep the screenshots for a person to look at (else the test's tmp folder).
SCREENSHOTS = os.environ.get("PORTAL_SCREENSHOTS")

SATURDAY_VI = "Xin hãy mở quầy tiếp dân vào thứ Bảy."
WEBSITE_VI = "Trang web của thành phố cần có thông tin bằng tiếng Việt."
BUS_VI = "Xin hãy tăng số chuyến xe buýt đến ga Isesaki."
LETTER_VI = f"{SATURDAY_VI} {WEBSITE_VI} {BUS_VI}"
LETTER_JA = "窓口を土曜日も開けてください。平日は仕事で行けません。"
TRANSLATION_JA = (
    "土曜日にも窓口を開けてください。市のウェブサイトにベトナム語の案内が必要です。"
    "伊勢崎駅へのバスの本数を増やしてください。"
)
SATURDAY_GIST = "土曜日にも窓口を開けてほしい。"
ANSWERS = {
    SATURDAY_GIST: ("already_included", "土曜日の窓口は来年度から開設します。"),
    "市のウェブサイトにベトナム語の案内がほしい。": (
        "reflected",
        "ウェブサイトにベトナム語のページを設けます。",
    ),
    "伊勢崎駅へのバスを増やしてほしい。": ("for_reference", "今後の参考とします。"),
}


@pytest.fixture
def journey_server(app, make_staff):
    """1-(3) open for comment with another resident's Japanese comment waiting for moderation,
    served on a free local port; a moderator and an admin."""
    set_period(app, "1-(3)", -timedelta(days=1), timedelta(days=20))
    with app.app_context():
        measure = db.session.scalar(sa.select(Measure).where(Measure.code == "1-(3)"))
        other, _key = submit_comment(
            measure,
            CommentInput(
                body=LETTER_JA,
                declared_language="ja",
                respondent_type="lives",
                contact=ContactInput(),
            ),
            utcnow(),
        )
        db.session.commit()
        other_receipt = other.receipt_number
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield (
        f"http://127.0.0.1:{server.server_port}",
        other_receipt,
        make_staff("moderator"),
        make_staff("admin"),
    )
    server.shutdown()
    thread.join()


def _log_in(browser, base: str, account: dict, path: str):
    """A desk page logged in to the staff screens (in English), at `path`."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(base + "/staff/language/en")  # staff screens' second language
    page.goto(base + path)
    page.fill("input[name=email]", account["email"])
    page.fill("input[name=password]", STAFF_PASSWORD)
    page.click("main button.primary[type=submit]")
    assert page.url.endswith(path)
    return page


def _in_view(page, selector: str) -> bool:
    return page.evaluate(
        """(selector) => { const r = document.querySelector(selector).getBoundingClientRect();
        return r.top >= -2 && r.bottom <= window.innerHeight + 2; }""",
        selector,
    )


def test_a_vietnamese_letter_of_three_points_reaches_the_results(app, journey_server, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    base, other_receipt, moderator, admin = journey_server
    shots = Path(SCREENSHOTS) if SCREENSHOTS else tmp_path

    def shot(page, name: str, full_page: bool = False) -> None:
        page.screenshot(path=str(shots / f"journey-{name}.png"), full_page=full_page)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        phone_context = browser.new_context(
            viewport={"width": 390, "height": 844},
            extra_http_headers={"Accept-Language": "vi-VN,vi;q=0.9"},
        )
        phone = phone_context.new_page()

        # 1. the resident sends a letter of three points from a phone, in Vietnamese
        phone.goto(base + "/vi/measures/1-3")
        phone.fill("textarea[name=body]", LETTER_VI)
        phone.select_option("select[name=language]", "vi")
        phone.check("input[name=respondent_type][value=lives]")
        phone.check("input[name=consent]")
        phone.click("main button.primary[type=submit]")
        receipt = re.search(r"PC-\d{4}-\d{6}", phone.content())[0]

        # 2. a moderator approves both comments (the letter with its Japanese translation)
        desk = _log_in(browser, base, moderator, f"/staff/moderation/comments/{receipt}")
        desk.fill("#pass-japanese", TRANSLATION_JA)
        desk.click("button[name=act][value=approve]")
        expect(desk.locator("main")).to_contain_text("Approved")
        desk.goto(f"{base}/staff/moderation/comments/{other_receipt}")
        desk.click("button[name=act][value=approve]")
        expect(desk.locator("main")).to_contain_text("Approved")

        # 3. ...opens the letter's split page and makes each sentence a point with its 該当箇所
        desk.goto(f"{base}/staff/moderation/comments/{receipt}")
        desk.click("text=Split into points (opinion items)")
        assert desk.url.endswith(f"/staff/moderation/comments/{receipt}/items")
        assert desk.locator("table.sentences tbody tr").count() == 3
        paragraphs = desk.locator("#part-1 option[value^='paragraph:1-(3):']")
        assert paragraphs.count() >= 1
        first_paragraph = paragraphs.first.get_attribute("value")
        last_part = desk.locator("#part-1 option").last.get_attribute("value")
        chosen = {1: first_paragraph, 2: "measure:1-(3)", 3: last_part}
        for index in range(3):
            desk.select_option(f"#sentence-{index}", str(index + 1))
        for number, part in chosen.items():
            desk.select_option(f"#part-{number}", part)
        shot(desk, "1-split", full_page=True)
        desk.click("button[name=action][value=split]")
        expect(desk.locator("main")).to_contain_text("Saved: 3 items.")
        points = desk.locator("ol.items-now li")
        expect(points).to_have_count(3)
        for number, text in enumerate((SATURDAY_VI, WEBSITE_VI, BUS_VI)):
            expect(points.nth(number)).to_contain_text(text)
        assert "đoạn" not in points.first.inner_text()  # staff read the outline in Japanese
        expect(points.first).to_contain_text("第1段落")

        # 4. on the rows page: the Saturday point and the other resident's comment share a row
        desk.click("text=Rows of the results of 1-(3)")
        loose = desk.locator("#join-form li.item")
        expect(loose).to_have_count(4)
        letter_point = desk.locator("#join-form li.item").filter(has_text=receipt)
        letter_point.filter(has_text="point 1").locator("input").check()
        desk.locator("#join-form li.item", has_text=other_receipt).locator("input").check()
        desk.click("#join-form button[value=new]")
        for point in ("point 2", "point 3"):
            letter_point.filter(has_text=point).locator("input").check()
            desk.click("#join-form button[value=new]")
        expect(desk.locator("main")).to_contain_text("Every point is in a row.")
        rows = desk.locator("article.result-row")
        expect(rows).to_have_count(3)
        shared = desk.locator("article.result-row", has_text=other_receipt)
        expect(shared.locator("h3")).to_contain_text("Row: 2 points")

        # 5. ...and answers every row: 要旨, 対応区分, 市の考え方
        gists = {
            SATURDAY_VI: SATURDAY_GIST,
            WEBSITE_VI: "市のウェブサイトにベトナム語の案内がほしい。",
            BUS_VI: "伊勢崎駅へのバスを増やしてほしい。",
        }
        for text, gist in gists.items():
            row = desk.locator("article.result-row", has_text=text)
            category, answer = ANSWERS[gist]
            row.locator("textarea[name=summary]").fill(gist)
            if text == SATURDAY_VI:  # the row is about the paragraph the letter's point names
                row.locator("select[name=part]").select_option(first_paragraph)
            row.locator("select[name=category]").select_option(category)
            row.locator("textarea[name=text_ja]").fill(answer)
            row.locator("button[name=action][value=save]").click()
            expect(desk.locator("main")).to_contain_text("Saved.")
        expect(desk.locator("article.result-row.unanswered")).to_have_count(0)
        shot(desk, "2-rows", full_page=True)
        desk.close()

        # 6. the period closes; an admin publishes through the confirmation page
        set_period(app, "1-(3)", -timedelta(days=21), -timedelta(minutes=1))
        publish = "/staff/admin/measures/1-(3)/results/publish"
        desk = _log_in(browser, base, admin, publish)
        desk.check("input[name=confirm]")
        desk.click("main button.primary[type=submit]")
        expect(desk.locator("main")).to_contain_text("Residents can read them now")
        desk.close()

        # 7. the resident opens the results on the phone, in Vietnamese
        phone.goto(base + "/vi/measures/1-3")
        phone.click("a[href='/vi/measures/1-3/results']")
        expect(phone.locator(".results-total")).to_have_text("2 người đã gửi 4 ý kiến.")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        contents = phone.locator(".results-contents li")
        expect(contents).to_have_count(3)  # one entry per 該当箇所
        shot(phone, "3-results-top")
        # the table of contents: the paragraph their Saturday point is about, in Vietnamese
        entry = phone.locator(".results-contents li", has_text="đoạn 1")
        expect(entry).to_have_count(1)
        expect(entry.locator(".toc-count")).to_have_text("2 ý kiến")
        entry.locator("a").click()
        anchor = phone.url.split("#", 1)[1]
        assert _in_view(phone, f"#{anchor}")
        section = phone.locator(f"section[aria-labelledby='{anchor}']")
        row = section.locator("tr[id^=row-]")
        expect(row).to_have_count(1)
        expect(row.locator(".opinion").first).to_have_text(SATURDAY_GIST)
        expect(row.locator(".same-point")).to_have_text("2 ý kiến cùng nội dung")
        expect(row.locator("td.category")).to_contain_text("Đã có trong kế hoạch")
        row_id = row.get_attribute("id")
        assert _in_view(phone, f"#{row_id}")  # the heading and the row below it, on screen
        shot(phone, "4-contents-jump")
        # the search finds the same row, and its link highlights it
        phone.fill("#results-q", "土曜日")
        phone.press("#results-q", "Enter")
        phone.wait_for_load_state()
        expect(phone.locator(".search-result")).to_contain_text("1")
        expect(phone.locator("tr[id^=row-]")).to_have_count(1)
        expect(phone.locator(f"#{row_id}")).to_be_visible()
        phone.goto(f"{base}/vi/measures/1-3/results#{row_id}")
        assert _in_view(phone, f"#{row_id}")
        outline = phone.locator(f"#{row_id}").evaluate("r => getComputedStyle(r).outlineStyle")
        assert outline == "solid"  # the row the link points to is highlighted
        shot(phone, "5-row-highlighted")
        phone_context.close()
        browser.close()
