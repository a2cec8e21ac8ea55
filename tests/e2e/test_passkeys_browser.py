"""Passkeys in a real browser: chromium's virtual authenticator (the WebAuthn domain of the
DevTools protocol, through Playwright's CDP session) registers a passkey on the account page
and completes a login with it, against gunicorn, under the portal's own CSP (no bypass)."""

from __future__ import annotations

import time

import pyotp
import pytest
import sqlalchemy as sa
from webauthn.helpers import bytes_to_base64url

from e2e.portal_server import (
    AXE_SCRIPT,
    chromium_browser,
    database_for_server,
    gunicorn_server,
    require,
    require_chromium,
)
from portal.extensions import db
from portal.models import AuditRecord, Passkey, StaffSession, StaffUser
from portal.services.staff import accounts

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
EMAIL = "passkey-user@city.example"
# A second account, for the axe test, holding a passkey of its own from the start.
AXE_EMAIL = "axe-user@city.example"
PASSWORD = "orchard-lantern-pebble-quay"


@pytest.fixture(scope="module")
def passkey_server(make_fresh_app, tmp_path_factory):
    """gunicorn on a fresh database with a moderator who uses an authenticator app, and
    chromium; yields (base URL under "localhost", browser, TOTP secret, app, and the recovery
    codes of a second account that already holds a passkey)."""
    require_chromium()
    app = make_fresh_app(tmp_path_factory.mktemp("passkey-e2e"), {})
    with database_for_server(app) as now:
        user = accounts.create_account(EMAIL, "パスキー 花子", ["moderator"], now)
        accounts.set_password(user, PASSWORD, now)
        user.totp_secret = secret = accounts.new_totp_secret()
        other = accounts.create_account(AXE_EMAIL, "検査 次郎", ["committee"], now)
        accounts.set_password(other, PASSWORD, now)
        other.totp_secret = accounts.new_totp_secret()
        recovery = accounts.new_recovery_codes(other)
        other.passkeys.append(
            Passkey(
                name="事務室のPC",
                credential_id=bytes_to_base64url(b"axe-test-credential"),
                public_key=b"unused: this passkey never answers",
                sign_count=0,
                transports="internal",
                created_at=now,
            )
        )
    with (
        gunicorn_server(app.config["SQLALCHEMY_DATABASE_URI"]) as url,
        chromium_browser() as browser,
    ):
        # Browsers refuse passkeys on a bare IP address: the relying party is "localhost".
        yield url.replace("127.0.0.1", "localhost"), browser, secret, app, recovery


def _password_step(page, base, email=EMAIL):
    page.goto(base + "/staff/login")
    page.get_by_label("メールアドレス").fill(email)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    assert page.url.endswith("/staff/login/code")


def test_staff_registers_a_passkey_and_logs_in_with_it(passkey_server):
    base, browser, secret, app, _recovery = passkey_server
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable", {"enableUI": False})
    authenticator = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )["authenticatorId"]
    totp = pyotp.TOTP(secret)
    try:
        # Log in with the authenticator app; no passkey is offered yet.
        _password_step(page, base)
        assert page.get_by_role("button", name="パスキーを使う").count() == 0
        page.get_by_label("確認コード").fill(totp.now())
        page.get_by_role("button", name="次へ").click()
        assert page.url.endswith("/staff/")

        # Add a passkey: password and the app's next code first, then the device.
        page.get_by_role(
            "link", name="マイアカウント:パスワード、二要素認証、パスキー、セッション"
        ).click()
        page.get_by_role("link", name="パスキーの管理").click()
        page.get_by_label("パスキーの名前").fill("事務室のPC")
        page.get_by_label("現在のパスワード").fill(PASSWORD)
        page.get_by_label("今使っている認証アプリのコード、またはリカバリーコード").fill(
            totp.at(time.time() + 30)
        )
        page.get_by_role("button", name="次へ").click()
        page.get_by_role("button", name="パスキーを作成").click()
        # The register page has the same address as the list: wait for the list's message.
        page.get_by_text("パスキー「事務室のPC」を追加しました。").wait_for()
        assert page.get_by_role("cell", name="事務室のPC", exact=True).is_visible()
        credentials = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})
        assert len(credentials["credentials"]) == 1
        assert credentials["credentials"][0]["isResidentCredential"] is True

        # Log out, and in again with the passkey instead of a code.
        page.get_by_role("button", name="ログアウト").click()
        _password_step(page, base)
        page.get_by_role("button", name="パスキーを使う").click()
        page.get_by_text("パスキー「事務室のPC」でログインしました。").wait_for()
        assert page.url.endswith("/staff/")
        page.goto(base + "/staff/account")
        this_browser = page.get_by_role("row").filter(has_text="このブラウザー")
        assert "パスキー" in this_browser.inner_text()
        used = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})
        assert used["credentials"][0]["signCount"] >= 1
    finally:
        context.close()
    assert problems == []

    with app.app_context():
        passkey = db.session.scalars(
            sa.select(Passkey).join(Passkey.user).where(StaffUser.email == EMAIL)
        ).one()
        assert passkey.name == "事務室のPC"
        assert passkey.sign_count >= 1
        assert passkey.last_used_at is not None
        logins = db.session.scalars(
            sa.select(AuditRecord.details).where(
                AuditRecord.action == "login", AuditRecord.actor_email == EMAIL
            )
        ).all()
        assert '"second_factor": "passkey"' in logins[-1]
        live = db.session.scalars(
            sa.select(StaffSession)
            .join(StaffSession.user)
            .where(StaffSession.ended_at.is_(None), StaffUser.email == EMAIL)
        ).all()
        assert [row.second_factor for row in live] == ["passkey"]
        db.session.remove()
        db.engine.dispose()


def _axe(page) -> list[str]:
    page.evaluate(AXE_SCRIPT.read_text())
    return page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
            return result.violations.map((v) => v.id + ": " + v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", "));
        }""",
        AXE_TAGS,
    )


def test_account_sessions_and_passkey_pages_pass_axe(passkey_server):
    require(
        AXE_SCRIPT.exists(),
        "axe-core is not installed (npm install --prefix tests/e2e/.npm axe-core@4)",
    )
    base, browser, _secret, _app, recovery = passkey_server
    # axe is injected into the page, which the portal's CSP (script-src 'self') would refuse.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    violations = {}
    try:
        _password_step(page, base, AXE_EMAIL)
        page.get_by_role("button", name="パスキーを使う").wait_for()
        violations["second step with a passkey"] = _axe(page)
        page.get_by_label("確認コード").fill(recovery[0])
        page.get_by_role("button", name="次へ").click()
        for path, name in (
            ("/staff/account", "account and sessions"),
            ("/staff/account/passkeys", "passkeys"),
            ("/staff/account/second-factor", "replace the authenticator"),
        ):
            page.goto(base + path)
            violations[name] = _axe(page)
        page.goto(base + "/staff/account/passkeys")
        page.get_by_role("link", name="「事務室のPC」を削除").click()
        violations["remove a passkey"] = _axe(page)
    finally:
        context.close()
    assert {name: found for name, found in violations.items() if found} == {}
