"""The keyed audit chain (finding 8 of issue 17) and the head kept outside the database.

The attack of the finding: someone who can write the database drops the trigger, edits a
record and recomputes the chain with the application's own (published) hash function. With the
chain keyed by PORTAL_AUDIT_KEY, which is not in the database, `portal audit verify` finds it;
a head saved with `portal audit head` also finds the newest records removed.
"""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from conftest import USE_POSTGRES, post_form, staff_login

from portal import create_app
from portal.config import DEMO_AUDIT_KEY
from portal.extensions import db
from portal.models import AuditRecord
from portal.services.audit_chain import ChainKey, keyed_hash, plain_hash

KEY = "city-audit-key-0123456789abcdef-kept-in-the-vault"
OTHER_KEY = "another-audit-key-fedcba9876543210-not-the-citys"


@pytest.fixture
def app_config():
    return {"PORTAL_AUDIT_KEY": KEY}


@pytest.fixture
def logged_actions(app, client, make_staff):
    """A few real staff actions through the web screens; returns how many records they wrote."""
    account = make_staff("admin")
    staff_login(client, account["email"], password="wrong-password-here")
    staff_login(client, account["email"])
    _create_account(client, "someone@city.example")
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(AuditRecord.id)))


def _create_account(client, email: str) -> None:
    post_form(
        client,
        "/staff/admin/accounts",
        "/staff/admin/accounts",
        {"email": email, "display_name": "Someone", "roles": ["moderator"]},
    )


