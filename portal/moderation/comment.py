"""One comment, as a moderator works on it: decisions, redaction, translation, the city's
response, links to other measures; the entry of paper comments; reusable wording."""

from __future__ import annotations

import logging
from datetime import datetime, time

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.database import JAPAN, utcnow
from portal.extensions import db
from portal.models import Comment, ContactDetails, Measure, StaffUser
from portal.models.comments import CommentStatus
from portal.models.moderation import (
    CampaignGroup,
    Channel,
    CommentAttachment,
    ModerationTemplate,
    TranslationMethod,
)
from portal.moderation import bp
from portal.moderation.forms import (
    ActionForm,
    DecisionForm,
    LinkForm,
    PaperCommentForm,
    RedactionForm,
    RejectForm,
    ResponseForm,
    TemplateForm,
    TranslationForm,
)
from portal.services import audit
from portal.services.moderation import attachments, pii, redaction, responses, translation
from portal.services.moderation.decisions import Conflict, DecisionRefused, decide
from portal.services.resident.arrival import after_arrival
from portal.services.resident.submission import (
    CommentInput,
    ContactInput,
    EmptyComment,
    PeriodNotOpen,
    submit_comment,
)
from portal.staff_access import client_address, current_staff

log = logging.getLogger(__name__)

STATUS_LABELS = {
    CommentStatus.RECEIVED: _l("Pending"),
    CommentStatus.UNDER_REVIEW: _l("On hold"),
    CommentStatus.PUBLISHED: _l("Approved for publication"),
    CommentStatus.NOT_PUBLISHED: _l("Rejected"),
    CommentStatus.WITHDRAWN: _l("Withdrawn by the resident"),
}
CHANNEL_LABELS = {
    Channel.WEB: _l("Web form"),
    Channel.POST: _l("Post"),
    Channel.FAX: _l("Fax"),
    Channel.EMAIL: _l("Email"),
    Channel.COUNTER: _l("At the counter"),
}
REFUSAL_MESSAGES = {
    "withdrawn": _l("The resident has withdrawn this comment: it takes no decision."),
    "results_published": _l("The results of this measure are published: nothing can change."),
    "no_proposal": _l("There is no proposed rejection to confirm or cancel."),
    "same_moderator": _l(
        "You proposed this rejection yourself: a second moderator must confirm it."
    ),
    "reason_required": _l("Choose a reason for the rejection."),
    "already": _l("The comment is already in this state."),
    "field": _l("Unknown text field."),
    "no_text": _l("There is no translation to redact yet."),
    "bad_span": _l("The characters given are outside the text."),
    "not_found": _l("This hidden span no longer exists."),
    "not_approved": _l("Approve the comment before writing the city's response."),
    "category": _l("Choose a response category."),
    "same_measure": _l("This is the comment's own measure."),
    "already_linked": _l("The comment is already linked to this measure."),
    "not_linked": _l("The comment is not linked to this measure."),
}
FRESH_PAPER = "moderation_fresh_paper"
# Upload requests carry a 10 MB scan; every other request keeps the portal's small limit.
UPLOAD_REQUEST_LIMIT = attachments.MAX_BYTES + 2 * 1024 * 1024


@bp.url_value_preprocessor
def _allow_scan_uploads(endpoint, values):
    # Runs before every before_request function, CSRF's included, which reads the form.
    if endpoint == "moderation.paper_new" and request.method == "POST":
        request.max_content_length = UPLOAD_REQUEST_LIMIT


def _comment_or_404(receipt: str) -> Comment:
    comment = db.session.scalar(select(Comment).where(Comment.receipt_number == receipt[:20]))
    if comment is None:
        abort(404)
    return comment


def _refusal(code: str) -> str:
    return str(REFUSAL_MESSAGES.get(code, _l("This change is not allowed.")))


