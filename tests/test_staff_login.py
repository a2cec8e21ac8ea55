"""Staff login: passwords, the second factor, throttling, sessions that end when they should."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
import sqlalchemy as sa
from conftest import STAFF_PASSWORD, csrf_token_from, post_form, staff_login

from portal.database import utcnow
from portal.extensions import db, limiter
from portal.models import AuditRecord, StaffUser


def _actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(AuditRecord.action).order_by(AuditRecord.id)))


def test_staff_member_logs_in_and_out(app, client, make_staff):
    account = make_staff("moderator")
    response = staff_login(client, account["email"])
    assert response.status_code == 302
    home = client.get("/staff/")
    assert home.status_code == 200
    assert home.headers["Cache-Control"] == "no-store"
    assert "noindex" in home.headers["X-Robots-Tag"]
    token = csrf_token_from(client.get("/staff/account/password").text)
    client.post("/staff/logout", data={"csrf_token": token})
    assert client.get("/staff/").status_code == 302
    assert _actions(app)[-2:] == ["login", "logout"]


def test_wrong_password_and_unknown_email_get_the_same_answer(app, client, make_staff):
    account = make_staff("admin")
    wrong = staff_login(client, account["email"], password="not-the-password-at-all")
    unknown = staff_login(client, "nobody@city.example", password="not-the-password-at-all")
    assert wrong.status_code == unknown.status_code == 401
    strip = lambda page: page.text.split('name="csrf_token"')[0]  # noqa: E731
    assert strip(wrong) == strip(unknown)
    assert "The email or password is not right" in wrong.text
    records = _actions(app)
    assert records.count("login_failed") == 2


def test_login_is_throttled_per_account(app, make_staff):
    app.config["PORTAL_STAFF_ACCOUNT_LIMIT"] = "3 per minute"
    account = make_staff("admin")
    statuses = []
    for i in range(5):
        # a new address each time: only the per-account limit can stop this
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"192.0.2.{i + 1}"
        statuses.append(staff_login(client, account["email"], password="wrong-pass-x").status_code)
    assert statuses == [401, 401, 401, 429, 429]


def test_repeated_failures_lock_the_account(app, client, make_staff):
    app.config["PORTAL_STAFF_ACCOUNT_LIMIT"] = "100 per minute"
    account = make_staff("admin")
    for _ in range(10):
        staff_login(client, account["email"], password="wrong-password-wrong")
    # locked: even the right password is refused for a while, with the same message
    refused = staff_login(client, account["email"])
    assert refused.status_code in (401, 429)
    assert "account_locked" in _actions(app)
    with app.app_context():
        user = db.session.get(StaffUser, account["id"])
        assert user.locked_until is not None


def test_failures_slow_down_before_the_lock(app, client, make_staff):
    account = make_staff("admin")
    for _ in range(5):
        staff_login(client, account["email"], password="wrong-password-wrong")
    # the right password during the slowdown window is refused too
    assert staff_login(client, account["email"]).status_code == 401


def test_login_is_throttled_per_address(app, client):
    app.config["PORTAL_STAFF_LOGIN_LIMIT"] = "5 per minute"
    statuses = [
        staff_login(client, f"x{i}@city.example", password="wrong-password-x").status_code
        for i in range(7)
    ]
    assert statuses[:5] == [401] * 5
    assert statuses[5] == 429


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/",
        "https://evil.example/",
        "https:evil.example",
        "/\\evil.example",
        "/\\/evil.example",
        "%2F%2Fevil.example",
        "/%2F%2Fevil.example",
        "\t//evil.example",
        "/staff/\n//evil.example",
        "javascript:alert(1)",
        "/ja/",  # a page of this site, but not a staff page
    ],
)
def test_next_parameter_cannot_lead_elsewhere(client, make_staff, target):
    account = make_staff("moderator")
    page = client.get("/staff/login", query_string={"next": target})
    response = client.post(
        "/staff/login",
        query_string={"next": target},
        data={
            "email": account["email"],
            "password": STAFF_PASSWORD,
            "csrf_token": csrf_token_from(page.text),
        },
    )
    assert response.status_code == 302
    assert response.location == "/staff/"


def test_next_parameter_leads_to_the_staff_page_asked_for(client, make_staff):
    account = make_staff("admin")
    first = client.get("/staff/admin/audit?action=login")
    assert first.status_code == 302
    assert "/staff/login?next=" in first.location
    page = client.get(first.location)
    response = client.post(
        first.location,
        data={
            "email": account["email"],
            "password": STAFF_PASSWORD,
            "csrf_token": csrf_token_from(page.text),
        },
    )
    assert response.location == "/staff/admin/audit?action=login"


def test_login_starts_a_new_session(app, client, make_staff):
    account = make_staff("moderator")
    client.get("/staff/login")
    before = client.get_cookie("session").value
    staff_login(client, account["email"])
    after = client.get_cookie("session").value
    assert before != after
    # the cookie from before the login grants nothing
    stranger = app.test_client()
    stranger.set_cookie("session", before)
    assert stranger.get("/staff/").status_code == 302


def test_logout_ends_a_copied_cookie(app, client, make_staff):
    account = make_staff("moderator")
    staff_login(client, account["email"])
    stolen = client.get_cookie("session").value
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/staff/").status_code == 200
    token = csrf_token_from(client.get("/staff/account/password").text)
    client.post("/staff/logout", data={"csrf_token": token})
    assert thief.get("/staff/").status_code == 302


def _clock_moves(monkeypatch, minutes: int) -> None:
    """Staff pages see the time `minutes` from now."""
    import portal.staff_access

    later = utcnow() + timedelta(minutes=minutes)
    monkeypatch.setattr(portal.staff_access, "utcnow", lambda: later)


def test_session_ends_after_thirty_idle_minutes(client, make_staff, monkeypatch):
    account = make_staff("moderator")
    staff_login(client, account["email"])
    assert client.get("/staff/").status_code == 200
    _clock_moves(monkeypatch, 29)
    assert client.get("/staff/").status_code == 200
    _clock_moves(monkeypatch, 29 + 31)
    response = client.get("/staff/")
    assert response.status_code == 302
    assert "expired=1" in response.location
    _clock_moves(monkeypatch, 29 + 32)
    assert client.get("/staff/").status_code == 302  # ended, not only idle


def test_session_ends_after_twelve_hours_even_when_active(client, make_staff, monkeypatch):
    account = make_staff("moderator")
    staff_login(client, account["email"])
    statuses = []
    for minutes in range(0, 12 * 60 + 20, 25):
        _clock_moves(monkeypatch, minutes)
        statuses.append(client.get("/staff/").status_code)
    assert statuses[0] == statuses[-2] == 200
    assert statuses[-1] == 302


def test_disabled_account_cannot_log_in(client, make_staff):
    account = make_staff("admin", enabled=False)
    assert staff_login(client, account["email"]).status_code == 401


# --- second factor ------------------------------------------------------------------------


def test_login_with_a_code_from_the_authenticator(app, client, make_staff):
    account = make_staff("moderator", totp=True)
    first = staff_login(client, account["email"])
    assert first.location.endswith("/staff/login/code")
    assert client.get("/staff/").status_code == 302  # not logged in before the code
    code = pyotp.TOTP(account["secret"]).now()
    page = client.get("/staff/login/code")
    done = client.post(
        "/staff/login/code", data={"code": code, "csrf_token": csrf_token_from(page.text)}
    )
    assert done.status_code == 302
    assert client.get("/staff/").status_code == 200


def test_wrong_and_reused_codes_are_refused(app, make_staff):
    account = make_staff("moderator", totp=True)
    code = pyotp.TOTP(account["secret"]).now()
    first = app.test_client()
    staff_login(first, account["email"], code="000000" if code != "000000" else "111111")
    assert first.get("/staff/").status_code == 302
    staff_login(first, account["email"], code=code)
    assert first.get("/staff/").status_code == 200
    second = app.test_client()
    response = staff_login(second, account["email"], code=code)
    assert response.status_code == 401
    assert "already used" in response.text
    assert second.get("/staff/").status_code == 302


def test_enrolment_by_qr_code_then_recovery_code_login(app, client, make_staff):
    account = make_staff("admin")
    staff_login(client, account["email"])
    page = client.get("/staff/account/second-factor")
    assert 'src="data:image/svg+xml' in page.text
    secret = page.text.split('class="totp-secret">')[1].split("<")[0]
    done = client.post(
        "/staff/account/second-factor",
        data={"code": pyotp.TOTP(secret).now(), "csrf_token": csrf_token_from(page.text)},
    )
    assert done.status_code == 200
    codes = [c.split("</code>")[0] for c in done.text.split("<li><code>")[1:]]
    assert len(codes) == 10
    assert "second_factor_enrolled" in _actions(app)

    other = app.test_client()
    assert staff_login(other, account["email"], code=codes[0]).status_code == 302
    assert other.get("/staff/").status_code == 200
    again = app.test_client()
    assert staff_login(again, account["email"], code=codes[0]).status_code == 401


def test_production_requires_a_second_factor(app, client, make_staff):
    app.config["PORTAL_REQUIRE_SECOND_FACTOR"] = True
    account = make_staff("admin")
    response = staff_login(client, account["email"])
    assert response.location.endswith("/staff/account/second-factor")
    assert client.get("/staff/admin/").location.endswith("/staff/account/second-factor")


# --- passwords ----------------------------------------------------------------------------


def _change_password(client, new):
    """Send the account page's password form: the current password, the new one twice."""
    return post_form(
        client,
        "/staff/account/password",
        "/staff/account/password",
        {"current": STAFF_PASSWORD, "password": new, "confirm": new},
    )


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short-one", "at least 12"),
        ("password1234", "too common"),
        ("qwertyuiop123", "too common"),
        ("Isesaki2026!!", "too common"),
        ("aaaaaaaaaaaaaaa", "too common"),
    ],
)
def test_weak_passwords_are_refused(client, login_as, password, message):
    login_as("moderator")
    response = _change_password(client, password)
    assert response.status_code == 422
    assert message in response.text


