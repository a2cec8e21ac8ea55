"""A resident on a phone, reading Vietnamese, finds the outline's basic policy (chapter II) on
the home page, picks the paragraph the comment is about, and gets a receipt."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from e2e.portal_server import (
    database_for_server,
    gunicorn_server,
    open_for_comment,
    require_chromium,
)

COMMENT = "Xin đừng thuê ngoài các quầy tiếp dân cho người nước ngoài."
# Screenshots go where the reviewer looks at them (PORTAL_SCREENSHOTS), else next to the test's
# temporary files.
SHOTS = os.environ.get("PORTAL_SCREENSHOTS")


@pytest.fixture(scope="module")
def live_server(make_fresh_app, tmp_path_factory):
    """The portal under gunicorn with chapter II open for comment."""
    require_chromium()
    app = make_fresh_app(tmp_path_factory.mktemp("e2e-chapters"), {})
    with database_for_server(app) as now:
        open_for_comment("II", now - timedelta(days=1), now + timedelta(days=20))
    with gunicorn_server(app.config["SQLALCHEMY_DATABASE_URI"]) as url:
        yield url


def _fits_the_screen(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width}px wide on a 390px screen"


def test_phone_resident_comments_on_a_paragraph_of_the_basic_policy(phone, live_server, tmp_path):
    shots = Path(SHOTS) if SHOTS else tmp_path
    phone.goto(live_server + "/vi/")
    chapters = phone.locator("section.chapters")
    expect(chapters.locator("h2")).to_have_text("Các chương chung của Đề cương")
    phone.screenshot(path=str(shots / "phone-index-chapters-vi.png"))
    chapters.get_by_role("link", name="Phương châm cơ bản").click()
    phone.wait_for_url(live_server + "/vi/measures/policy")
    expect(phone.locator("h1")).to_contain_text("Phương châm cơ bản")
    _fits_the_screen(phone)
    phone.screenshot(path=str(shots / "phone-chapter-vi.png"), full_page=True)

    part = phone.get_by_label("Ý kiến của quý vị nói về phần nào?")
    expect(part).to_have_value("measure:II")
    part.select_option("paragraph:II:4")
    phone.fill("#body", COMMENT)
    phone.check("input[name=respondent_type][value=lives]")
    phone.check("#consent")
    phone.locator("#proposed_part").scroll_into_view_if_needed()
    _fits_the_screen(phone)
    phone.screenshot(path=str(shots / "phone-chapter-part-vi.png"))
    phone.click("form.comment-form button[type=submit]")
    phone.wait_for_url(live_server + "/vi/receipts/new")
    expect(phone.locator("body")).to_contain_text("Phương châm cơ bản")
    expect(phone.locator("body")).to_contain_text(COMMENT)
