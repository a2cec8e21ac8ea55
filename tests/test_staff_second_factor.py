"""Changing the second factor needs proof (issue 17, finding 4), and passkeys beside the
authenticator app: added after the password and a code, used at the login's second step, and
refused when an answer is replayed, comes from another origin or names an unknown passkey.
The passkey device here is software (tests/webauthn_device.py); tests/e2e/ uses chromium's."""

from __future__ import annotations

import time

import pyotp
import pytest
import sqlalchemy as sa
from conftest import STAFF_PASSWORD, csrf_token_from, post_form, staff_login
from webauthn_device import ORIGIN, SoftDevice, options_in

from portal.extensions import db
from portal.models import AuditRecord, Passkey, StaffUser


def _actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(AuditRecord.action).order_by(AuditRecord.id)))


def _details(app, action: str) -> str:
    with app.app_context():
        return db.session.scalars(
            sa.select(AuditRecord.details)
            .where(AuditRecord.action == action)
            .order_by(AuditRecord.id.desc())
        ).first()


def _user(app, account) -> StaffUser:
    with app.app_context():
        user = db.session.get(StaffUser, account["id"])
        db.session.expunge(user)
        return user


def _recovery_codes(app, account) -> list[str]:
    """Give the account recovery codes (a code of the app is accepted once, so a test that
    needs more proofs than the app's next code uses these)."""
    from portal.services.staff import accounts

    with app.app_context():
        codes = accounts.new_recovery_codes(db.session.get(StaffUser, account["id"]))
        db.session.commit()
        return codes


def _code(secret: str, steps_ahead: int = 1) -> str:
    """A code of the account's app; the login used the current one, so proofs take the next
    (a code is accepted once, and one step of clock drift is allowed)."""
    return pyotp.TOTP(secret).at(time.time() + 30 * steps_ahead)


@pytest.fixture
def totp_login(app, make_staff):
    """A browser logged in with an account that uses an authenticator app."""

    def _login(*roles, client=None):
        account = make_staff(*(roles or ("moderator",)), totp=True)
        client = client or app.test_client()
        response = staff_login(client, account["email"], code=pyotp.TOTP(account["secret"]).now())
        assert response.status_code == 302
        return account, client

    return _login


# --- replacing the authenticator app (finding 4) ------------------------------------------


def _replace(client, **fields):
    page = client.get("/staff/account/second-factor")
    new_secret = page.text.split('class="totp-secret">')[1].split("<")[0]
    data = {"code": pyotp.TOTP(new_secret).now(), "csrf_token": csrf_token_from(page.text)}
    data.update(fields)
    return client.post("/staff/account/second-factor", data=data), new_secret


def test_replacing_the_authenticator_without_proof_is_refused(app, totp_login):
    account, client = totp_login()
    response, _new = _replace(client)  # what the attacker sent: a new code only
    assert response.status_code == 422
    assert _user(app, account).totp_secret == account["secret"]
    response, _new = _replace(
        client, password="wrong-password-here", current_code=_code(account["secret"])
    )
    assert response.status_code == 422
    assert "The password or the code is not right" in response.text
    assert _user(app, account).totp_secret == account["secret"]
    assert _user(app, account).failed_logins == 1
    assert '"change": "second_factor"' in _details(app, "account_change_refused")
    response, _new = _replace(client, password=STAFF_PASSWORD, current_code="123456")
    assert response.status_code == 422
    assert _user(app, account).totp_secret == account["secret"]