def _templates(kind: str) -> list[ModerationTemplate]:
    return list(
        db.session.scalars(
            select(ModerationTemplate)
            .where(ModerationTemplate.kind == kind)
            .order_by(ModerationTemplate.title)
        )
    )


def _history(comment: Comment):
    from portal.models import AuditRecord

    return db.session.scalars(
        select(AuditRecord)
        .where(
            AuditRecord.object_type == "comment", AuditRecord.object_id == comment.receipt_number
        )
        .order_by(AuditRecord.id.desc())
        .limit(50)
    ).all()


def _suggestions(text: str, hidden: list[tuple[int, int]]):
    """Suggestions for `text`, each marked whether an existing redaction already covers it."""
    result = []
    for suggestion in pii.suggest(text):
        covered = any(s <= suggestion.start and suggestion.end <= e for s, e in hidden)
        result.append((suggestion, covered))
    return result


def _render(comment: Comment, status: int = 200, *, contact=None, **forms):
    version = str(comment.version)
    decision_form = forms.get("decision_form") or DecisionForm(formdata=None, version=version)
    reject_form = forms.get("reject_form") or RejectForm(formdata=None, version=version)
    reject_form.template.choices = [("", "—")] + [
        (str(t.id), t.title) for t in _templates("rejection")
    ]
    decision_form.hold_template.choices = [("", "—")] + [
        (str(t.id), t.title) for t in _templates("hold")
    ]
    translation_row = translation.japanese_translation(comment)
    translation_form = forms.get("translation_form") or TranslationForm(
        formdata=None, text=translation_row.text if translation_row else ""
    )
    existing = responses.response_for(comment)
    response_form = forms.get("response_form") or ResponseForm(
        formdata=None,
        category=existing.category if existing else "",
        summary=existing.summary if existing else "",
        text_ja=existing.text_ja if existing else "",
        translation=existing.translation if existing else "",
    )
    response_form.template.choices = [("", "—")] + [
        (str(t.id), t.title) for t in _templates("response")
    ]
    linked = responses.linked_measures(comment)
    link_form = forms.get("link_form") or LinkForm(formdata=None)
    link_form.measure.choices = [("", "—")] + [
        (m.code, f"{m.code} {m.text('ja').title}")
        for m in db.session.scalars(select(Measure).order_by(Measure.id))
        if m.id != comment.measure_id and m not in linked
    ]
    body_redactions = redaction.redactions_of(comment, "body")
    body_spans = [(r.start, r.end) for r in body_redactions]
    translation_redactions = redaction.redactions_of(comment, "translation")
    translation_spans = [(r.start, r.end) for r in translation_redactions]
    group = db.session.get(CampaignGroup, comment.group_id) if comment.group_id else None
    group_size = (
        db.session.scalar(
            select(db.func.count()).select_from(Comment).where(Comment.group_id == group.id)
        )
        if group
        else 0
    )
    names = {}
    for user_id in {
        comment.decided_by_id,
        comment.rejection_proposed_by_id,
        translation_row.translated_by_id if translation_row else None,
        translation_row.reviewed_by_id if translation_row else None,
    } - {None}:
        user = db.session.get(StaffUser, user_id)
        names[user_id] = user.display_name if user else "?"
    results = comment.measure.results_published_at
    return (
        render_template(
            "moderation/comment.html",
            comment=comment,
            status_labels=STATUS_LABELS,
            channel_labels=CHANNEL_LABELS,
            contact=contact,
            has_contact=db.session.scalar(
                select(ContactDetails.id).where(ContactDetails.comment_id == comment.id)
            )
            is not None,
            decision_form=decision_form,
            reject_form=reject_form,
            rejection_review=current_app.config["PORTAL_REJECTION_REVIEW"],
            body_segments=redaction.segments(comment.body, body_spans),
            body_redactions=body_redactions,
            body_suggestions=_suggestions(comment.body, body_spans),
            body_redaction_form=forms.get("body_redaction_form")
            or RedactionForm(formdata=None, field="body"),
            translation_row=translation_row,
            translation_segments=redaction.segments(translation_row.text, translation_spans)
            if translation_row
            else [],
            translation_redactions=translation_redactions,
            translation_suggestions=_suggestions(translation_row.text, translation_spans)
            if translation_row
            else [],
            translation_redaction_form=forms.get("translation_redaction_form")
            or RedactionForm(formdata=None, field="translation"),
            needs_translation=translation.needs_translation(comment),
            machine_translation=translation.provider_from_config(current_app.config) is not None,
            translation_form=translation_form,
            response=existing,
            response_form=response_form,
            response_form_posted="response_form" in forms,
            category_labels=responses.CATEGORY_LABELS_JA,
            linked=linked,
            link_form=link_form,
            group=group,
            group_size=group_size,
            attachments_list=db.session.scalars(
                select(CommentAttachment).where(CommentAttachment.comment_id == comment.id)
            ).all(),
            action_form=ActionForm(formdata=None),
            names=names,
            results_published=results is not None and results <= utcnow(),
            history=_history(comment),
            fresh_paper=_pop_fresh_paper(comment),
            method_machine=TranslationMethod.MACHINE,
        ),
        status,
    )


