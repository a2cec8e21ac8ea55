"""Staff journeys in a real browser (Debian's chromium under Playwright, gunicorn serving)."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
from playwright.sync_api import expect

from e2e.portal_server import (
    AXE_SCRIPT,
    chromium_browser,
    database_for_server,
    gunicorn_server,
    open_for_comment,
    require,
    require_chromium,
)
from portal.database import JAPAN, utcnow
from portal.services.staff import accounts

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
ADMIN_EMAIL = "kanri@city.example"
ADMIN_PASSWORD = "harbor-lantern-cedar-quilt"


@pytest.fixture(scope="module")
def staff_server(make_fresh_app, tmp_path_factory):
    """gunicorn on a fresh database with an admin who uses an authenticator app."""
    require_chromium()
    app = make_fresh_app(tmp_path_factory.mktemp("staff-e2e"), {})
    with database_for_server(app) as now:
        admin = accounts.create_account(ADMIN_EMAIL, "管理 太郎", ["admin"], now)
        accounts.set_password(admin, ADMIN_PASSWORD, now)
        admin.totp_secret = secret = accounts.new_totp_secret()
        open_for_comment("1-(2)", now - timedelta(days=5), now + timedelta(days=30))
    with (
        gunicorn_server(app.config["SQLALCHEMY_DATABASE_URI"]) as url,
        chromium_browser() as browser,
    ):
        yield url, browser, secret


def _axe(page) -> list[str]:
    page.evaluate(AXE_SCRIPT.read_text())
    return page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
            return result.violations.map((v) => v.id + ": " + v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", "));
        }""",
        AXE_TAGS,
    )


def test_admin_logs_in_with_a_second_factor_and_extends_a_period(staff_server):
    require(
        AXE_SCRIPT.exists(),
        "axe-core is not installed (npm install --prefix tests/e2e/.npm axe-core@4)",
    )
    base, browser, secret = staff_server
    # axe is injected into the page, which the portal's CSP (script-src 'self') would refuse.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    violations = {}
    try:
        page.goto(base + "/staff/admin/measures/1-(2)")
        assert "/staff/login" in page.url
        violations["login"] = _axe(page)
        page.get_by_label("メールアドレス").fill(ADMIN_EMAIL)
        page.get_by_label("パスワード").fill(ADMIN_PASSWORD)
        page.get_by_role("button", name="ログイン").click()
        assert page.url.endswith("/staff/login/code")
        violations["code"] = _axe(page)
        page.get_by_label("確認コード").fill(pyotp.TOTP(secret).now())
        page.get_by_role("button", name="次へ").click()
        # back on the page asked for before the login
        assert page.url.endswith("/staff/admin/measures/1-(2)")
        violations["measure"] = _axe(page)

        new_close = (
            (utcnow() + timedelta(days=45))
            .astimezone(JAPAN)
            .replace(hour=17, minute=0, second=0, microsecond=0)
        )
        page.get_by_label("締切(日本時間)").fill(new_close.strftime("%Y-%m-%dT%H:%M"))
        page.get_by_role("button", name="期間を保存").click()
        expect(page.get_by_text("意見募集期間を保存しました")).to_be_visible()

        for path, name in (
            ("/staff/", "home"),
            ("/staff/admin/measures", "measures"),
            ("/staff/admin/accounts", "accounts"),
            ("/staff/admin/audit", "audit"),
        ):
            page.goto(base + path)
            violations[name] = _axe(page)

        resident = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
        resident.goto(base + "/en/measures/1-2")
        deadline = resident.locator(".period-dates dd").nth(1).inner_text()
        assert f"{new_close:%b} {new_close.day}, {new_close.year}" in deadline
        assert "17:00" in deadline
        resident.context.close()
    finally:
        context.close()
    assert {name: found for name, found in violations.items() if found} == {}
