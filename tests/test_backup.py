"""`portal backup` and `portal restore`: what was there at backup time comes back exactly.

On SQLite always; on PostgreSQL (pg_dump / pg_restore) in CI's second pass.
"""

import re
import sqlite3

import pytest
import sqlalchemy as sa
from conftest import USE_POSTGRES, comment_receipt, csrf_token_from, look_up_receipt

from portal.extensions import db


def _snapshot(app) -> dict:
    """Every row of every table, in a stable order."""
    with app.app_context():
        snapshot = {}
        for table in db.metadata.sorted_tables:
            rows = db.session.execute(sa.select(table)).all()
            snapshot[table.name] = sorted(tuple(map(repr, row)) for row in rows)
        db.session.remove()
        return snapshot


def _withdraw(client, number, key):
    page = look_up_receipt(client, number, key).get_data(as_text=True)
    data = {"receipt_number": number, "access_key": key, "confirm": "y"}
    data["csrf_token"] = csrf_token_from(page)
    return client.post("/en/receipts/withdraw", data=data)


def test_restore_brings_back_exactly_what_was_backed_up(
    app, client, runner, submit, open_measure, tmp_path
):
    kept, kept_key = comment_receipt(
        submit, open_measure, body="Before the backup", name="山田 花子"
    )
    before = _snapshot(app)
    backup = tmp_path / "backups" / "portal.backup"
    result = runner.invoke(args=["backup", str(backup)])
    assert result.exit_code == 0, result.output
    assert "Backup written" in result.output
    assert backup.stat().st_size > 0

    later, later_key = comment_receipt(
        submit, open_measure, body="After the backup", email="x@ex.jp"
    )
    assert "Withdrawn by you." in _withdraw(client, kept, kept_key).get_data(as_text=True)
    assert _snapshot(app) != before

    result = runner.invoke(args=["restore", str(backup)], input="y\n")
    assert result.exit_code == 0, result.output
    assert _snapshot(app) == before
    # As residents see it: the withdrawn comment is under review again, the later one is gone.
    restored_page = look_up_receipt(client, kept, kept_key).get_data(as_text=True)
    assert "Received: waiting for review by city staff." in restored_page
    assert "Before the backup" in restored_page
    assert look_up_receipt(client, later, later_key).status_code == 404
    # And the portal goes on numbering from the restored state.
    newest, _key = comment_receipt(submit, open_measure, body="After the restore")
    assert newest != kept


def test_restore_asks_first_and_changes_nothing_when_refused(
    app, runner, submit, open_measure, tmp_path
):
    backup = tmp_path / "portal.backup"
    assert runner.invoke(args=["backup", str(backup)]).exit_code == 0
    comment_receipt(submit, open_measure, body="Keep me")
    after = _snapshot(app)
    result = runner.invoke(args=["restore", str(backup)], input="n\n")
    assert result.exit_code == 1
    assert _snapshot(app) == after


def test_restore_refuses_a_file_that_is_not_a_backup(app, runner, submit, open_measure, tmp_path):
    comment_receipt(submit, open_measure, body="Still here")
    before = _snapshot(app)
    bogus = tmp_path / "notes.txt"
    bogus.write_text("not a backup")
    result = runner.invoke(args=["restore", "--yes", str(bogus)])
    assert result.exit_code == 1
    assert "Error:" in result.output
    assert _snapshot(app) == before


def test_backup_without_a_name_goes_to_the_instance_folder(app, runner):
    result = runner.invoke(args=["backup"])
    assert result.exit_code == 0, result.output
    written = re.search(r"Backup written: (\S+)", result.output)[1]
    assert "/backups/portal-" in written
    assert written.endswith(".dump" if USE_POSTGRES else ".sqlite3")


@pytest.mark.skipif(USE_POSTGRES, reason="SQLite's online backup while another writer works")
def test_sqlite_backup_is_consistent_while_a_write_is_in_progress(
    app, runner, submit, open_measure, tmp_path
):
    comment_receipt(submit, open_measure, body="Committed")
    database = sa.engine.make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database
    writer = sqlite3.connect(database, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE comments SET body = 'half-way'")
    backup = tmp_path / "during-write.sqlite3"
    try:
        result = runner.invoke(args=["backup", str(backup)])
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert result.exit_code == 0, result.output
    with sqlite3.connect(backup) as copy:
        assert copy.execute("SELECT body FROM comments").fetchall() == [("Committed",)]
