"""One comment's page, as a moderator works on it, and the shape every change to it follows.

Each change (a decision, a redaction, a translation, a response, a link) is a POST handled by
`change_comment`: load the comment, check the form, let the service make the change (it audits
it in the same transaction), commit, flash, and go back to the page. A refused change shows the
page again with the reason and what was typed. The handlers live in one module per concern:
`decisions`, `redactions`, `translations`, `responses`; paper comments in `paper`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_wtf import FlaskForm
from sqlalchemy import select

from portal.converters import parse_int
from portal.database import utcnow
from portal.extensions import db
from portal.models import Comment, ContactDetails, Measure, StaffUser
from portal.models.moderation import (
    CampaignGroup,
    CommentAttachment,
    ModerationTemplate,
    TranslationMethod,
)
from portal.moderation import bp
from portal.moderation.forms import (
    ActionForm,
    DecisionForm,
    LinkForm,
    PassForm,
    RedactionForm,
    RejectForm,
    TranslationForm,
)
from portal.moderation.labels import (
    CHANNEL_LABELS,
    REASON_LABELS,
    STATUS_LABELS,
    kind_label,
    refusal_text,
)
from portal.moderation.queue import filters_of
from portal.moderation.queue_forms import queue_args
from portal.services import actions, audit
from portal.services.moderation import (
    personal_data,
    pii,
    redaction,
    responses,
    review_queue,
    summary_drafts,
    translation,
)
from portal.staff_access import audit_here, client_address, current_staff

FRESH_PAPER = "moderation_fresh_paper"


@dataclass(frozen=True)
class Staff:
    """Who makes a change, from where and when: what every moderation service records."""

    actor: StaffUser
    ip: str
    now: datetime

    @property
    def audit(self) -> dict:
        """The keyword arguments the services take for their audit record."""
        return {"actor": self.actor, "ip": self.ip, "now": self.now}


class PageProblem(Exception):
    """The change cannot be made: show the comment page again with this status (and message)."""

    def __init__(self, status: int = 422, message: str | None = None):
        super().__init__(message)
        self.status = status
        self.message = message


def comment_or_404(receipt: str) -> Comment:
    """The comment with this receipt number, or a 404."""
    comment = db.session.scalar(select(Comment).where(Comment.receipt_number == receipt[:20]))
    if comment is None:
        abort(404)
    return comment


def saved_wording(kind: str) -> list[ModerationTemplate]:
    """Saved notes or responses of one kind, by title."""
    return list(
        db.session.scalars(
            select(ModerationTemplate)
            .where(ModerationTemplate.kind == kind)
            .order_by(ModerationTemplate.title)
        )
    )


def wording_choices(kind: str) -> list[tuple[str, str]]:
    """A select's choices: none, then the saved wording of one kind."""
    return [("", "—")] + [(str(t.id), t.title) for t in saved_wording(kind)]


def chosen_wording(value: str | None) -> ModerationTemplate | None:
    """The saved wording a select names, if it still exists."""
    number = parse_int(value)
    return None if number is None else db.session.get(ModerationTemplate, number)


def back(comment: Comment, anchor: str = ""):
    """Back to the comment's page after a change (303: a reload does not post again), with the
    queue's filters the moderator came with."""
    return redirect(
        url_for("moderation.comment", receipt=comment.receipt_number, **queue_args(request.args))
        + anchor,
        303,
    )


def change_comment(
    receipt: str,
    form: FlaskForm,
    apply: Callable[[Comment, FlaskForm, Staff], str | tuple[str, str]],
    *,
    form_key: str | None = None,
    anchor: str = "",
    refusal_status: Callable[[str], int] = lambda code: 409,
    after: Callable[[Comment], object] | None = None,
    render: Callable | None = None,
):
    """A change to one comment: the POST shape of every action on the comment page.

    `apply` makes the change through a service and returns the message to flash (or the message
    and its category); it raises `PageProblem`, or the service raises `actions.Refused` (with
    the `code` of the rule), to refuse.
    `form_key` names the form on the page, to show it again with its errors; without one, an
    invalid form (a button's) is a bad request. `after` gives the response once the change is
    made (the comment's page by default).
    """
    comment = comment_or_404(receipt)
    shown = {form_key: form} if form_key else {}
    render = render or render_comment
    if not form.validate_on_submit():
        if form_key is None or form.csrf_token.errors:
            abort(400)
        return render(comment, 422, **shown)
    staff = Staff(current_staff(), client_address(), utcnow())
    try:
        outcome = apply(comment, form, staff)
        db.session.commit()
    except PageProblem as problem:
        db.session.rollback()
        if problem.message:
            flash(problem.message, "error")
        return render(comment, problem.status, **shown)
    except actions.Refused as refusal:
        db.session.rollback()
        flash(refusal_text(refusal.code), "error")
        return render(comment, refusal_status(refusal.code), **shown)
    message, category = outcome if isinstance(outcome, tuple) else (outcome, "message")
    flash(message, category)
    return after(comment) if after is not None else back(comment, anchor)