def _pop_fresh_paper(comment: Comment):
    fresh = session.get(FRESH_PAPER)
    if fresh and fresh.get("receipt_number") == comment.receipt_number:
        session.pop(FRESH_PAPER)
        return fresh
    return None


def _back(comment: Comment, anchor: str = ""):
    return redirect(url_for("moderation.comment", receipt=comment.receipt_number) + anchor, 303)


@bp.route("/comments/<receipt>")
def comment(receipt: str):
    """Everything about one comment that a moderator needs to decide on it."""
    return _render(_comment_or_404(receipt))


# --- decisions ---------------------------------------------------------------------------


def _expected_version(form) -> int | None:
    value = (form.version.data or "").strip()
    return int(value) if value.isdigit() else None


def _decide(comment: Comment, form, decision: str, **kwargs):
    now = utcnow()
    try:
        status = decide(
            comment,
            decision,
            actor=current_staff(),
            ip=client_address(),
            now=now,
            expected_version=_expected_version(form),
            rejection_review=current_app.config["PORTAL_REJECTION_REVIEW"],
            **kwargs,
        )
        db.session.commit()
    except Conflict as conflict:
        db.session.rollback()
        flash(
            _(
                "Another moderator changed this comment while you had it open. It is now: "
                "%(state)s (version %(version)s). Nothing was changed: read it again and decide.",
                state=STATUS_LABELS.get(conflict.current_status, conflict.current_status),
                version=conflict.current_version,
            ),
            "error",
        )
        return _render(comment, 409)
    except DecisionRefused as refusal:
        db.session.rollback()
        flash(_refusal(refusal.code), "error")
        return _render(comment, 409 if refusal.code != "reason_required" else 422)
    log.info("comment %s decided: %s", comment.receipt_number, decision)
    if decision == "reject" and status != CommentStatus.NOT_PUBLISHED:
        flash(_("Rejection proposed: it takes effect when a second moderator confirms it."), "info")
    else:
        flash(_("Saved: the comment is now %(state)s.", state=STATUS_LABELS.get(status, status)))
    return _back(comment)


@bp.route("/comments/<receipt>/decide", methods=["POST"])
def comment_decide(receipt: str):
    """Approve, hold, return to pending, or confirm/cancel a proposed rejection."""
    comment = _comment_or_404(receipt)
    form = DecisionForm()
    allowed = {"approve", "hold", "pending", "confirm_rejection", "cancel_rejection"}
    form.hold_template.choices = [("", "—")]
    if not form.validate_on_submit() or form.decision.data not in allowed:
        if form.csrf_token.errors or form.decision.data not in allowed:
            abort(400)
        return _render(comment, 422, decision_form=form)
    note = form.hold_note.data or ""
    if form.decision.data == "hold" and not note and (form.hold_template.data or "").isdigit():
        template = db.session.get(ModerationTemplate, int(form.hold_template.data))
        note = template.text if template is not None else ""
    return _decide(comment, form, form.decision.data, note=note or None)


