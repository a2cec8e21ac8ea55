"""Staff sessions kept on the server: the cookie holds only a session token, the account and
an admin see the active sessions and end any of them, and every ending reaches a copied
cookie."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import sqlalchemy as sa
from conftest import csrf_token_from, post_form, staff_login

from portal.database import utcnow
from portal.extensions import db
from portal.models import AuditRecord, StaffSession, StaffUser

CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
_END_BUTTON = re.compile(r'action="(/staff/[^"]*/sessions/(\d+)/end)"')


def _browser(app, user_agent: str, address: str):
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = user_agent
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _records(app, action: str) -> list[AuditRecord]:
    with app.app_context():
        records = db.session.scalars(
            sa.select(AuditRecord).where(AuditRecord.action == action).order_by(AuditRecord.id)
        ).all()
        db.session.expunge_all()
        return records


def _cookie_contents(app, client) -> dict:
    serializer = app.session_interface.get_signing_serializer(app)
    return serializer.loads(client.get_cookie("session").value)


def test_my_account_lists_my_sessions_and_ends_another_browser(app, make_staff):
    account = make_staff("moderator")
    office = _browser(app, CHROME, "192.0.2.10")
    laptop = _browser(app, FIREFOX, "198.51.100.7")
    staff_login(office, account["email"])
    staff_login(laptop, account["email"])

    page = office.get("/staff/account").text
    assert "Chrome 126 / Windows" in page
    assert "Firefox 128 / Linux" in page
    assert "192.0.2.10" in page
    assert "198.51.100.7" in page
    assert page.count("this browser") == 1
    ends = {sid: path for path, sid in _END_BUTTON.findall(page)}
    assert len(ends) == 2
    with app.app_context():
        laptop_session = db.session.scalars(
            sa.select(StaffSession.id).where(StaffSession.user_agent.like("Firefox%"))
        ).one()

    ended = post_form(office, "/staff/account", ends[str(laptop_session)], {})
    assert ended.status_code == 302
    # the laptop is logged out at its next request; the office stays
    assert laptop.get("/staff/").status_code == 302
    assert office.get("/staff/").status_code == 200
    page = office.get("/staff/account").text
    assert "Firefox 128" not in page
    record = _records(app, "session_ended")[-1]
    assert record.actor_id == account["id"]
    assert f'"session": {laptop_session}' in record.details


def test_ending_my_own_session_logs_this_browser_out(app, make_staff):
    account = make_staff("committee")
    client = _browser(app, CHROME, "192.0.2.10")
    staff_login(client, account["email"])
    page = client.get("/staff/account").text
    (path, _sid) = _END_BUTTON.findall(page)[0]
    response = post_form(client, "/staff/account", path, {})
    assert response.location.endswith("/staff/login")
    assert client.get("/staff/").status_code == 302


def test_another_accounts_session_cannot_be_ended(app, make_staff):
    mine = make_staff("moderator")
    theirs = make_staff("moderator")
    me = app.test_client()
    them = app.test_client()
    staff_login(me, mine["email"])
    staff_login(them, theirs["email"])
    with app.app_context():
        their_session = db.session.scalars(
            sa.select(StaffSession.id).where(StaffSession.user_id == theirs["id"])
        ).one()
    response = post_form(me, "/staff/account", f"/staff/account/sessions/{their_session}/end", {})
    assert response.status_code == 404
    assert them.get("/staff/").status_code == 200


def test_admin_sees_and_ends_a_session_of_an_account(app, client, login_as, make_staff):
    target = make_staff("moderator")
    theirs = _browser(app, FIREFOX, "198.51.100.7")
    staff_login(theirs, target["email"])
    admin = login_as("admin")
    page_path = f"/staff/admin/accounts/{target['id']}"
    page = client.get(page_path).text
    assert "Firefox 128 / Linux" in page
    assert "198.51.100.7" in page
    (path, _sid) = _END_BUTTON.findall(page)[0]
    assert path.startswith(page_path + "/sessions/")

    response = post_form(client, page_path, path, {})
    assert response.status_code == 302
    assert theirs.get("/staff/").status_code == 302
    assert client.get("/staff/").status_code == 200  # the admin's own session goes on
    assert "No active session." in client.get(page_path).text
    record = _records(app, "session_ended")[-1]
    assert record.actor_id == admin["id"]
    assert record.object_id == str(target["id"])


def test_the_cookie_holds_only_the_session_token(app, make_staff):
    account = make_staff("admin", totp=True)
    client = app.test_client()
    staff_login(client, account["email"], code=pyotp.TOTP(account["secret"]).now())
    contents = _cookie_contents(app, client)
    token = contents["_user_id"]
    assert token != str(account["id"])
    assert ":" not in token
    assert len(token) >= 40
    assert not {k for k in contents if k.startswith("staff_") and k != "staff_locale"}
    with app.app_context():
        rows = db.session.scalars(sa.select(StaffSession)).all()
        assert [row.stage for row in rows] == ["active"]
        assert token not in {row.token_hash for row in rows}  # only its hash is stored


def test_login_changes_the_token_between_the_two_steps(app, make_staff):
    account = make_staff("admin", totp=True)
    client = app.test_client()
    staff_login(client, account["email"])
    waiting = _cookie_contents(app, client)["staff_pending"]
    page = client.get("/staff/login/code")
    client.post(
        "/staff/login/code",
        data={
            "code": pyotp.TOTP(account["secret"]).now(),
            "csrf_token": csrf_token_from(page.text),
        },
    )
    assert _cookie_contents(app, client)["_user_id"] != waiting
    # the token of the waiting step grants nothing
    stranger = app.test_client()
    stranger.set_cookie("session", client.get_cookie("session").value)
    assert stranger.get("/staff/").status_code == 200
    with app.test_request_context():
        from flask import session

        session["_user_id"] = waiting
        forged = app.session_interface.get_signing_serializer(app).dumps(dict(session))
    thief = app.test_client()
    thief.set_cookie("session", forged)
    assert thief.get("/staff/").status_code == 302


def _copied_cookie(app, client):
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    assert thief.get("/staff/").status_code == 200
    return thief


def test_role_change_ends_the_accounts_sessions_and_copied_cookies(
    app, client, login_as, make_staff
):
    target = make_staff("moderator")
    theirs = app.test_client()
    staff_login(theirs, target["email"])
    thief = _copied_cookie(app, theirs)
    login_as("admin")
    page = f"/staff/admin/accounts/{target['id']}"
    post_form(client, page, page + "/roles", {"roles": ["committee"]})
    assert theirs.get("/staff/").status_code == 302
    assert thief.get("/staff/").status_code == 302
    with app.app_context():
        reasons = db.session.scalars(
            sa.select(StaffSession.ended_reason).where(StaffSession.user_id == target["id"])
        ).all()
        assert reasons == ["roles_changed"]


def test_an_ended_session_is_not_listed_and_stays_ended(app, make_staff):
    account = make_staff("moderator")
    first = app.test_client()
    second = app.test_client()
    staff_login(first, account["email"])
    staff_login(second, account["email"])
    thief = _copied_cookie(app, second)
    token = csrf_token_from(first.get("/staff/account").text)
    first.post("/staff/logout", data={"csrf_token": token})  # logout ends every session
    for browser in (first, second, thief):
        assert browser.get("/staff/").status_code == 302
    with app.app_context():
        user = db.session.get(StaffUser, account["id"])
        assert {row.ended_reason for row in db.session.scalars(sa.select(StaffSession))} == {
            "logout"
        }
        assert user.is_enabled


def test_old_ended_and_abandoned_logins_are_dropped(app, make_staff):
    account = make_staff("admin", totp=True)
    staff_login(app.test_client(), account["email"])  # the code never comes
    staff_login(app.test_client(), account["email"], code=pyotp.TOTP(account["secret"]).now())
    with app.app_context():
        rows = db.session.scalars(sa.select(StaffSession).order_by(StaffSession.id)).all()
        # the second browser's waiting login became its session; the first one still waits
        assert [row.stage for row in rows] == ["password", "active"]
    other = app.test_client()
    staff_login(other, account["email"])  # waiting for its code
    with app.app_context():
        now = utcnow()
        for row in db.session.scalars(sa.select(StaffSession)):
            row.created_at = row.last_seen_at = now - timedelta(days=2)
            if row.stage == "active":
                row.ended_at = now - timedelta(days=31)
        db.session.commit()
    staff_login(app.test_client(), account["email"])
    with app.app_context():
        stages = db.session.scalars(sa.select(StaffSession.stage)).all()
        assert stages == ["password"]  # only the new login waiting for its code


def test_starting_again_ends_the_earlier_waiting_login(app, make_staff):
    account = make_staff("admin", totp=True)
    client = app.test_client()
    staff_login(client, account["email"])
    earlier_cookie = client.get_cookie("session").value
    staff_login(client, account["email"])
    with app.app_context():
        reasons = db.session.scalars(
            sa.select(StaffSession.ended_reason).order_by(StaffSession.id)
        ).all()
        assert reasons == ["restarted", None]
    replay = app.test_client()
    replay.set_cookie("session", earlier_cookie)
    assert replay.get("/staff/login/code").location.endswith("/staff/login")
