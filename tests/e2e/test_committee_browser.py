"""A committee member's journey in a real browser: log in, read the overview, download every file."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import threading

import jsonschema
import openpyxl
import pytest
from committee_data import PHONE, SECRETS, plant
from conftest import STAFF_PASSWORD
from werkzeug.serving import make_server

from e2e.portal_server import BROWSER_ARGS, CHROMIUM
from portal.services.committee.exports.json import load_schema

pytestmark = pytest.mark.skipif(
    CHROMIUM is None or shutil.which("pdffonts") is None,
    reason="Debian's chromium or poppler-utils is not installed",
)
TRANSLATION = "図書館の開館時間の延長を提案します。"


@pytest.fixture
def committee_server(app, make_staff):
    moderator = make_staff("moderator")
    member = make_staff("committee")
    receipts = plant(app, moderator["id"])
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", member, receipts
    server.shutdown()
    thread.join()


def test_committee_member_reads_the_overview_and_downloads_every_file(
    committee_server, tmp_path, monkeypatch
):
    from playwright.sync_api import sync_playwright

    base, member, receipts = committee_server
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        page = browser.new_page(accept_downloads=True)
        page.goto(base + "/staff/login")
        page.fill("input[name=email]", member["email"])
        page.fill("input[name=password]", STAFF_PASSWORD)
        page.click("button[type=submit]")
        page.click("a[href='/staff/committee/']")
        assert page.locator("h1").inner_text() == "委員会向け概要"  # staff screens: Japanese
        assert page.locator("svg.chart").count() >= 8
        page.click("a[href='/staff/committee/measures/1-1']")
        files = {}
        for fmt in ("csv", "xlsx", "pdf", "json"):
            with page.expect_download() as download:
                page.click(f"a[href='/staff/committee/export/{fmt}?measure=1-1']")
            files[fmt] = tmp_path / download.value.suggested_filename
            download.value.save_as(files[fmt])

        # The comments behind a number: each comment a block of its own, no row drawn over
        # the next one.
        page.goto(base + "/staff/committee/comments?measure=1-1&state=received")
        page.set_viewport_size({"width": 1280, "height": 900})
        boxes = [
            page.locator("table.figure-comments tbody tr").nth(i).bounding_box()
            for i in range(page.locator("table.figure-comments tbody tr").count())
        ]
        for above, below in zip(boxes, boxes[1:], strict=False):
            assert above["y"] + above["height"] <= below["y"] + 0.5
        for i in range(page.locator("table.figure-comments .comment-text").count()):
            text = page.locator("table.figure-comments .comment-text").nth(i)
            cell = text.locator("xpath=ancestor::td[1]").bounding_box()
            box = text.bounding_box()
            assert cell["y"] <= box["y"]
            assert box["y"] + box["height"] <= cell["y"] + cell["height"] + 0.5
        page.screenshot(path=str(tmp_path / "comments-behind-a-number.png"), full_page=True)

        # A pack too large for the request: made on the job queue, offered when ready.
        from portal.services.committee.exports import pdf as pdf_export

        monkeypatch.setattr(pdf_export, "WEB_LIMIT", 3)
        page.goto(base + "/staff/committee/measures/1-1")
        page.click("a[href='/staff/committee/export/pdf?measure=1-1']")
        page.wait_for_url("**/staff/committee/packs/**")
        assert "portal export" not in page.content()
        with page.expect_download() as download:
            page.click("a[href$='/file']")
        files["pack"] = tmp_path / "pack.pdf"
        download.value.save_as(files["pack"])
        assert files["pack"].read_bytes().startswith(b"%PDF")
        browser.close()

    text = files["csv"].read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert any(TRANSLATION in cell for row in rows for cell in row)
    assert PHONE not in text

    book = openpyxl.load_workbook(files["xlsx"])
    cells = [str(c.value) for row in book["意見"].iter_rows() for c in row if c.value]
    assert any(TRANSLATION in cell for cell in cells)
    assert not any(PHONE in cell for cell in cells)

    document = json.loads(files["json"].read_text(encoding="utf-8"))
    jsonschema.validate(document, load_schema())
    translations = [c["translation_ja"] or "" for c in document["comments"]]
    assert any(TRANSLATION in t for t in translations)
    assert PHONE not in files["json"].read_text(encoding="utf-8")

    fonts = subprocess.run(  # noqa: S603
        ["pdffonts", str(files["pdf"])],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Noto-Sans-CJK-JP" in fonts
    pdf_text = subprocess.run(  # noqa: S603
        ["pdftotext", str(files["pdf"]), "-"],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert TRANSLATION in pdf_text
    assert PHONE not in pdf_text
    assert SECRETS["contact email"] not in pdf_text
    assert receipts["redacted"] in pdf_text