@bp.route("/comments/<receipt>/reject", methods=["POST"])
def comment_reject(receipt: str):
    """Reject (or propose to reject) with a reason and a note."""
    comment = _comment_or_404(receipt)
    form = RejectForm()
    form.template.choices = [("", "—")]
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return _render(comment, 422, reject_form=form)
    reason, note = form.reason.data or None, form.note.data or ""
    if form.template.data and form.template.data.isdigit():
        template = db.session.get(ModerationTemplate, int(form.template.data))
        if template is not None:
            note = note or template.text
            reason = reason or template.reason
    if not reason:
        form.reason.errors = [_("Choose a reason for the rejection.")]
        return _render(comment, 422, reject_form=form)
    return _decide(comment, form, "reject", reason=reason, note=note)


@bp.route("/comments/<receipt>/contact", methods=["POST"])
def comment_contact(receipt: str):
    """Show the author's contact details: a deliberate, audited step."""
    comment = _comment_or_404(receipt)
    if not ActionForm().validate_on_submit():
        abort(400)
    contact = db.session.scalar(
        select(ContactDetails).where(ContactDetails.comment_id == comment.id)
    )
    audit.record(
        "contact_viewed",
        actor=current_staff(),
        ip=client_address(),
        object_type="comment",
        object_id=comment.receipt_number,
        details={"had_contact": contact is not None},
    )
    db.session.commit()
    response, status = _render(comment, contact=contact or False)
    return response, status


# --- redaction ---------------------------------------------------------------------------


def _parse_spans(values: list[str]) -> list[tuple[int, int, str]] | None:
    spans = []
    for value in values:
        parts = value.split(":")
        if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
            return None
        spans.append((int(parts[0]), int(parts[1]), parts[2][:20]))
    return spans


@bp.route("/comments/<receipt>/redactions", methods=["POST"])
def comment_redact(receipt: str):
    """Hide the ticked suggestions, every occurrence of a text, or a span given by offsets."""
    comment = _comment_or_404(receipt)
    form = RedactionForm()
    field = form.field.data if form.field.data in redaction.FIELDS else "body"
    form_key = f"{field}_redaction_form"
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return _render(comment, 422, **{form_key: form})
    spans = _parse_spans(request.form.getlist("span"))
    if spans is None:
        abort(400)
    text = redaction.field_text(comment, field) or ""
    kind = form.kind.data or "other"
    if form.exact_text.data:
        found = redaction.occurrences(text, form.exact_text.data)
        if not found:
            form.exact_text.errors = [_("This text does not appear in the comment.")]
            return _render(comment, 422, **{form_key: form})
        spans += [(start, end, kind) for start, end in found]
    if form.start.data is not None or form.end.data is not None:
        if form.start.data is None or form.end.data is None or form.end.data <= form.start.data:
            form.end.errors = [_("Give both the first character and the one after the last.")]
            return _render(comment, 422, **{form_key: form})
        spans.append((form.start.data, form.end.data, kind))
    if not spans:
        flash(_("Nothing was chosen to hide."), "error")
        return _render(comment, 422, **{form_key: form})
    try:
        added = redaction.add(
            comment, field, spans, actor=current_staff(), ip=client_address(), now=utcnow()
        )
        db.session.commit()
    except redaction.RedactionRefused as refusal:
        db.session.rollback()
        flash(_refusal(refusal.code), "error")
        return _render(
            comment, 409 if refusal.code == "results_published" else 422, **{form_key: form}
        )
    flash(_("%(count)s span(s) hidden.", count=added))
    return _back(comment, "#redaction-" + field)


