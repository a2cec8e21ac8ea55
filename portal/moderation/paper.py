"""Comments that arrived on paper (post, fax, email, counter), and their scans."""

from __future__ import annotations

import logging
from datetime import datetime, time

from flask import abort, current_app, render_template, request, send_file, session
from flask_babel import gettext as _
from sqlalchemy import select

from portal.database import JAPAN, utcnow
from portal.extensions import db
from portal.models import Comment, Measure
from portal.models.moderation import CommentAttachment
from portal.moderation import bp
from portal.moderation.comment import FRESH_PAPER, back
from portal.moderation.forms import PaperCommentForm
from portal.public.forms import contact_input
from portal.services import audit
from portal.services.moderation import attachments
from portal.services.resident.arrival import after_arrival
from portal.services.resident.submission import (
    CommentInput,
    EmptyComment,
    PeriodNotOpen,
    submit_comment,
)
from portal.staff_access import audit_here, client_address, current_staff

log = logging.getLogger(__name__)
# Upload requests carry a 10 MB scan; every other request keeps the portal's small limit.
UPLOAD_REQUEST_LIMIT = attachments.MAX_BYTES + 2 * 1024 * 1024


@bp.url_value_preprocessor
def _allow_scan_uploads(endpoint, values):
    # Runs before every before_request function, CSRF's included, which reads the form.
    if endpoint == "moderation.paper_new" and request.method == "POST":
        request.max_content_length = UPLOAD_REQUEST_LIMIT


@bp.route("/attachments/<int:attachment_id>")
def attachment(attachment_id: int):
    """A paper comment's scan, as a download only (never rendered in the browser)."""
    item = db.get_or_404(CommentAttachment, attachment_id)
    comment = db.session.get(Comment, item.comment_id)
    path = attachments.path_of(item, current_app.config["PORTAL_UPLOAD_DIR"])
    if not path.is_file():
        abort(404)
    audit_here("attachment_downloaded", "comment", comment.receipt_number, attachment=item.id)
    db.session.commit()
    content_type, name = attachments.download_as(path, comment.receipt_number)
    response = send_file(
        path, mimetype=content_type, as_attachment=True, download_name=name, max_age=0
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _paper_form() -> PaperCommentForm:
    form = PaperCommentForm()
    form.measure.choices = [("", "—")] + [
        (m.code, f"{m.code} {m.text('ja').title}")
        for m in db.session.scalars(select(Measure).order_by(Measure.id))
    ]
    return form


def _form_again(form: PaperCommentForm, status: int, *, scan_lost: bool):
    return render_template("moderation/paper.html", form=form, scan_lost=scan_lost), status


def _uploaded_scan(form: PaperCommentForm) -> tuple[bytes, str] | None:
    """The scan's bytes and name, checked by content; an error on the form if refused."""
    if not (form.scan.data and getattr(form.scan.data, "filename", "")):
        return None
    data = form.scan.data.read(attachments.MAX_BYTES + 1)
    try:
        attachments.check(data)
    except attachments.UploadRefused as refusal:
        form.scan.errors = [
            {
                "too_large": _("The scan is larger than 10 MB."),
                "type": _("The scan must be a PDF, JPEG or PNG file (checked from its content)."),
                "empty": _("The scan is empty."),
            }[refusal.code]
        ]
        raise
    return data, form.scan.data.filename


def _received_at(day, now: datetime) -> datetime:
    # The day received counts, in Japan's calendar; today's entries get the time of entry.
    if day == now.astimezone(JAPAN).date():
        return now
    return datetime.combine(day, time(0, 0), tzinfo=JAPAN)


def _comment_input(form: PaperCommentForm, received_at: datetime) -> CommentInput:
    return CommentInput(
        body=form.body.data,
        declared_language=form.language.data,
        respondent_type=form.respondent_type.data,
        contact=contact_input(form),
        channel=form.channel.data,
        received_at=received_at,
    )


@bp.route("/paper", methods=["GET", "POST"])
def paper_new():
    """Enter a comment that arrived by post, fax, email or at the counter."""
    form = _paper_form()
    if request.method == "GET":
        return render_template("moderation/paper.html", form=form)
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return _form_again(form, 422, scan_lost=bool(form.scan.data))
    try:
        scan = _uploaded_scan(form)
    except attachments.UploadRefused:
        return _form_again(form, 422, scan_lost=True)
    now = utcnow()
    measure = db.session.scalar(select(Measure).where(Measure.code == form.measure.data))
    data = _comment_input(form, _received_at(form.received_on.data, now))
    actor, ip = current_staff(), client_address()
    try:
        comment, access_key = submit_comment(measure, data, now)
        audit.record(
            "paper_comment_entered",
            actor=actor,
            ip=ip,
            object_type="comment",
            object_id=comment.receipt_number,
            details={
                "channel": comment.channel,
                "received_on": form.received_on.data.isoformat(),
                "contact_given": not data.contact.is_empty,
            },
            now=now,
        )
        if scan is not None:
            upload_dir = current_app.config["PORTAL_UPLOAD_DIR"]
            attachments.store(comment, *scan, upload_dir, actor=actor, ip=ip, now=now)
        db.session.commit()
    except PeriodNotOpen:
        db.session.rollback()
        form.received_on.errors = [
            _("On this date the measure was not open for comments: the comment cannot be entered.")
        ]
        return _form_again(form, 409, scan_lost=scan is not None)
    except EmptyComment:
        db.session.rollback()
        form.body.errors = [_("The text is empty.")]
        return _form_again(form, 422, scan_lost=scan is not None)
    session[FRESH_PAPER] = {"receipt_number": comment.receipt_number, "access_key": access_key}
    log.info("paper comment %s entered on %s", comment.receipt_number, measure.code)
    after_arrival(current_app._get_current_object(), comment.id)
    return back(comment)
