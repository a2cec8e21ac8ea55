"""A moderator's decision on one comment: approve, hold, return to pending, reject."""

from __future__ import annotations

import logging

from flask import abort, current_app
from flask_babel import gettext as _

from portal.converters import parse_int
from portal.models.comments import CommentStatus
from portal.moderation import bp
from portal.moderation.comment import PageProblem, Staff, change_comment, chosen_wording
from portal.moderation.forms import DecisionForm, RejectForm
from portal.moderation.labels import STATUS_LABELS, refusal_text
from portal.services.moderation.decisions import Conflict, DecisionRefused, decide

log = logging.getLogger(__name__)
DECISIONS = {"approve", "hold", "pending", "confirm_rejection", "cancel_rejection"}


def _expected_version(form) -> int | None:
    value = (form.version.data or "").strip()
    return parse_int(value)


def changed_meanwhile(status: str, version: int) -> PageProblem:
    """Refusal of a change to a comment another moderator changed since the page was read."""
    return PageProblem(
        409,
        _(
            "Another moderator changed this comment while you had it open. It is now: "
            "%(state)s (version %(version)s). Nothing was changed: read it again and decide.",
            state=STATUS_LABELS.get(status, status),
            version=version,
        ),
    )


def take_decision(comment, form, staff: Staff, decision: str, **kwargs):
    """Take the decision unless another moderator changed the comment since the page was read."""
    try:
        status = decide(
            comment,
            decision,
            **staff.audit,
            expected_version=_expected_version(form),
            rejection_review=current_app.config["PORTAL_REJECTION_REVIEW"],
            require_resolved=True,
            **kwargs,
        )
    except Conflict as conflict:
        raise changed_meanwhile(conflict.current_status, conflict.current_version) from conflict
    except DecisionRefused as refusal:
        status_code = 422 if refusal.code == "reason_required" else 409
        raise PageProblem(status_code, refusal_text(refusal.code)) from refusal
    log.info("comment %s decided: %s", comment.receipt_number, decision)
    if decision == "reject" and status != CommentStatus.NOT_PUBLISHED:
        return _("Rejection proposed: it takes effect when a second moderator confirms it."), "info"
    return _("Saved: the comment is now %(state)s.", state=STATUS_LABELS.get(status, status))


@bp.route("/comments/<receipt>/decide", methods=["POST"])
def comment_decide(receipt: str):
    """Approve, hold, return to pending, or confirm/cancel a proposed rejection."""
    form = DecisionForm()
    form.hold_template.choices = [("", "—")]
    if form.decision.data not in DECISIONS:
        abort(400)

    def apply(comment, form, staff):
        note = form.hold_note.data or ""
        if form.decision.data == "hold" and not note:
            template = chosen_wording(form.hold_template.data)
            note = template.text if template is not None else ""
        return take_decision(comment, form, staff, form.decision.data, note=note or None)

    return change_comment(receipt, form, apply, form_key="decision_form")


@bp.route("/comments/<receipt>/reject", methods=["POST"])
def comment_reject(receipt: str):
    """Reject (or propose to reject) with a reason and a note."""
    form = RejectForm()
    form.template.choices = [("", "—")]

    def apply(comment, form, staff):
        reason, note = form.reason.data or None, form.note.data or ""
        template = chosen_wording(form.template.data)
        if template is not None:
            note = note or template.text
            reason = reason or template.reason
        if not reason:
            form.reason.errors = [_("Choose a reason for the rejection.")]
            raise PageProblem(422)
        return take_decision(comment, form, staff, "reject", reason=reason, note=note)

    return change_comment(receipt, form, apply, form_key="reject_form")