@bp.route("/comments/<receipt>/redactions/<int:redaction_id>/remove", methods=["POST"])
def comment_unredact(receipt: str, redaction_id: int):
    """Show a hidden span again (until the results are published)."""
    comment = _comment_or_404(receipt)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        redaction.remove(
            comment, redaction_id, actor=current_staff(), ip=client_address(), now=utcnow()
        )
        db.session.commit()
    except redaction.RedactionRefused as refusal:
        db.session.rollback()
        flash(_refusal(refusal.code), "error")
        return _render(comment, 409)
    flash(_("The span is shown again."))
    return _back(comment)


# --- translation -------------------------------------------------------------------------


@bp.route("/comments/<receipt>/translation", methods=["POST"])
def comment_translation(receipt: str):
    """Save the moderator's Japanese translation (a human translation)."""
    comment = _comment_or_404(receipt)
    form = TranslationForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return _render(comment, 422, translation_form=form)
    translation.save_human(
        comment, form.text.data.strip(), actor=current_staff(), ip=client_address(), now=utcnow()
    )
    db.session.commit()
    flash(_("Translation saved."))
    return _back(comment, "#translation")


@bp.route("/comments/<receipt>/translation/machine", methods=["POST"])
def comment_machine_translation(receipt: str):
    """Ask the configured machine-translation server for a draft (to be reviewed)."""
    comment = _comment_or_404(receipt)
    if not ActionForm().validate_on_submit():
        abort(400)
    provider = translation.provider_from_config(current_app.config)
    if provider is None:
        abort(404)  # machine translation is off: there is nothing to ask
    try:
        translation.machine_translate(
            comment, provider, actor=current_staff(), ip=client_address(), now=utcnow()
        )
        db.session.commit()
    except translation.TranslationUnavailable:
        db.session.rollback()
        flash(_("The machine translation server did not answer. Nothing was changed."), "error")
        return _render(comment, 503)
    flash(_("Machine translation added. Review it before it can be published."), "warning")
    return _back(comment, "#translation")


@bp.route("/comments/<receipt>/translation/review", methods=["POST"])
def comment_translation_review(receipt: str):
    """Confirm a machine translation as it stands."""
    comment = _comment_or_404(receipt)
    if not ActionForm().validate_on_submit():
        abort(400)
    row = translation.japanese_translation(comment)
    if row is None:
        abort(404)
    translation.review(row, comment, actor=current_staff(), ip=client_address(), now=utcnow())
    db.session.commit()
    flash(_("Translation reviewed: it can be published."))
    return _back(comment, "#translation")


# --- the city's response and links ---------------------------------------------------------


@bp.route("/comments/<receipt>/response", methods=["POST"])
def comment_response(receipt: str):
    """Write the city's response (for the whole group when the comment is in one)."""
    comment = _comment_or_404(receipt)
    form = ResponseForm()
    form.template.choices = [("", "—")]
    template = None
    if form.template.data and form.template.data.isdigit():
        template = db.session.get(ModerationTemplate, int(form.template.data))
    if template is not None and not (form.text_ja.data or "").strip():
        form.text_ja.data = template.text
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return _render(comment, 422, response_form=form)
    data = responses.ResponseInput(
        category=form.category.data,
        text_ja=form.text_ja.data,
        summary=form.summary.data or "",
        translation=form.translation.data or "",
        translation_language=translation.source_language(comment),
    )
    try:
        responses.save_response(
            comment, data, actor=current_staff(), ip=client_address(), now=utcnow()
        )
        db.session.commit()
    except responses.ResponseRefused as refusal:
        db.session.rollback()
        flash(_refusal(refusal.code), "error")
        return _render(comment, 409, response_form=form)
    flash(_("The city's response is saved."))
    return _back(comment, "#response")