def test_replacing_the_authenticator_with_proof_ends_other_sessions(app, totp_login):
    account, client = totp_login()
    elsewhere = app.test_client()
    staff_login(elsewhere, account["email"], code=_code(account["secret"]))
    thief = app.test_client()
    thief.set_cookie("session", elsewhere.get_cookie("session").value)
    assert thief.get("/staff/").status_code == 200

    response, new_secret = _replace(
        client, password=STAFF_PASSWORD, current_code=_recovery_codes(app, account)[0]
    )
    assert response.status_code == 200
    assert "recovery-codes" in response.text
    assert _user(app, account).totp_secret == new_secret
    assert client.get("/staff/").status_code == 200  # this browser goes on
    assert elsewhere.get("/staff/").status_code == 302
    assert thief.get("/staff/").status_code == 302
    assert '"sessions_ended": 1' in _details(app, "second_factor_replaced")
    # the old app's codes no longer log in; the new one's do
    fresh = app.test_client()
    assert (
        staff_login(fresh, account["email"], code=pyotp.TOTP(account["secret"]).now()).status_code
        == 401
    )
    assert staff_login(fresh, account["email"], code=_code(new_secret)).status_code == 302


def test_a_recovery_code_proves_the_account_when_the_phone_is_lost(app, client, make_staff):
    account = make_staff("admin")
    staff_login(client, account["email"])
    enrolled, first_secret = _replace(client)  # first set-up: the session is enough
    codes = [c.split("</code>")[0] for c in enrolled.text.split("<li><code>")[1:]]
    assert len(codes) == 10
    response, new_secret = _replace(client, password=STAFF_PASSWORD, current_code=codes[0])
    assert response.status_code == 200
    assert _user(app, account).totp_secret == new_secret != first_secret
    assert '"proof": "recovery_code"' in _details(app, "second_factor_replaced")


def test_guessing_the_proof_from_a_stolen_session_locks_the_account(app, totp_login):
    app.config["PORTAL_STAFF_ACCOUNT_LIMIT"] = "100 per minute"
    account, client = totp_login()
    for n in range(10):
        _replace(client, password=f"guess-number-{n}-wrong", current_code=_code(account["secret"]))
    assert _user(app, account).locked_until is not None
    assert "account_locked" in _actions(app)
    # even the right proof is refused while the lock lasts
    response, _new = _replace(
        client, password=STAFF_PASSWORD, current_code=_recovery_codes(app, account)[0]
    )
    assert response.status_code == 422
    assert _user(app, account).totp_secret == account["secret"]


# --- passkeys -----------------------------------------------------------------------------


def _start_adding(client, secret, password=STAFF_PASSWORD, code=None, name="office PC"):
    page = client.get("/staff/account/passkeys")
    return client.post(
        "/staff/account/passkeys",
        data={
            "name": name,
            "password": password,
            "current_code": code or _code(secret),
            "csrf_token": csrf_token_from(page.text),
        },
    )


def _add_passkey(client, secret, device, name="office PC", origin=ORIGIN, code=None):
    step = _start_adding(client, secret, name=name, code=code)
    assert step.status_code == 200, step.text
    return client.post(
        "/staff/account/passkeys/register",
        data={
            "credential": device.create(options_in(step.text), origin=origin),
            "name": name,
            "csrf_token": csrf_token_from(step.text),
        },
    )


def _second_step(client, email):
    assert staff_login(client, email).location.endswith("/staff/login/code")
    return client.get("/staff/login/code")


def _post_passkey(client, page, answer):
    return client.post(
        "/staff/login/passkey",
        data={"credential": answer, "csrf_token": csrf_token_from(page.text)},
    )


def test_staff_adds_a_passkey_and_logs_in_with_it(app, totp_login):
    account, client = totp_login()
    device = SoftDevice()
    added = _add_passkey(client, account["secret"], device, name="窓口の PC")
    assert added.status_code == 302
    listing = client.get("/staff/account/passkeys").text
    assert "窓口の PC" in listing
    assert '"name": "窓口の PC"' in _details(app, "passkey_added")

    browser = app.test_client()
    page = _second_step(browser, account["email"])
    assert 'data-passkey="get"' in page.text
    assert "passkeys.js" in page.text
    done = _post_passkey(browser, page, device.get(options_in(page.text)))
    assert done.status_code == 302
    assert done.location == "/staff/"
    assert browser.get("/staff/").status_code == 200
    assert '"second_factor": "passkey"' in _details(app, "login")
    assert "passkey" in browser.get("/staff/account").text
    with app.app_context():
        passkey = db.session.scalars(sa.select(Passkey)).one()
        assert passkey.sign_count == 1
        assert passkey.last_used_at is not None


