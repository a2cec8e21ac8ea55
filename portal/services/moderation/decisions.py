"""Moderators' decisions on comments: approve, reject with a reason, hold, return to pending.

Rules kept here, whatever screen or command asks:
- a withdrawn comment, or one whose measure's results are published, takes no decision;
- two moderators deciding on the same comment at once do not overwrite each other: the caller
  passes the version it showed, and a different current version raises `Conflict`
  (SQLAlchemy's version counter catches the race between check and write as well);
- with the four-eyes rule on (`rejection_review=True`), a rejection is only proposed; it takes
  effect when a *different* moderator confirms it;
- a comment with personal-data suggestions nobody resolved (hidden, or confirmed not to be
  personal data) is not approved (`personal_data.open_suggestions`); a selection or a group
  with one such comment is refused whole (`unresolved`), with the list;
- every decision writes an audit record in the caller's transaction.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from portal.extensions import db
from portal.models import Comment, CommentStatus
from portal.models.comments import RejectionReason
from portal.models.staff import StaffUser
from portal.services import actions, audit
from portal.services.moderation import personal_data


class Decision(enum.StrEnum):
    """What a moderator can decide."""

    APPROVE = "approve"
    REJECT = "reject"
    HOLD = "hold"
    PENDING = "pending"
    CONFIRM_REJECTION = "confirm_rejection"
    CANCEL_REJECTION = "cancel_rejection"


TARGET_STATUS = {
    Decision.APPROVE: CommentStatus.PUBLISHED,
    Decision.REJECT: CommentStatus.NOT_PUBLISHED,
    Decision.HOLD: CommentStatus.UNDER_REVIEW,
    Decision.PENDING: CommentStatus.RECEIVED,
    Decision.CONFIRM_REJECTION: CommentStatus.NOT_PUBLISHED,
}


class DecisionRefused(actions.Refused):
    """The decision breaks a rule; `code` says which (for a message in the staff's language)."""


class Conflict(DecisionRefused):
    """Someone else changed the comment since the moderator loaded it."""

    def __init__(self, comment: Comment) -> None:
        super().__init__("conflict")
        self.current_status = comment.status
        self.current_version = comment.version


@dataclass
class BulkResult:
    """What a decision on many comments did: which changed and which did not, and why."""

    changed: list[str] = field(default_factory=list)
    unchanged: list[tuple[str, str]] = field(default_factory=list)  # (receipt number, code)


def _check_allowed(
    comment: Comment, decision: Decision, actor: StaffUser, now: datetime, require_resolved: bool
) -> None:
    if comment.status == CommentStatus.WITHDRAWN:
        raise DecisionRefused("withdrawn")
    results = comment.measure.results_published_at
    if results is not None and results <= now:
        raise DecisionRefused("results_published")
    if decision in (Decision.CONFIRM_REJECTION, Decision.CANCEL_REJECTION):
        if comment.rejection_proposed_by_id is None:
            raise DecisionRefused("no_proposal")
        if decision is Decision.CONFIRM_REJECTION and comment.rejection_proposed_by_id == actor.id:
            raise DecisionRefused("same_moderator")
    if (
        require_resolved
        and decision is Decision.APPROVE
        and personal_data.open_suggestions(comment)
    ):
        raise DecisionRefused("unresolved_personal_data")


def decide(
    comment: Comment,
    decision: str,
    *,
    actor: StaffUser,
    ip: str | None,
    now: datetime,
    expected_version: int | None = None,
    reason: str | None = None,
    note: str | None = None,
    rejection_review: bool = False,
    require_resolved: bool = False,
) -> str:
    """Apply one decision to one comment; returns the comment's status afterwards.

    `require_resolved` (every staff screen passes it) refuses an approval while personal-data
    suggestions are unresolved."""
    decision = Decision(decision)
    if expected_version is not None and comment.version != expected_version:
        raise Conflict(comment)
    _check_allowed(comment, decision, actor, now, require_resolved)
    if decision is Decision.REJECT and reason not in set(RejectionReason):
        raise DecisionRefused("reason_required")
    proposal_only = decision is Decision.REJECT and rejection_review
    target = TARGET_STATUS.get(decision)
    if (
        not proposal_only
        and target == comment.status
        and (decision is not Decision.REJECT or reason == comment.rejection_reason)
    ):
        raise DecisionRefused("already")
    before = {
        "status": comment.status,
        "rejection_reason": comment.rejection_reason,
        "rejection_proposed": comment.rejection_proposed_by_id is not None,
    }
    if decision is Decision.CONFIRM_REJECTION:
        reason = comment.rejection_proposed_reason
    if proposal_only:
        comment.rejection_proposed_by_id = actor.id
        comment.rejection_proposed_at = now
        comment.rejection_proposed_reason = reason
        if comment.status == CommentStatus.RECEIVED:
            comment.status = CommentStatus.UNDER_REVIEW
    elif decision is Decision.CANCEL_REJECTION:
        comment.rejection_proposed_by_id = None
        comment.rejection_proposed_at = None
        comment.rejection_proposed_reason = None
    else:
        comment.status = TARGET_STATUS[decision]
        comment.rejection_reason = reason if comment.status == CommentStatus.NOT_PUBLISHED else None
        comment.rejection_proposed_by_id = None
        comment.rejection_proposed_at = None
        comment.rejection_proposed_reason = None
        comment.decided_by_id = actor.id
        comment.decided_at = now
    if note is not None and note.strip():
        comment.staff_note = note.strip()
    comment.updated_at = now
    after = {
        "status": comment.status,
        "rejection_reason": comment.rejection_reason,
        "rejection_proposed": comment.rejection_proposed_by_id is not None,
    }
    actions.record(
        "rejection_proposed" if proposal_only else f"comment_{decision.value}",
        comment,
        actor=actor,
        ip=ip,
        now=now,
        changes=audit.changes(before, after),
        reason=reason,
        note_given=bool(note and note.strip()),
    )
    db.session.flush()
    return comment.status


def unresolved(comment_ids: list[int]) -> list[tuple[str, int]]:
    """(receipt number, open suggestions) of each comment that may not be approved yet because
    personal data is unresolved, in id order: a selection or group holding one is refused."""
    comments = db.session.scalars(
        select(Comment).where(Comment.id.in_(comment_ids)).order_by(Comment.id)
    ).all()
    found = []
    for comment in comments:
        if comment.status in (CommentStatus.WITHDRAWN, CommentStatus.PUBLISHED):
            continue  # no approval would change it
        count = len(personal_data.open_suggestions(comment))
        if count:
            found.append((comment.receipt_number, count))
    return found


def decide_many(
    comment_ids: list[int],
    decision: str,
    *,
    actor: StaffUser,
    ip: str | None,
    now: datetime,
    reason: str | None = None,
    note: str | None = None,
    rejection_review: bool = False,
    require_resolved: bool = False,
) -> BulkResult:
    """One decision for many comments. Each is checked on its own: the result lists every
    comment that changed and every one that did not, with the reason."""
    result = BulkResult()
    comments = db.session.scalars(select(Comment).where(Comment.id.in_(comment_ids))).all()
    found = {comment.id for comment in comments}
    for missing in sorted(set(comment_ids) - found):
        result.unchanged.append((str(missing), "not_found"))
    for comment in sorted(comments, key=lambda c: c.id):
        try:
            # decide() checks every rule before it changes anything: a refusal leaves the
            # comment untouched, and the others go on.
            decide(
                comment,
                decision,
                actor=actor,
                ip=ip,
                now=now,
                reason=reason,
                note=note,
                rejection_review=rejection_review,
                require_resolved=require_resolved,
            )
        except DecisionRefused as refusal:
            result.unchanged.append((comment.receipt_number, refusal.code))
        else:
            result.changed.append(comment.receipt_number)
    return result
