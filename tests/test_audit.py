"""The audit log is append-only at three depths: the application, the database, the hash chain."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from conftest import STAFF_PASSWORD, USE_POSTGRES, post_form, staff_login

from portal.extensions import db
from portal.models import AuditRecord, StaffUser
from portal.services import audit


@pytest.fixture
def logged_actions(app, client, make_staff):
    """A few real staff actions, written through the web screens."""
    account = make_staff("admin")
    staff_login(client, account["email"], password="wrong-password-here")
    staff_login(client, account["email"])
    post_form(
        client,
        "/staff/admin/accounts",
        "/staff/admin/accounts",
        {"email": "someone@city.example", "display_name": "Someone", "roles": ["moderator"]},
    )
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(AuditRecord.id)))


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET action = 'nothing_happened'",
        "DELETE FROM audit_log",
    ],
)
def test_database_refuses_to_change_or_remove_records(app, logged_actions, statement):
    with app.app_context():
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            db.session.execute(sa.text(statement))
        db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count(AuditRecord.id))) == logged_actions


def _drop_triggers(connection):
    if USE_POSTGRES:
        connection.execute(sa.text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
    else:
        connection.execute(sa.text("DROP TRIGGER audit_log_no_update"))
        connection.execute(sa.text("DROP TRIGGER audit_log_no_delete"))


def _restore_triggers(connection):
    if USE_POSTGRES:
        connection.execute(sa.text("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only"))


def test_verify_finds_a_record_altered_behind_the_applications_back(app, runner, logged_actions):
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    with app.app_context():
        with db.engine.begin() as connection:
            _drop_triggers(connection)
            connection.execute(
                sa.text("UPDATE audit_log SET ip_address = '203.0.113.9' WHERE id = 2")
            )
            _restore_triggers(connection)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code != 0
    assert "record 2: content does not match its hash" in result.output


def test_verify_finds_a_removed_record(app, runner, logged_actions):
    with app.app_context():
        with db.engine.begin() as connection:
            _drop_triggers(connection)
            connection.execute(sa.text("DELETE FROM audit_log WHERE id = 2"))
            _restore_triggers(connection)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code != 0
    assert "record 3: does not follow the record before it (after record 1)" in result.output


def test_records_hold_who_when_where_and_no_secret(
    app, client, logged_actions, submit, open_measure
):
    submit(
        open_measure,
        name="山田太郎",
        email="taro@example.jp",
        phone="090-1234-5678",
        address="伊勢崎市今泉町2-410",
    )
    with app.app_context():
        records = db.session.scalars(sa.select(AuditRecord).order_by(AuditRecord.id)).all()
        assert [r.action for r in records][:3] == ["login_failed", "login", "account_created"]
        assert records[0].ip_address == "127.0.0.1"
        assert records[1].actor_email
        assert records[1].occurred_at.tzinfo is not None
        everything = " ".join(f"{r.details} {r.actor_email} {r.object_id}" for r in records)
        for secret in (
            STAFF_PASSWORD,
            "wrong-password-here",
            "山田太郎",
            "taro@example.jp",
            "090-1234-5678",
            "今泉町",
        ):
            assert secret not in everything


def test_chain_stays_intact_through_normal_use(app, logged_actions):
    with app.app_context():
        report = audit.verify_chain()
        assert report.intact
        assert report.checked == logged_actions


def test_create_user_reads_the_password_from_stdin_not_argv(app, runner):
    result = runner.invoke(
        args=[
            "create-user",
            "--email",
            "First.Admin@City.example",
            "--name",
            "最初の管理者",
            "--role",
            "admin",
            "--role",
            "moderator",
        ],
        input="orchard-kettle-summer-lamp\n",
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(sa.select(StaffUser))
        assert user.email == "first.admin@city.example"
        assert user.role_set == {"admin", "moderator"}
    weak = runner.invoke(
        args=["create-user", "--email", "b@city.example", "--role", "admin"], input="password1234\n"
    )
    assert weak.exit_code != 0
    assert "too common" in weak.output


def test_create_user_has_no_password_option(runner):
    result = runner.invoke(
        args=[
            "create-user",
            "--email",
            "c@city.example",
            "--role",
            "admin",
            "--password",
            "orchard-kettle-summer-lamp",
        ]
    )
    assert result.exit_code != 0


def test_verify_warns_when_the_chain_is_keyed_with_the_public_demo_key(runner, logged_actions):
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0
    assert "PORTAL_AUDIT_KEY is not set: the chain is keyed with the public demo key" in (
        result.output
    )
