"""A moderator's queue in a real browser: search a two-character Japanese word, select the
result, approve it in one go; and an axe-core check of the queue when axe-core is at hand."""

from __future__ import annotations

import os
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import STAFF_PASSWORD, set_period
from werkzeug.serving import make_server

from e2e.portal_server import BROWSER_ARGS, CHROMIUM
from portal.database import utcnow
from portal.extensions import db
from portal.models import Measure
from portal.services.resident.submission import CommentInput, submit_comment

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")
# axe-core installed with npm next to the browser tests (tests/e2e/.npm) or named by AXE_CORE.
AXE = Path(
    os.environ.get("AXE_CORE", Path(__file__).parent / ".npm/node_modules/axe-core/axe.min.js")
)


@pytest.fixture
def live_server(app):
    """The portal served over HTTP on a free local port for the length of a test."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def desk(live_server):
    """A desktop browser window."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        # bypass_csp only lets the test inject axe-core; the pages keep their policy.
        page = browser.new_page(
            viewport={"width": 1280, "height": 900}, locale="en-GB", bypass_csp=True
        )
        yield page
        browser.close()


def test_moderator_finds_a_two_character_word_and_approves_it(app, desk, live_server, make_staff):
    set_period(app, "1-(1)", timedelta(days=-20), timedelta(days=10))
    with app.app_context():
        measure = db.session.query(Measure).filter_by(code="1-(1)").one()
        wanted, _key = submit_comment(
            measure, CommentInput("市長に窓口の改善をお願いしたい。", "ja", "lives"), utcnow()
        )
        submit_comment(measure, CommentInput("公園を広くしてください。", "ja", "lives"), utcnow())
        db.session.commit()
        receipt = wanted.receipt_number
    account = make_staff("moderator")
    desk.goto(live_server + "/staff/language/en")  # staff screens' second language
    desk.goto(live_server + "/staff/login")
    desk.fill("input[name=email]", account["email"])
    desk.fill("input[name=password]", STAFF_PASSWORD)
    desk.press("input[name=password]", "Enter")
    desk.goto(live_server + "/staff/moderation/")
    desk.fill("input[name=q]", "市長")
    desk.press("input[name=q]", "Enter")
    rows = desk.locator("table.queue-table tbody tr")
    assert rows.count() == 1
    assert receipt in rows.first.inner_text()
    if AXE.exists():
        desk.add_script_tag(content=AXE.read_text())
        violations = desk.evaluate("async () => (await axe.run()).violations.map(v => v.id)")
        assert violations == []
    desk.check("input[name=ids] >> nth=0")
    desk.select_option("select[name=decision]", "approve")
    desk.click("button.primary >> text=Apply to the selected comments")
    assert "1 comment will be approved." in desk.inner_text("main")
    desk.click("button.primary >> text=Approve 1 comment")
    assert "1 comment changed." in desk.inner_text("main")