@bp.route("/comments/<receipt>/links", methods=["POST"])
def comment_link(receipt: str):
    """Link the comment to another measure as well (再掲)."""
    comment = _comment_or_404(receipt)
    form = LinkForm()
    form.measure.choices = [(m.code, m.code) for m in db.session.scalars(select(Measure))]
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return _render(comment, 422, link_form=form)
    measure = db.session.scalar(select(Measure).where(Measure.code == form.measure.data))
    try:
        responses.link_measure(
            comment, measure, actor=current_staff(), ip=client_address(), now=utcnow()
        )
        db.session.commit()
    except responses.ResponseRefused as refusal:
        db.session.rollback()
        flash(_refusal(refusal.code), "error")
        return _render(comment, 409)
    flash(_("Linked to %(code)s.", code=measure.code))
    return _back(comment, "#links")


@bp.route("/comments/<receipt>/links/<int:measure_id>/remove", methods=["POST"])
def comment_unlink(receipt: str, measure_id: int):
    """Remove a link to another measure."""
    comment = _comment_or_404(receipt)
    if not ActionForm().validate_on_submit():
        abort(400)
    measure = db.get_or_404(Measure, measure_id)
    try:
        responses.unlink_measure(
            comment, measure, actor=current_staff(), ip=client_address(), now=utcnow()
        )
        db.session.commit()
    except responses.ResponseRefused as refusal:
        db.session.rollback()
        flash(_refusal(refusal.code), "error")
        return _render(comment, 409)
    flash(_("Link to %(code)s removed.", code=measure.code))
    return _back(comment, "#links")


# --- scans ---------------------------------------------------------------------------------