def test_password_change_ends_other_sessions(app, client, login_as):
    account = login_as("moderator")
    other = app.test_client()
    staff_login(other, account["email"])
    assert other.get("/staff/").status_code == 200
    new = "lantern-orchard-pebble-river"
    response = _change_password(client, new)
    assert response.status_code == 302
    assert client.get("/staff/").status_code == 200  # this browser stays logged in
    assert other.get("/staff/").status_code == 302
    with app.app_context():
        record = db.session.scalars(
            sa.select(AuditRecord).where(AuditRecord.action == "password_changed")
        ).one()
        assert new not in record.details
        assert STAFF_PASSWORD not in record.details


def test_passwords_are_argon2id(app, make_staff):
    account = make_staff("committee")
    with app.app_context():
        assert db.session.get(StaffUser, account["id"]).password_hash.startswith("$argon2id$")


def test_password_is_rehashed_when_the_parameters_change(app, client, make_staff):
    from argon2 import PasswordHasher

    account = make_staff("committee")
    with app.app_context():
        user = db.session.get(StaffUser, account["id"])
        user.password_hash = PasswordHasher(time_cost=1, memory_cost=8192).hash(STAFF_PASSWORD)
        db.session.commit()
    assert staff_login(client, account["email"]).status_code == 302
    with app.app_context():
        rehashed = db.session.get(StaffUser, account["id"]).password_hash
        assert "m=8192" not in rehashed
        assert PasswordHasher().verify(rehashed, STAFF_PASSWORD)


