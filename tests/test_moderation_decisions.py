"""Decisions on comments: the rules every moderation screen relies on."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.database import utcnow
from portal.extensions import db
from portal.models import AuditRecord, Comment, StaffUser
from portal.services.moderation.decisions import Conflict, DecisionRefused, decide, decide_many


@pytest.fixture
def comments(app, submit, open_measure):
    for i in range(3):
        submit(open_measure, body=f"窓口の改善をお願いします。その{i}")
    with app.app_context():
        return [c.id for c in db.session.scalars(sa.select(Comment).order_by(Comment.id))]


def _moderators(app, make_staff):
    first, second = make_staff("moderator"), make_staff("moderator")
    return first["id"], second["id"]


def test_approve_then_conflicting_second_decision(app, comments, make_staff):
    first_id, second_id = _moderators(app, make_staff)
    with app.app_context():
        comment = db.session.get(Comment, comments[0])
        shown_version = comment.version
        decide(
            comment,
            "approve",
            actor=db.session.get(StaffUser, first_id),
            ip=None,
            now=utcnow(),
            expected_version=shown_version,
        )
        db.session.commit()
        comment = db.session.get(Comment, comments[0])
        with pytest.raises(Conflict) as conflict:
            decide(
                comment,
                "hold",
                actor=db.session.get(StaffUser, second_id),
                ip=None,
                now=utcnow(),
                expected_version=shown_version,
            )
        assert conflict.value.current_status == "published"
        db.session.rollback()
        actions = db.session.scalars(sa.select(AuditRecord.action)).all()
        assert "comment_approve" in actions


def test_four_eyes_rejection_needs_a_second_moderator(app, comments, make_staff):
    first_id, second_id = _moderators(app, make_staff)
    with app.app_context():
        first, second = db.session.get(StaffUser, first_id), db.session.get(StaffUser, second_id)
        comment = db.session.get(Comment, comments[0])
        decide(
            comment,
            "reject",
            actor=first,
            ip=None,
            now=utcnow(),
            reason="commercial",
            rejection_review=True,
        )
        assert comment.status == "under_review"
        with pytest.raises(DecisionRefused, match="same_moderator"):
            decide(comment, "confirm_rejection", actor=first, ip=None, now=utcnow())
        decide(comment, "confirm_rejection", actor=second, ip=None, now=utcnow())
        assert comment.status == "not_published"
        assert comment.rejection_reason == "commercial"


def test_bulk_decision_says_which_changed_and_which_did_not(app, comments, make_staff):
    first_id, _ = _moderators(app, make_staff)
    with app.app_context():
        actor = db.session.get(StaffUser, first_id)
        db.session.get(Comment, comments[1]).withdraw(utcnow())
        decide(db.session.get(Comment, comments[2]), "approve", actor=actor, ip=None, now=utcnow())
        result = decide_many(comments + [999_999], "approve", actor=actor, ip=None, now=utcnow())
        codes = dict(result.unchanged)
        assert len(result.changed) == 1
        assert sorted(codes.values()) == ["already", "not_found", "withdrawn"]