def _suggestions(text: str, hidden: list[tuple[int, int]], kept=frozenset()):
    """Suggestions for `text`, each marked whether an existing redaction already covers it (or
    a moderator confirmed it is not personal data)."""
    result = []
    for suggestion in pii.suggest(text):
        covered = any(s <= suggestion.start and suggestion.end <= e for s, e in hidden)
        covered = covered or (suggestion.start, suggestion.end, suggestion.kind) in kept
        result.append((suggestion, covered))
    return result


def _redaction_view(comment: Comment, field: str, text: str | None) -> dict:
    """The segments, hidden spans and suggestions of one of the comment's texts."""
    rows = redaction.redactions_of(comment, field)
    spans = [(r.start, r.end) for r in rows]
    return {
        "segments": redaction.segments(text, spans) if text is not None else [],
        "redactions": rows,
        "suggestions": _suggestions(
            text, spans, personal_data.kept_in_body(comment) if field == "body" else frozenset()
        )
        if text is not None
        else [],
    }


def _forms(comment: Comment, forms: dict, translation_row, existing) -> dict:
    """The page's forms: those posted with errors as they came back, the others fresh."""
    version = str(comment.version)
    decision_form = forms.get("decision_form") or DecisionForm(formdata=None, version=version)
    decision_form.hold_template.choices = wording_choices("hold")
    reject_form = forms.get("reject_form") or RejectForm(formdata=None, version=version)
    reject_form.template.choices = wording_choices("rejection")
    pass_form = forms.get("pass_form") or PassForm(
        formdata=None,
        prefix="pass",
        version=version,
        category=existing.category if existing else "",
        summary=existing.summary if existing else "",
        text_ja=existing.text_ja if existing else "",
        translation=existing.translation if existing else "",
        japanese=translation_row.text if translation_row else "",
    )
    posted_response = forms.get("response_form")
    if posted_response is not None:  # posted to the response's own address: its values, errors
        for name in ("category", "summary", "text_ja", "translation", "template"):
            pass_form[name].data = posted_response[name].data
            pass_form[name].errors = list(posted_response[name].errors)
    pass_form.template.choices = [("", "—")] + [
        (
            str(t.id),
            f"{t.title}（{responses.CATEGORY_LABELS_JA.get(t.category, '')}）"
            if t.category
            else t.title,
        )
        for t in saved_wording("response")
    ]
    linked = responses.linked_measures(comment)
    now = utcnow()

    def published(measure: Measure) -> bool:
        return measure.results_published_at is not None and measure.results_published_at <= now

    link_form = forms.get("link_form") or LinkForm(formdata=None)
    # a measure whose results are published takes no new 再掲 row
    link_form.measure.choices = [("", "—")] + [
        (m.code, f"{m.code} {m.text('ja').title}")
        for m in db.session.scalars(select(Measure).order_by(Measure.id))
        if m.id != comment.measure_id and m not in linked and not published(m)
    ]
    return {
        "decision_form": decision_form,
        "reject_form": reject_form,
        "translation_form": forms.get("translation_form")
        or TranslationForm(formdata=None, text=translation_row.text if translation_row else ""),
        "pass_form": pass_form,
        "quick_responses": [t for t in saved_wording("response") if t.category][:9],
        "link_form": link_form,
        "linked": linked,
        "linked_published": {m.id for m in linked if published(m)},
        "body_redaction_form": forms.get("body_redaction_form")
        or RedactionForm(formdata=None, field="body"),
        "translation_redaction_form": _own_ids(
            forms.get("translation_redaction_form")
            or RedactionForm(formdata=None, field="translation"),
            "translation",
        ),
        "action_form": ActionForm(formdata=None),
    }


def _own_ids(form, prefix: str):
    """A second form of the same kind on the page: its fields' ids (not names) prefixed, so
    every id on the page is unique and each label still names its own field."""
    for item in form:
        if not item.id.startswith(prefix + "-"):
            item.id = f"{prefix}-{item.id}"
            item.label.field_id = item.id
    return form