def test_a_passkey_is_added_only_after_the_password_and_a_code(app, totp_login):
    account, client = totp_login()
    refused = _start_adding(client, account["secret"], password="not-my-password-at-all")
    assert refused.status_code == 422
    assert "data-passkey-options" not in refused.text
    assert '"change": "passkey_add"' in _details(app, "account_change_refused")
    # an answer posted without the proof's challenge is refused
    step_elsewhere = app.test_client()
    staff_login(step_elsewhere, account["email"], code=_code(account["secret"]))
    proven = _start_adding(step_elsewhere, account["secret"], code=_recovery_codes(app, account)[0])
    answer = SoftDevice().create(options_in(proven.text))
    page = client.get("/staff/account/passkeys")
    response = client.post(
        "/staff/account/passkeys/register",
        data={"credential": answer, "name": "x", "csrf_token": csrf_token_from(page.text)},
    )
    assert response.status_code == 302
    assert "unknown_challenge" in _details(app, "passkey_refused")
    with app.app_context():
        assert db.session.scalars(sa.select(Passkey)).all() == []


def test_passkeys_need_the_authenticator_app_first(app, client, make_staff):
    account = make_staff("moderator")
    staff_login(client, account["email"])
    response = client.get("/staff/account/passkeys")
    assert response.location.endswith("/staff/account/second-factor")


def test_a_replayed_passkey_answer_is_refused(app, totp_login):
    account, client = totp_login()
    device = SoftDevice()
    _add_passkey(client, account["secret"], device)
    first = app.test_client()
    page = _second_step(first, account["email"])
    answer = device.get(options_in(page.text))
    assert _post_passkey(first, page, answer).status_code == 302

    # The same answer again, in a new login waiting for its second step: its challenge is gone.
    second = app.test_client()
    page = _second_step(second, account["email"])
    refused = _post_passkey(second, page, answer)
    assert refused.status_code == 401
    assert "The passkey was not accepted" in refused.text
    assert second.get("/staff/").status_code == 302
    assert '"reason": "unknown_challenge"' in _details(app, "login_failed")

    # And twice within one login: the challenge is used up by the first try.
    third = app.test_client()
    page = _second_step(third, account["email"])
    answer = device.get(options_in(page.text), origin="https://evil.example")
    assert _post_passkey(third, page, answer).status_code == 401
    retried = _post_passkey(third, page, device.get(options_in(page.text)))
    assert retried.status_code == 401
    assert '"reason": "unknown_challenge"' in _details(app, "login_failed")
    assert _user(app, account).failed_logins == 3


def test_a_passkey_answer_from_another_origin_is_refused(app, totp_login):
    account, client = totp_login()
    device = SoftDevice()
    # registering from another site's page is refused
    refused = _add_passkey(client, account["secret"], device, origin="https://evil.example")
    assert refused.status_code == 302
    assert '"reason": "wrong_origin"' in _details(app, "passkey_refused")
    recovery = _recovery_codes(app, account)[0]
    assert _add_passkey(client, account["secret"], device, code=recovery).status_code == 302

    browser = app.test_client()
    page = _second_step(browser, account["email"])
    answer = device.get(options_in(page.text), origin="https://isesaki-portal.evil.example")
    assert _post_passkey(browser, page, answer).status_code == 401
    assert '"reason": "wrong_origin"' in _details(app, "login_failed")
    # nor for another relying party
    page = browser.get("/staff/login/code")
    answer = device.get(options_in(page.text), rp_id="evil.example")
    assert _post_passkey(browser, page, answer).status_code == 401
    assert '"reason": "wrong_relying_party"' in _details(app, "login_failed")
    assert browser.get("/staff/").status_code == 302


