"""Administration: who may open which staff page, measure texts, comment periods, accounts."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from conftest import csrf_token_from, post_form, set_period, staff_login

from portal.database import JAPAN, utcnow
from portal.extensions import db
from portal.models import AuditRecord, Measure, MeasureText, StaffUser

ADMIN_PAGES = [
    "/staff/admin/",
    "/staff/admin/measures",
    "/staff/admin/measures/1-(1)",
    "/staff/admin/accounts",
    "/staff/admin/audit",
]
LOGGED_IN_PAGES = ["/staff/", "/staff/account/password", "/staff/account/second-factor"]


@pytest.mark.parametrize("path", ADMIN_PAGES + LOGGED_IN_PAGES)
def test_anonymous_visitor_gets_the_login_page(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.location.startswith("/staff/login?next=")


@pytest.mark.parametrize("roles", [("moderator",), ("committee",), ("moderator", "committee")])
def test_staff_without_the_admin_role_gets_403(client, login_as, roles):
    login_as(*roles)
    for path in ADMIN_PAGES:
        response = client.get(path)
        assert response.status_code == 403, path
        main = response.text.split("<main", 1)[1]
        assert "1-(1)" not in main
        assert "audit" not in main.lower()
    for path in LOGGED_IN_PAGES:
        assert client.get(path).status_code == 200, path


def test_admin_opens_every_admin_page(client, login_as):
    login_as("admin")
    for path in ADMIN_PAGES + LOGGED_IN_PAGES:
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-store"


def test_admin_actions_refused_to_other_roles(app, client, login_as, make_staff):
    target = make_staff("committee")
    login_as("moderator")
    token = csrf_token_from(client.get("/staff/account/password").text)
    for path in (
        "/staff/admin/measures/1-(1)/period",
        f"/staff/admin/accounts/{target['id']}/disable",
        f"/staff/admin/accounts/{target['id']}/roles",
        "/staff/admin/accounts",
    ):
        assert client.post(path, data={"csrf_token": token}).status_code == 403, path
    with app.app_context():
        assert db.session.get(StaffUser, target["id"]).is_enabled


def test_disabled_account_loses_its_session_at_once(app, client, make_staff):
    victim = make_staff("moderator")
    staff_login(client, victim["email"])
    assert client.get("/staff/").status_code == 200
    admin_client = app.test_client()
    admin = make_staff("admin")
    staff_login(admin_client, admin["email"])
    response = post_form(
        admin_client,
        f"/staff/admin/accounts/{victim['id']}",
        f"/staff/admin/accounts/{victim['id']}/disable",
        {},
    )
    assert response.status_code == 302
    assert client.get("/staff/").status_code == 302
    assert staff_login(app.test_client(), victim["email"]).status_code == 401


def test_measure_edit_is_seen_on_the_public_page_and_flags_translations(app, client, login_as):
    login_as("admin")
    data = {
        "title": "行政運営の効率化(改訂案)",
        "summary": "窓口の手続を見直します。",
        "body": "窓口の手続を[[ict|ICT]]で見直します。\n\n第二段落です。",
    }
    preview = post_form(
        client,
        "/staff/admin/measures/1-(1)",
        "/staff/admin/measures/1-(1)",
        {**data, "action": "preview"},
    )
    assert "Preview" in preview.text or "プレビュー" in preview.text
    assert 'class="glossary-term"' in preview.text
    assert "行政運営の効率化(改訂案)" not in client.get("/ja/measures/1-1").text  # not saved yet
    saved = post_form(
        client,
        "/staff/admin/measures/1-(1)",
        "/staff/admin/measures/1-(1)",
        {**data, "action": "save"},
    )
    assert saved.status_code == 302
    assert "行政運営の効率化(改訂案)" in client.get("/ja/measures/1-1").text
    with app.app_context():
        measure = db.session.scalar(sa.select(Measure).where(Measure.code == "1-(1)"))
        flagged = {t.locale for t in measure.texts if t.needs_review}
        assert flagged == {"ja-x-easy", "en", "pt-BR", "es", "vi", "zh-Hans", "tl", "ne"}
        record = db.session.scalars(
            sa.select(AuditRecord).where(AuditRecord.action == "measure_text_edited")
        ).one()
        assert "行政運営の効率化(改訂案)" in record.details  # before and after are kept
    # editing the Vietnamese text marks it reviewed
    vi = {"title": "Tiêu đề mới", "summary": "Tóm tắt.", "body": "Nội dung."}
    post_form(
        client,
        "/staff/admin/measures/1-(1)?locale=vi",
        "/staff/admin/measures/1-(1)?locale=vi",
        {**vi, "action": "save"},
    )
    with app.app_context():
        text = db.session.scalar(
            sa.select(MeasureText).where(
                MeasureText.locale == "vi", MeasureText.measure.has(Measure.code == "1-(1)")
            )
        )
        assert not text.needs_review
    assert "Tiêu đề mới" in client.get("/vi/measures/1-1").text


def _change_period(client, code, opens, closes, reason=""):
    """Send the measure page's period form, times in Japan as the admin types them."""
    fmt = "%Y-%m-%dT%H:%M"
    return post_form(
        client,
        f"/staff/admin/measures/{code}",
        f"/staff/admin/measures/{code}/period",
        {
            "opens_at": opens.astimezone(JAPAN).strftime(fmt),
            "closes_at": closes.astimezone(JAPAN).strftime(fmt),
            "short_reason": reason,
        },
    )