def _staff_names(comment: Comment, translation_row) -> dict[int, str]:
    names = {}
    for user_id in {
        comment.decided_by_id,
        comment.rejection_proposed_by_id,
        translation_row.translated_by_id if translation_row else None,
        translation_row.reviewed_by_id if translation_row else None,
    } - {None}:
        user = db.session.get(StaffUser, user_id)
        names[user_id] = user.display_name if user else "?"
    return names


def _pop_fresh_paper(comment: Comment):
    fresh = session.get(FRESH_PAPER)
    if fresh and fresh.get("receipt_number") == comment.receipt_number:
        session.pop(FRESH_PAPER)
        return fresh
    return None


def _around(comment: Comment) -> dict:
    """Where the moderator came from: the queue with its filters, the next comment of that
    filter, and the filters to carry on every link and form of the page."""
    carried = queue_args(request.args)
    following = review_queue.next_in_queue(filters_of(carried)[1], comment)
    return {
        "qa": carried,
        "queue_url": url_for("moderation.queue", **carried),
        "next_url": url_for("moderation.comment", receipt=following.receipt_number, **carried)
        if following is not None
        else None,
    }


def render_comment(
    comment: Comment,
    status: int = 200,
    *,
    contact=None,
    use_draft: bool = False,
    choices: dict | None = None,
    **forms,
):
    """The comment page; `forms` are forms posted with errors, shown again as they came.
    `use_draft` fills the 要旨 field with the drafted summary (not saved until the moderator
    saves the response)."""
    translation_row = translation.japanese_translation(comment)
    body = _redaction_view(comment, "body", comment.body)
    translated = _redaction_view(
        comment, "translation", translation_row.text if translation_row else None
    )
    group = db.session.get(CampaignGroup, comment.group_id) if comment.group_id else None
    group_size = (
        db.session.scalar(
            select(db.func.count()).select_from(Comment).where(Comment.group_id == group.id)
        )
        if group
        else 0
    )
    results = comment.measure.results_published_at
    existing = responses.response_for(comment)
    summary_draft = summary_drafts.draft_for(comment)
    built = _forms(comment, forms, translation_row, existing)
    if use_draft and summary_draft and not forms:
        built["pass_form"].summary.data = summary_draft
    return (
        render_template(
            "moderation/comment.html",
            comment=comment,
            status_labels=STATUS_LABELS,
            reason_labels=REASON_LABELS,
            kind_label=kind_label,
            open_count=len(personal_data.open_suggestions(comment)),
            channel_labels=CHANNEL_LABELS,
            contact=contact,
            has_contact=db.session.scalar(
                select(ContactDetails.id).where(ContactDetails.comment_id == comment.id)
            )
            is not None,
            rejection_review=current_app.config["PORTAL_REJECTION_REVIEW"],
            body_segments=body["segments"],
            body_redactions=body["redactions"],
            body_suggestions=body["suggestions"],
            translation_row=translation_row,
            translation_segments=translated["segments"],
            translation_redactions=translated["redactions"],
            translation_suggestions=translated["suggestions"],
            translation_problems=translation.problems(comment, translation_row)
            if translation_row
            else [],
            hidden_in_body=translation.HIDDEN_IN_BODY,
            needs_translation=translation.needs_translation(comment),
            machine_translation=translation.provider_from_config(current_app.config) is not None,
            response=existing,
            category_labels=responses.CATEGORY_LABELS_JA,
            group=group,
            group_size=group_size,
            attachments_list=db.session.scalars(
                select(CommentAttachment).where(CommentAttachment.comment_id == comment.id)
            ).all(),
            names=_staff_names(comment, translation_row),
            results_published=results is not None and results <= utcnow(),
            history=audit.history_of("comment", comment.receipt_number),
            fresh_paper=_pop_fresh_paper(comment),
            method_machine=TranslationMethod.MACHINE,
            summary_draft=summary_draft,
            choices=choices or {},
            **_around(comment),
            **built,
        ),
        status,
    )


@bp.route("/comments/<receipt>")
def comment(receipt: str):
    """Everything about one comment that a moderator needs to decide on it."""
    return render_comment(comment_or_404(receipt), use_draft=request.args.get("draft") == "summary")


@bp.route("/comments/<receipt>/contact", methods=["POST"])
def comment_contact(receipt: str):
    """Show the author's contact details: a deliberate, audited step."""
    comment = comment_or_404(receipt)
    if not ActionForm().validate_on_submit():
        abort(400)
    contact = db.session.scalar(
        select(ContactDetails).where(ContactDetails.comment_id == comment.id)
    )
    audit_here("contact_viewed", "comment", comment.receipt_number, had_contact=contact is not None)
    db.session.commit()
    return render_comment(comment, contact=contact or False)