def test_an_unknown_passkey_is_refused(app, totp_login, make_staff):
    account, client = totp_login()
    _add_passkey(client, account["secret"], SoftDevice())
    # another account's passkey is unknown to this one
    other, other_client = totp_login("committee")
    others_device = SoftDevice()
    _add_passkey(other_client, other["secret"], others_device)

    browser = app.test_client()
    page = _second_step(browser, account["email"])
    for answer in (SoftDevice().get(options_in(page.text)), None):
        if answer is None:
            page = browser.get("/staff/login/code")
            answer = others_device.get(options_in(page.text))
        refused = _post_passkey(browser, page, answer)
        assert refused.status_code == 401
        assert '"reason": "unknown_credential"' in _details(app, "login_failed")
    assert browser.get("/staff/").status_code == 302


def test_removing_a_passkey_needs_the_password(app, totp_login):
    account, client = totp_login()
    device = SoftDevice()
    _add_passkey(client, account["secret"], device)
    with app.app_context():
        passkey_id = db.session.scalars(sa.select(Passkey.id)).one()
    path = f"/staff/account/passkeys/{passkey_id}/remove"
    page = client.get(path)
    refused = client.post(
        path, data={"password": "not-my-password-x", "csrf_token": csrf_token_from(page.text)}
    )
    assert refused.status_code == 422
    removed = client.post(
        path, data={"password": STAFF_PASSWORD, "csrf_token": csrf_token_from(page.text)}
    )
    assert removed.status_code == 302
    assert "passkey_removed" in _actions(app)
    browser = app.test_client()
    page = _second_step(browser, account["email"])
    assert "data-passkey-options" not in page.text  # no passkey left to offer


def test_an_admin_reset_removes_the_passkeys_too(app, client, totp_login, make_staff):
    account, theirs = totp_login()
    _add_passkey(theirs, account["secret"], SoftDevice())
    admin = make_staff("admin")
    staff_login(client, admin["email"])
    page = f"/staff/admin/accounts/{account['id']}"
    post_form(client, page, page + "/reset_second_factor", {})
    with app.app_context():
        assert db.session.scalars(sa.select(Passkey)).all() == []
    assert theirs.get("/staff/").status_code == 302


def test_relying_party_comes_from_the_settings():
    from portal.services.staff.passkeys import relying_party

    production = relying_party(
        {"PORTAL_ENV": "production", "TRUSTED_HOSTS": ["iken.city.isesaki.example", "www.x"]}
    )
    assert production.id == "iken.city.isesaki.example"
    assert production.expected_origins("http://localhost:5000") == [
        "https://iken.city.isesaki.example"
    ]
    demo = relying_party({"PORTAL_ENV": "development"})
    assert demo.id == "localhost"
    assert "http://localhost:8080" in demo.expected_origins("http://localhost:8080")
    assert "http://127.0.0.1:5000" not in demo.expected_origins("http://127.0.0.1:5000")
    chosen = relying_party(
        {
            "PORTAL_ENV": "development",
            "PORTAL_WEBAUTHN_RP_ID": "staff.example",
            "PORTAL_WEBAUTHN_ORIGINS": "https://staff.example, https://b.staff.example/",
        }
    )
    assert chosen.expected_origins("http://localhost:8080") == [
        "https://staff.example",
        "https://b.staff.example",
    ]
    assert chosen.accepts_host("b.staff.example")
    assert not chosen.accepts_host("staff.example.evil")


def test_passkeys_are_not_offered_on_an_ip_address(app, make_staff):
    from portal.database import utcnow

    app.config["SERVER_NAME"] = "127.0.0.1:5000"  # as `portal demo` prints its address
    account = make_staff("moderator", totp=True)
    with app.app_context():
        user = db.session.get(StaffUser, account["id"])
        user.passkeys.append(
            Passkey(
                name="PC",
                credential_id=SoftDevice().id,
                public_key=b"unused",
                sign_count=0,
                transports="",
                created_at=utcnow(),
            )
        )
        db.session.commit()
    client = app.test_client()
    page = _second_step(client, account["email"])
    assert "data-passkey-options" not in page.text
    staff_login(client, account["email"], code=pyotp.TOTP(account["secret"]).now())
    assert "Passkeys cannot be used at this address" in client.get("/staff/account/passkeys").text