def test_period_extension_is_seen_by_residents(app, client, login_as):
    login_as("admin")
    set_period(app, "1-(2)", timedelta(days=-20), timedelta(days=10))
    opens = utcnow() - timedelta(days=20)
    closes = (utcnow() + timedelta(days=40)).replace(second=0, microsecond=0)
    response = _change_period(client, "1-(2)", opens, closes)
    assert response.status_code == 302
    page = client.get("/en/measures/1-2").text
    assert closes.astimezone(JAPAN).strftime("%-d, %Y") in page
    with app.app_context():
        assert db.session.scalars(
            sa.select(AuditRecord).where(AuditRecord.action == "period_changed")
        ).one()


def test_a_period_under_30_days_needs_a_reason_shown_to_residents(app, client, login_as):
    login_as("admin")
    opens = utcnow() - timedelta(days=1)
    closes = utcnow() + timedelta(days=14)
    refused = _change_period(client, "1-(3)", opens, closes)
    assert refused.status_code == 422
    assert "30 days" in refused.text or "30日" in refused.text
    reason = "年度内に条例改正を行う必要があるため"
    accepted = _change_period(client, "1-(3)", opens, closes, reason)
    assert accepted.status_code == 302
    page = client.get("/vi/measures/1-3").text
    assert reason in page
    assert "Lý do thời hạn ngắn hơn 30 ngày" in page


def test_a_period_cannot_reopen_once_results_are_published(app, client, login_as):
    login_as("admin")
    set_period(app, "1-(4)", timedelta(days=-40), timedelta(days=-5), results_in=timedelta(days=-1))
    opens, closes = utcnow(), utcnow() + timedelta(days=40)
    response = _change_period(client, "1-(4)", opens, closes)
    assert response.status_code == 422
    assert client.get("/ja/measures/1-4").status_code == 200
    with app.app_context():
        measure = db.session.scalar(sa.select(Measure).where(Measure.code == "1-(4)"))
        assert measure.closes_at < utcnow()


def test_admin_ends_a_period_early_with_a_reason(app, client, login_as):
    login_as("admin")
    set_period(app, "1-(5)", timedelta(days=-35), timedelta(days=5))
    response = post_form(
        client,
        "/staff/admin/measures/1-(5)",
        "/staff/admin/measures/1-(5)/period/end",
        {"short_reason": ""},
    )
    assert response.status_code == 302
    assert "Closed" in client.get("/en/measures/1-5").text


def test_admin_creates_an_account_whose_owner_sets_a_password(app, client, login_as):
    login_as("admin")
    created = post_form(
        client,
        "/staff/admin/accounts",
        "/staff/admin/accounts",
        {"email": "new.member@city.example", "display_name": "新 委員", "roles": ["committee"]},
    )
    assert created.status_code == 200
    link = re.search(r'class="password-link">([^<]+)<', created.text)[1]
    path = link.split("localhost", 1)[1]
    newcomer = app.test_client()
    page = newcomer.get(path)
    assert page.status_code == 200
    done = newcomer.post(
        path,
        data={
            "password": "maple-lantern-quiet-river",
            "confirm": "maple-lantern-quiet-river",
            "csrf_token": csrf_token_from(page.text),
        },
    )
    assert done.status_code == 302
    assert newcomer.get(path).status_code == 404  # a link works once
    assert (
        staff_login(
            newcomer, "new.member@city.example", password="maple-lantern-quiet-river"
        ).status_code
        == 302
    )
    assert newcomer.get("/staff/").status_code == 200
    assert newcomer.get("/staff/admin/").status_code == 403


def test_password_link_expires_after_a_day(app, client, login_as, make_staff, monkeypatch):
    import portal.auth.account as auth_routes

    target = make_staff("moderator")
    login_as("admin")
    shown = post_form(
        client,
        f"/staff/admin/accounts/{target['id']}",
        f"/staff/admin/accounts/{target['id']}/password_link",
        {},
    )
    path = re.search(r'class="password-link">http://localhost([^<]+)<', shown.text)[1]
    later = utcnow() + timedelta(hours=25)
    monkeypatch.setattr(auth_routes, "utcnow", lambda: later)
    assert app.test_client().get(path).status_code == 404


def test_admin_changes_roles_and_resets_second_factor(app, client, login_as, make_staff):
    target = make_staff("moderator", totp=True)
    login_as("admin")
    page = f"/staff/admin/accounts/{target['id']}"
    post_form(client, page, page + "/roles", {"roles": ["moderator", "committee"]})
    post_form(client, page, page + "/reset_second_factor", {})
    with app.app_context():
        user = db.session.get(StaffUser, target["id"])
        assert user.role_set == {"moderator", "committee"}
        assert user.totp_secret is None
        actions = db.session.scalars(sa.select(AuditRecord.action)).all()
        assert {"roles_changed", "second_factor_reset"} <= set(actions)


def test_admin_cannot_lock_themselves_out(app, client, login_as):
    me = login_as("admin")
    page = f"/staff/admin/accounts/{me['id']}"
    post_form(client, page, page + "/disable", {})
    post_form(client, page, page + "/roles", {"roles": ["moderator"]})
    with app.app_context():
        user = db.session.get(StaffUser, me["id"])
        assert user.is_enabled
        assert "admin" in user.role_set


def test_audit_log_filters_by_action_and_person(app, client, login_as, make_staff):
    other = make_staff("moderator")
    staff_login(app.test_client(), other["email"])
    me = login_as("admin")
    everything = client.get("/staff/admin/audit").text
    assert other["email"] in everything
    assert me["email"] in everything
    only_other = client.get("/staff/admin/audit", query_string={"actor": other["email"]}).text
    assert me["email"] not in only_other.split("<tbody>")[1]
    logins = client.get("/staff/admin/audit", query_string={"action": "login"}).text
    assert "account_created" not in logins.split("<tbody>")[1]
    bad = client.get("/staff/admin/audit", query_string={"since": "not-a-date"})
    assert bad.status_code == 422