# --- the second step cannot be guessed around (issue 17, finding 3) -----------------------


def _user(app, account) -> StaffUser:
    with app.app_context():
        user = db.session.get(StaffUser, account["id"])
        db.session.expunge(user)
        return user


def _wrong_code(secret: str) -> str:
    return "000000" if pyotp.TOTP(secret).now() != "000000" else "111111"


def _post_code(client, code, **extra):
    token = csrf_token_from(client.get("/staff/login/code").text)
    return client.post("/staff/login/code", data={"code": code, "csrf_token": token, **extra})


def test_guessing_codes_from_four_addresses_locks_the_account(app, make_staff, monkeypatch):
    # The attack of the issue: the password is known; 27 wrong codes within a minute from four
    # addresses, each naming another account in a posted `email` field.
    account = make_staff("admin", totp=True)
    attackers = []
    for i in range(4):
        attacker = app.test_client()
        attacker.environ_base["REMOTE_ADDR"] = f"203.0.113.{i + 1}"
        assert staff_login(attacker, account["email"]).location.endswith("/staff/login/code")
        attackers.append(attacker)
    statuses = [
        _post_code(
            attackers[n % 4],
            _wrong_code(account["secret"]),
            email=f"someone-else-{n % 4}@city.example",
        ).status_code
        for n in range(27)
    ]
    assert statuses == [401] * 10 + [429] * 17
    user = _user(app, account)
    assert user.failed_logins == 10
    assert user.locked_until > utcnow() + timedelta(minutes=14)
    actions = _actions(app)
    assert actions.count("login_password_accepted") == 4
    assert actions.count("login_failed") == 10
    assert actions.count("account_locked") == 1

    # A minute later, with the rate limit's window gone too, the right code does not get in.
    import portal.auth.login

    later = utcnow() + timedelta(minutes=1)
    monkeypatch.setattr(portal.auth.login, "utcnow", lambda: later)
    with app.app_context():
        limiter.reset()
    right = pyotp.TOTP(account["secret"]).at(later)
    refused = _post_code(attackers[0], right)
    assert refused.status_code == 401
    assert attackers[0].get("/staff/").status_code == 302
    # nor does the password, while the lock lasts
    assert staff_login(app.test_client(), account["email"]).status_code == 401