@bp.route("/attachments/<int:attachment_id>")
def attachment(attachment_id: int):
    """A paper comment's scan, as a download only (never rendered in the browser)."""
    item = db.get_or_404(CommentAttachment, attachment_id)
    comment = db.session.get(Comment, item.comment_id)
    path = attachments.path_of(item, current_app.config["PORTAL_UPLOAD_DIR"])
    if not path.is_file():
        abort(404)
    audit.record(
        "attachment_downloaded",
        actor=current_staff(),
        ip=client_address(),
        object_type="comment",
        object_id=comment.receipt_number,
        details={"attachment": item.id},
    )
    db.session.commit()
    response = send_file(
        path,
        mimetype=item.content_type,
        as_attachment=True,
        download_name=item.original_filename,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# --- paper comments ------------------------------------------------------------------------


def _paper_form() -> PaperCommentForm:
    form = PaperCommentForm()
    form.measure.choices = [("", "—")] + [
        (m.code, f"{m.code} {m.text('ja').title}")
        for m in db.session.scalars(select(Measure).order_by(Measure.id))
    ]
    return form


@bp.route("/paper", methods=["GET", "POST"])
def paper_new():
    """Enter a comment that arrived by post, fax, email or at the counter."""
    form = _paper_form()
    if request.method == "GET":
        return render_template("moderation/paper.html", form=form)
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return render_template(
            "moderation/paper.html", form=form, scan_lost=bool(form.scan.data)
        ), 422
    now = utcnow()
    measure = db.session.scalar(select(Measure).where(Measure.code == form.measure.data))
    received_day = form.received_on.data
    scan_data, scan_name = None, None
    if form.scan.data and getattr(form.scan.data, "filename", ""):
        scan_data = form.scan.data.read(attachments.MAX_BYTES + 1)
        scan_name = form.scan.data.filename
        try:
            attachments.check(scan_data)
        except attachments.UploadRefused as refusal:
            form.scan.errors = [
                {
                    "too_large": _("The scan is larger than 10 MB."),
                    "type": _(
                        "The scan must be a PDF, JPEG or PNG file (checked from its content)."
                    ),
                    "empty": _("The scan is empty."),
                }[refusal.code]
            ]
            return render_template("moderation/paper.html", form=form, scan_lost=True), 422
    # The day received counts, in Japan's calendar; today's entries get the time of entry.
    if received_day == now.astimezone(JAPAN).date():
        received_at = now
    else:
        received_at = datetime.combine(received_day, time(0, 0), tzinfo=JAPAN)
    data = CommentInput(
        body=form.body.data,
        declared_language=form.language.data,
        respondent_type=form.respondent_type.data,
        contact=ContactInput(
            name=form.name.data or "",
            address=form.address.data or "",
            email=form.email.data or "",
            phone=form.phone.data or "",
        ),
        channel=form.channel.data,
        received_at=received_at,
    )
    try:
        comment, access_key = submit_comment(measure, data, now)
        actor = current_staff()
        audit.record(
            "paper_comment_entered",
            actor=actor,
            ip=client_address(),
            object_type="comment",
            object_id=comment.receipt_number,
            details={
                "channel": comment.channel,
                "received_on": received_day.isoformat(),
                "contact_given": not data.contact.is_empty,
            },
            now=now,
        )
        if scan_data is not None:
            attachments.store(
                comment,
                scan_data,
                scan_name,
                current_app.config["PORTAL_UPLOAD_DIR"],
                actor=actor,
                ip=client_address(),
                now=now,
            )
        db.session.commit()
    except PeriodNotOpen:
        db.session.rollback()
        form.received_on.errors = [
            _("On this date the measure was not open for comments: the comment cannot be entered.")
        ]
        return render_template(
            "moderation/paper.html", form=form, scan_lost=scan_data is not None
        ), 409
    except EmptyComment:
        db.session.rollback()
        form.body.errors = [_("The text is empty.")]
        return render_template(
            "moderation/paper.html", form=form, scan_lost=scan_data is not None
        ), 422
    session[FRESH_PAPER] = {"receipt_number": comment.receipt_number, "access_key": access_key}
    log.info("paper comment %s entered on %s", comment.receipt_number, measure.code)
    after_arrival(current_app._get_current_object(), comment.id)
    return _back(comment)


# --- reusable wording ----------------------------------------------------------------------


@bp.route("/templates", methods=["GET", "POST"])
def templates():
    """Saved rejection notes, hold notes and responses."""
    form = TemplateForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            template = ModerationTemplate(
                kind=form.kind.data,
                reason=(form.reason.data or None) if form.kind.data == "rejection" else None,
                title=form.title.data.strip(),
                text=form.text.data.strip(),
                created_by_id=current_staff().id,
                created_at=utcnow(),
            )
            db.session.add(template)
            db.session.flush()
            audit.record(
                "template_created",
                actor=current_staff(),
                ip=client_address(),
                object_type="moderation_template",
                object_id=str(template.id),
                details={"kind": template.kind, "reason": template.reason},
            )
            db.session.commit()
            flash(_("Template saved."))
            return redirect(url_for("moderation.templates"), 303)
        if form.csrf_token.errors:
            abort(400)
        status = 422
    items = db.session.scalars(
        select(ModerationTemplate).order_by(ModerationTemplate.kind, ModerationTemplate.title)
    ).all()
    return (
        render_template(
            "moderation/templates.html",
            form=form,
            items=items,
            action_form=ActionForm(formdata=None),
        ),
        status,
    )


@bp.route("/templates/<int:template_id>/delete", methods=["POST"])
def template_delete(template_id: int):
    """Delete a saved wording (decisions already taken keep their notes)."""
    if not ActionForm().validate_on_submit():
        abort(400)
    template = db.get_or_404(ModerationTemplate, template_id)
    audit.record(
        "template_deleted",
        actor=current_staff(),
        ip=client_address(),
        object_type="moderation_template",
        object_id=str(template.id),
        details={"kind": template.kind},
    )
    db.session.delete(template)
    db.session.commit()
    flash(_("Template deleted."))
    return redirect(url_for("moderation.templates"), 303)