def _without_triggers(connection, statements):
    if USE_POSTGRES:
        connection.execute(sa.text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
    else:
        connection.execute(sa.text("DROP TRIGGER IF EXISTS audit_log_no_update"))
        connection.execute(sa.text("DROP TRIGGER IF EXISTS audit_log_no_delete"))
    for statement, params in statements:
        connection.execute(sa.text(statement), params)
    if USE_POSTGRES:
        connection.execute(sa.text("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only"))


def _rewrite(app, hash_with, *, edit_id=None, key_id="keep"):
    """What an attacker with the database does: edit record `edit_id` (its address), then
    recompute every record's chain value with `hash_with(prev, record)` so each link fits."""
    with app.app_context():
        records = db.session.scalars(sa.select(AuditRecord).order_by(AuditRecord.id)).all()
        statements, prev = [], "0" * 64
        for record in records:
            if record.id == edit_id:
                record.ip_address = "203.0.113.9"
            record.prev_hash = prev
            record.record_hash = prev = hash_with(prev, record)
            statements.append(
                (
                    "UPDATE audit_log SET ip_address = :ip, prev_hash = :prev, "
                    "record_hash = :hash, key_id = :key_id WHERE id = :id",
                    {
                        "ip": record.ip_address,
                        "prev": record.prev_hash,
                        "hash": record.record_hash,
                        "key_id": record.key_id if key_id == "keep" else key_id,
                        "id": record.id,
                    },
                )
            )
        db.session.rollback()
        with db.engine.begin() as connection:
            _without_triggers(connection, statements)


def _verify(runner, *args):
    return runner.invoke(args=["audit", "verify", *args])


def test_intact_chain_verifies_under_the_citys_key(runner, logged_actions):
    result = _verify(runner)
    assert result.exit_code == 0, result.output
    assert f"audit log intact: {logged_actions} records" in result.output
    assert f"keyed, current key {ChainKey.from_text(KEY).key_id}" in result.output
    assert "demo key" not in result.output


def test_the_issues_attack_with_the_unkeyed_hash_is_detected(app, runner, logged_actions):
    _rewrite(app, plain_hash, edit_id=2)
    result = _verify(runner)
    assert result.exit_code != 0
    # Every recomputed record fails: the attacker's hash is not the keyed one.
    assert "record 2: content does not match its hash: altered" in result.output
    assert f"record {logged_actions}: content does not match its hash" in result.output


def test_the_attack_with_the_public_demo_key_is_detected(app, runner, logged_actions):
    demo = ChainKey.from_text(DEMO_AUDIT_KEY)
    _rewrite(app, lambda prev, record: keyed_hash(demo, prev, record), edit_id=2)
    result = _verify(runner)
    assert result.exit_code != 0
    assert "record 2: content does not match its hash: altered" in result.output


def test_the_attack_rewriting_the_whole_log_as_unkeyed_is_detected(app, runner, logged_actions):
    # The attacker also clears key_id everywhere, so the log looks as if never keyed.
    _rewrite(app, plain_hash, edit_id=2, key_id=None)
    result = _verify(runner)
    assert result.exit_code != 0
    assert "the newest, are not under the current key" in result.output
    assert "rewritten without the current key" in result.output


def _save_head(runner, path) -> dict:
    result = runner.invoke(args=["audit", "head"])
    assert result.exit_code == 0, result.output
    line = result.output.strip().splitlines()[-1]
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(line + "\n")
    return json.loads(line)


def test_removing_the_newest_records_is_detected_against_a_saved_head(
    app, client, runner, logged_actions, tmp_path
):
    heads = tmp_path / "audit-heads.jsonl"
    head = _save_head(runner, heads)
    assert head["last_id"] == head["count"] == logged_actions
    _create_account(client, "later@city.example")  # the log goes on after the head was saved
    assert _verify(runner, "--against", str(heads)).exit_code == 0

    with app.app_context(), db.engine.begin() as connection:
        _without_triggers(
            connection,
            [("DELETE FROM audit_log WHERE id >= :id", {"id": logged_actions - 1})],
        )
    # What is left is a valid chain: without the head nothing shows...
    assert _verify(runner).exit_code == 0
    # ...against the head, the removal does.
    result = _verify(runner, "--against", str(heads))
    assert result.exit_code != 0
    assert (
        f"the newest records were removed: the head names record {logged_actions} "
        f"({logged_actions} records), the log now ends at record {logged_actions - 2}"
    ) in result.output


def test_a_log_rewritten_with_the_key_is_detected_against_a_saved_head(
    app, runner, logged_actions, tmp_path
):
    # Someone holding the key and the database can rewrite the log so that it verifies; a
    # head saved before the rewrite still shows it.
    heads = tmp_path / "audit-heads.jsonl"
    _save_head(runner, heads)
    key = ChainKey.from_text(KEY)
    _rewrite(app, lambda prev, record: keyed_hash(key, prev, record), edit_id=2)
    assert _verify(runner).exit_code == 0
    result = _verify(runner, "--against", str(heads))
    assert result.exit_code != 0
    assert f"record {logged_actions} does not have the chain value the head saved" in result.output


def test_an_altered_head_is_refused(runner, logged_actions, tmp_path):
    heads = tmp_path / "audit-heads.jsonl"
    head = _save_head(runner, heads)
    heads.write_text(json.dumps({**head, "count": head["count"] - 1}) + "\n")
    result = _verify(runner, "--against", str(heads))
    assert result.exit_code != 0
    assert "its signature does not match: the saved head was altered" in result.output


def _app_with_key(app, key: str, old_keys=()):
    """The same database, run with another PORTAL_AUDIT_KEY (and earlier keys)."""
    return create_app(
        {
            "TESTING": True,
            "PORTAL_ENV": "testing",
            "SECRET_KEY": "test-secret-key",
            "RATELIMIT_STORAGE_URI": "memory://",
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "PORTAL_AUDIT_KEY": key,
            "PORTAL_AUDIT_OLD_KEYS": list(old_keys),
        }
    )


def _invoke(other_app, *args):
    try:
        return other_app.test_cli_runner().invoke(args=list(args))
    finally:
        with other_app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_a_wrong_key_is_reported_as_a_wrong_key(app, runner, logged_actions, tmp_path):
    heads = tmp_path / "audit-heads.jsonl"
    _save_head(runner, heads)
    wrong = _app_with_key(app, OTHER_KEY)
    result = _invoke(wrong, "audit", "verify", "--against", str(heads))
    assert result.exit_code != 0
    right_id, wrong_id = ChainKey.from_text(KEY).key_id, ChainKey.from_text(OTHER_KEY).key_id
    assert (
        f"records 1–{logged_actions} were written under audit key {right_id}, which is not "
        f"configured (the current key is {wrong_id}): PORTAL_AUDIT_KEY is the wrong key"
    ) in result.output
    assert f"signed under audit key {right_id}, which is not configured" in result.output
    # No record is called altered: the records are fine, the key is not.
    assert "altered" not in result.output
    assert "portal audit seal" not in result.output
    # Sealing under the wrong key is refused rather than chaining the wrong key further.
    refused = _invoke(wrong, "audit", "seal")
    assert refused.exit_code != 0
    assert f"under audit key {right_id}, which is not configured" in refused.output


def test_after_a_key_rotation_old_records_verify_with_the_old_key(app, runner, logged_actions):
    rotated = _app_with_key(app, OTHER_KEY, old_keys=[KEY])
    # Until something is recorded under the new key, the old segment is not sealed.
    waiting = _invoke(rotated, "audit", "verify")
    assert waiting.exit_code != 0
    assert "run `portal audit seal`" in waiting.output
    sealed = _invoke(rotated, "audit", "seal")
    assert f"Sealed: record {logged_actions + 1} closes the records before it." in sealed.output
    result = _invoke(rotated, "audit", "verify")
    assert result.exit_code == 0, result.output
    assert f"records 1–{logged_actions} ({logged_actions}): keyed, an earlier key" in result.output
    assert "keyed, current key" in result.output


def test_records_from_before_the_key_are_an_earlier_segment_sealed_by_the_first_keyed_one(
    app, client, runner, logged_actions
):
    # A log written before the upgrade: plain SHA-256, no key_id.
    _rewrite(app, plain_hash, key_id=None)
    unsealed = _verify(runner)
    assert unsealed.exit_code != 0
    assert "run `portal audit seal`" in unsealed.output

    _create_account(client, "after-upgrade@city.example")  # the first keyed record seals them
    result = _verify(runner)
    assert result.exit_code == 0, result.output
    assert f"records 1–{logged_actions} ({logged_actions}): the earlier, unkeyed segment" in (
        result.output
    )
    with app.app_context():
        seal = db.session.get(AuditRecord, logged_actions + 1)
        assert seal.action == "audit_chain_sealed"
        assert json.loads(seal.details)["previous_last_id"] == logged_actions

    # Rewriting the unkeyed segment now breaks the link to the keyed seal.
    with app.app_context():
        old = db.session.scalars(
            sa.select(AuditRecord).where(AuditRecord.id <= logged_actions).order_by("id")
        ).all()
        db.session.expunge_all()
    statements, prev = [], "0" * 64
    for record in old:
        if record.id == 1:
            record.ip_address = "203.0.113.9"
        record.prev_hash, record.record_hash = prev, plain_hash(prev, record)
        prev = record.record_hash
        statements.append(
            (
                "UPDATE audit_log SET ip_address = :ip, prev_hash = :p, record_hash = :h "
                "WHERE id = :id",
                {"ip": record.ip_address, "p": record.prev_hash, "h": prev, "id": record.id},
            )
        )
    with app.app_context(), db.engine.begin() as connection:
        _without_triggers(connection, statements)
    attacked = _verify(runner)
    assert attacked.exit_code != 0
    assert f"record {logged_actions + 1}: does not follow the record before it" in attacked.output
