"""Residents' contact details are deleted when the retention period ends; comments stay."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from conftest import set_period

from portal.extensions import db
from portal.models import AuditRecord, Comment, ContactDetails


def _counts(app):
    with app.app_context():
        return (
            db.session.scalar(sa.select(sa.func.count(Comment.id))),
            db.session.scalar(sa.select(sa.func.count(ContactDetails.id))),
        )


def test_contacts_are_purged_after_retention_and_comments_stay(app, runner, submit):
    set_period(app, "1-(1)", timedelta(days=-20), timedelta(days=10))
    set_period(app, "1-(2)", timedelta(days=-20), timedelta(days=10))
    submit("/ja/measures/1-1", name="山田太郎", email="taro@example.jp")
    submit("/ja/measures/1-2", name="佐藤花子", phone="090-1234-5678")
    # 1-(1) closed 400 days ago, 1-(2) 100 days ago
    set_period(app, "1-(1)", timedelta(days=-440), timedelta(days=-400))
    set_period(app, "1-(2)", timedelta(days=-140), timedelta(days=-100))

    dry = runner.invoke(args=["purge-contacts", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "1-(1)" in dry.output
    assert "1 items would be deleted" in dry.output
    assert _counts(app) == (2, 2)

    done = runner.invoke(args=["purge-contacts"])
    assert done.exit_code == 0, done.output
    assert _counts(app) == (2, 1)
    with app.app_context():
        left = db.session.scalars(sa.select(ContactDetails)).one()
        assert left.name == "佐藤花子"
        record = db.session.scalars(
            sa.select(AuditRecord).where(AuditRecord.action == "contacts_purged")
        ).one()
        assert "山田" not in record.details
        assert "taro@example.jp" not in record.details

    shorter = runner.invoke(args=["purge-contacts", "--older-than", "30"])
    assert shorter.exit_code == 0
    assert _counts(app) == (2, 0)


def test_open_measures_keep_their_contacts(app, runner, submit, open_measure):
    submit(open_measure, name="山田太郎")
    result = runner.invoke(args=["purge-contacts", "--older-than", "0"])
    assert result.exit_code == 0
    assert _counts(app) == (1, 1)
