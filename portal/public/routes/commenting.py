"""Sending a comment: the measure's form on POST, and the receipt shown once right after."""

from __future__ import annotations

import logging
import secrets

from flask import current_app, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from portal import metrics
from portal.database import utcnow
from portal.extensions import db, limiter
from portal.logs import describe_error
from portal.public import bp
from portal.public.routes import comment_form, measure_or_404, render_measure
from portal.public.routes.notices import subscribe_from_comment_form
from portal.public.routes.pages import measure_page
from portal.services import jobs
from portal.services.disclosure import author_receipt_view
from portal.services.resident.arrival import after_arrival
from portal.services.resident.intake import accept_comment, claim_fresh_receipt, hand_off_again
from portal.services.resident.proposed_parts import UnknownPart
from portal.services.resident.submission import EmptyComment, PeriodNotOpen, find_submission
from portal.services.sanitize import clean_text

log = logging.getLogger(__name__)
FRESH_RECEIPT = "fresh_receipt"


def _submit_limit() -> str:
    return current_app.config["PORTAL_SUBMIT_LIMIT"]


@bp.route("/measures/<slug>", methods=["GET", "POST"])
@limiter.limit(_submit_limit, methods=["POST"])
def measure(slug: str):
    """A measure's full text, and on POST a resident's comment on it."""
    if request.method != "POST":  # GET, and HEAD, which must not run the submission
        return measure_page(slug)
    measure = measure_or_404(slug)
    form = comment_form(measure)
    now = utcnow()
    if not measure.accepts_comments(now):
        return render_measure(
            measure,
            form,
            409,
            _("This measure is not open for comments, so your comment was not sent."),
        )
    if not form.validate():
        return render_measure(measure, form, 422)
    data = form.comment_input()
    token = form.submission_token.data
    locale = g.portal_locale.tag
    try:
        stored = True
        try:
            comment, handoff = accept_comment(measure, slug, data, now, locale, token)
        except IntegrityError:
            # This form was sent before (a double click, a retry, the back button): the same
            # text gets the first receipt again; a changed text is a comment of its own.
            db.session.rollback()
            earlier = find_submission(token)
            if earlier is None:
                raise
            stored = earlier[0].body != clean_text(data.body)
            if stored:
                comment, handoff = accept_comment(measure, slug, data, now, locale)
            else:
                comment = earlier[0]
                handoff = hand_off_again(comment, earlier[1], slug, locale, now)
        if stored:  # the notices the form asked for, in the comment's transaction
            subscribe_from_comment_form(form, comment, now)
        comment_id, receipt_number = comment.id, comment.receipt_number
        language, code = comment.declared_language, measure.code
        db.session.commit()
    except (PeriodNotOpen, EmptyComment, UnknownPart):
        db.session.rollback()
        return render_measure(measure, form, 409, _("Your comment could not be accepted."))
    except SQLAlchemyError as error:
        db.session.rollback()
        log.error("comment on %s could not be stored: %s", measure.code, describe_error(error))
        metrics.error("storage")
        return render_measure(
            measure,
            form,
            503,
            _(
                "Sorry, your comment could not be saved because of a problem on our side. "
                "Nothing was sent. Your text is still below: please try again in a moment."
            ),
        )
    if stored:
        log.info("comment %s received on %s", receipt_number, code)
        metrics.comment_received(language)
        after_arrival(current_app._get_current_object(), comment_id)
        # Tokens expire after hours; a sweep every few hundred comments keeps the table small.
        if secrets.randbelow(256) == 0:
            jobs.enqueue("portal.services.resident.submission.purge_expired_submission_tokens")
    else:
        log.info("comment %s sent again on %s: first receipt shown", receipt_number, code)
    # Only a token that unseals the key goes into the (readable, replayable) session cookie.
    session[FRESH_RECEIPT] = handoff
    return redirect(url_for("public.new_receipt"), code=303)


@bp.route("/receipts/new")
def new_receipt():
    """The receipt, shown once right after submitting: number, access key and the comment."""
    token = session.get(FRESH_RECEIPT)
    claimed = claim_fresh_receipt(token, utcnow()) if isinstance(token, str) else None
    if claimed is None:
        db.session.commit()
        session.pop(FRESH_RECEIPT, None)
        return redirect(url_for("public.lookup_receipt"))
    receipt, access_key = claimed
    text, fingerprint = author_receipt_view(receipt.body, receipt.hidden, _("[hidden]"))
    response = render_template(
        "public/receipt_new.html",
        comment=receipt,
        access_key=access_key,
        # Not the city's response: a comment received minutes ago has none yet.
        comment_text=text,
        fingerprint=fingerprint,
    )
    # The hand-off is used up only once the page is built and the deletion committed: if the
    # database fails before that, the 503 leaves both in place and a reload shows the receipt.
    db.session.commit()
    session.pop(FRESH_RECEIPT, None)
    return response, 200, {"Cache-Control": "no-store"}