def test_right_password_does_not_reset_the_failure_count(app, make_staff):
    account = make_staff("moderator", totp=True)
    client = app.test_client()
    staff_login(client, account["email"])
    for _ in range(3):
        assert _post_code(client, _wrong_code(account["secret"])).status_code == 401
    # starting again with the right password keeps the count
    assert staff_login(client, account["email"]).location.endswith("/staff/login/code")
    assert _user(app, account).failed_logins == 3
    # only the complete login clears it
    assert _post_code(client, pyotp.TOTP(account["secret"]).now()).status_code == 302
    assert _user(app, account).failed_logins == 0


def test_password_and_code_failures_lock_together(app, make_staff):
    app.config["PORTAL_STAFF_ACCOUNT_LIMIT"] = "100 per minute"
    account = make_staff("moderator", totp=True)
    client = app.test_client()
    for _ in range(3):
        staff_login(client, account["email"], password="not-the-password-at-all")
    staff_login(client, account["email"])  # right password: the count stays at 3
    for _ in range(7):
        _post_code(client, _wrong_code(account["secret"]))
    assert _user(app, account).failed_logins == 10
    assert "account_locked" in _actions(app)
    assert _post_code(client, pyotp.TOTP(account["secret"]).now()).status_code == 401
    assert client.get("/staff/").status_code == 302


def test_code_step_limit_keys_on_the_waiting_account_not_the_posted_email(app, make_staff):
    app.config["PORTAL_STAFF_ACCOUNT_LIMIT"] = "3 per minute"
    account = make_staff("moderator", totp=True)
    client = app.test_client()
    staff_login(client, account["email"])
    statuses = [
        _post_code(client, _wrong_code(account["secret"]), email=f"x{i}@city.example").status_code
        for i in range(5)
    ]
    assert statuses == [401, 401, 401, 429, 429]


def test_every_login_step_is_audited(app, make_staff):
    account = make_staff("moderator", totp=True)
    client = app.test_client()
    staff_login(client, account["email"])
    assert _actions(app)[-1] == "login_password_accepted"
    _post_code(client, _wrong_code(account["secret"]))
    _post_code(client, pyotp.TOTP(account["secret"]).now())
    assert _actions(app)[-3:] == ["login_password_accepted", "login_failed", "login"]
    with app.app_context():
        failed = db.session.scalars(
            sa.select(AuditRecord).where(AuditRecord.action == "login_failed")
        ).one()
        assert '"step": "second_factor"' in failed.details
        assert failed.object_id == str(account["id"])
