"""A resident's own comment, later: look it up with the receipt number and access key, and
withdraw it while it is under review. No account: the pair is the proof."""

from __future__ import annotations

import logging

from flask import current_app, render_template, request
from flask_babel import gettext as _

from portal.database import utcnow
from portal.extensions import db, limiter
from portal.i18n import current_locale
from portal.public import bp
from portal.public.forms import ReceiptLookupForm, WithdrawForm
from portal.services.disclosure import own_text_for_author
from portal.services.resident.submission import find_comment
from portal.services.results.snapshots import published_row_of

log = logging.getLogger(__name__)


def _lookup_limit() -> str:
    return current_app.config["PORTAL_LOOKUP_LIMIT"]


# One budget for look-ups and withdrawals together: both test a receipt number and a key.
receipts_limit = limiter.shared_limit(_lookup_limit, scope="receipts", methods=["POST"])


def _same_language(a: str | None, b: str) -> bool:
    """pt and pt-BR, zh and zh-Hans name the same language for a reader."""
    return bool(a) and (a == b or a.split("-")[0] == b.split("-")[0])


def _author_view(comment) -> dict:
    """What the receipt pages show of the comment and the city's response, in the page's
    language: the text with hidden spans as a translated placeholder; once the results are
    published, the row that shows the comment and the city's response as published (its
    translation when it is in the reader's language). Before that the response is a draft
    that may still change: the author sees none, whatever the comment's state."""
    row = published_row_of(comment, utcnow(), _("[hidden]"))
    return {
        "comment_text": own_text_for_author(comment, _("[hidden]")),
        "results_row": row.number if row else None,
        "response": row if row is not None and row.response_ja else None,
        "response_translated": bool(
            row
            and row.response_translation
            and _same_language(row.response_translation_language, current_locale().tag)
        ),
    }


def _render_status(
    comment, notice: str | None = None, status: int = 200, withdraw_form=None, notice_form=None
):
    withdraw_form = withdraw_form or WithdrawForm(formdata=None)
    return (
        render_template(
            "public/receipt_status.html",
            comment=comment,
            withdraw_form=withdraw_form,
            notice_form=notice_form,
            notice=notice,
            receipt_number=request.form.get("receipt_number", ""),
            access_key=request.form.get("access_key", ""),
            **_author_view(comment),
        ),
        status,
        {"Cache-Control": "no-store"},
    )


def _no_such_comment(form: ReceiptLookupForm):
    """The look-up form again: no comment has this receipt number and access key (a wrong key
    and an unknown number read the same, so neither is revealed)."""
    form.access_key.errors = [
        _("We could not find a comment with this receipt number and access key. Please check both.")
    ]
    return render_template("public/receipt_lookup.html", form=form), 404


@bp.route("/receipts", methods=["GET", "POST"])
@receipts_limit
def lookup_receipt():
    """Receipt number + access key show the comment as submitted and what became of it."""
    form = ReceiptLookupForm()
    if request.method == "POST" and form.validate():
        comment = find_comment(form.receipt_number.data, form.access_key.data)
        if comment is not None:
            return _render_status(comment)
        return _no_such_comment(form)
    status = 422 if form.errors else 200
    return render_template("public/receipt_lookup.html", form=form), status


@bp.route("/receipts/withdraw", methods=["POST"])
@receipts_limit
def withdraw_comment():
    """The author withdraws a comment that is still under review."""
    form = WithdrawForm()
    comment = find_comment(form.receipt_number.data or "", form.access_key.data or "")
    if comment is None:
        return _no_such_comment(ReceiptLookupForm(formdata=None))
    if not comment.can_be_withdrawn:
        return _render_status(comment, _("This comment can no longer be withdrawn."), 409)
    if not form.validate():
        return _render_status(comment, status=422, withdraw_form=form)
    comment.withdraw(utcnow())
    db.session.commit()
    log.info("comment %s withdrawn by its author", comment.receipt_number)
    return _render_status(comment, _("Your comment has been withdrawn."))
