"""E-mail notices from the resident's side: asking for them (with a comment, on the receipt
page, or on their own page for new consultations), confirming, and leaving with one click."""

from __future__ import annotations

import logging

from flask import current_app, g, render_template, request
from flask_babel import gettext as _

from portal.database import utcnow
from portal.extensions import csrf, db, limiter
from portal.public import bp
from portal.public.forms import ConsultationNoticeForm, ReceiptNoticeForm
from portal.services.notices import outbox, subscriptions
from portal.services.resident.submission import find_comment

log = logging.getLogger(__name__)


def _notices_limit() -> str:
    return current_app.config["PORTAL_LOOKUP_LIMIT"]


# Sign-ups share the look-up budget: each one may send a message, so scripts must stay slow.
notices_limit = limiter.shared_limit(_notices_limit, scope="receipts", methods=["POST"])


@bp.app_context_processor
def _notices_helpers() -> dict:
    offered = outbox.mail_enabled()
    return {
        "notices_offered": offered,
        "receipt_notice_form": lambda: ReceiptNoticeForm(formdata=None),
    }


def subscribe_from_comment_form(form, comment, now) -> None:
    """Store what the comment form's notice boxes asked for, in the comment's transaction
    (called by the comment form's POST handler before its commit)."""
    if not outbox.mail_enabled():
        return
    subscriptions.subscribe_with_comment(
        comment,
        form.email.data or "",
        g.portal_locale.tag,
        results=bool(form.notify_results.data),
        consultations=bool(form.notify_consultations.data),
        now=now,
    )


def _message(title: str, message: str, status: int = 200, **extra):
    return (
        render_template("public/notices_message.html", title=title, message=message, **extra),
        status,
        {"Cache-Control": "no-store"},
    )


@bp.route("/notices", methods=["GET", "POST"])
@notices_limit
def consultation_notices():
    """Ask to be told by e-mail when a new consultation opens (double opt-in)."""
    if not outbox.mail_enabled():
        return _message(_("E-mail notices"), _("E-mail notices are not available."), 404)
    form = ConsultationNoticeForm()
    if request.method == "POST" and form.validate():
        subscriptions.request_consultation_notices(form.email.data, g.portal_locale.tag, utcnow())
        db.session.commit()
        return _message(
            _("Check your e-mail"),
            _(
                "We have sent a message to the address you gave. Open the link in it to confirm. "
                "Until you confirm, nothing else is sent."
            ),
        )
    status = 422 if form.errors else 200
    return render_template("public/notices.html", form=form), status


@bp.route("/receipts/notices", methods=["POST"])
@notices_limit
def receipt_notices():
    """The author of a comment asks for notices on the receipt page."""
    from portal.public.forms import ReceiptLookupForm
    from portal.public.routes.receipts import _no_such_comment, _render_status

    form = ReceiptNoticeForm()
    comment = find_comment(form.receipt_number.data or "", form.access_key.data or "")
    if comment is None:
        return _no_such_comment(ReceiptLookupForm(formdata=None))
    if not outbox.mail_enabled():
        return _render_status(comment, _("E-mail notices are not available."), 409)
    if not form.validate():
        return _render_status(comment, status=422, notice_form=form)
    now = utcnow()
    subscriptions.subscribe_with_comment(
        comment,
        form.email.data,
        g.portal_locale.tag,
        results=bool(form.notify_results.data),
        consultations=bool(form.notify_consultations.data),
        now=now,
    )
    db.session.commit()
    notice = _("Thank you. We will send you an e-mail as you asked.")
    if form.notify_consultations.data:
        notice = _(
            "Thank you. For e-mails about new consultations, first open the link in the message "
            "we have just sent you."
        )
    return _render_status(comment, notice)


@bp.route("/notices/confirm/<token>", methods=["GET", "POST"])
def confirm_notices(token: str):
    """The link in the confirmation message: a button confirms (a link checker that opens the
    page confirms nothing)."""
    if request.method == "POST":
        csrf.protect()
        if subscriptions.confirm(token, utcnow()) is not None:
            db.session.commit()
            return _message(
                _("Confirmed"),
                _("You will receive an e-mail each time the city opens a new consultation."),
            )
        db.session.commit()
        return _message(
            _("This link no longer works"),
            _("Please ask again on the notices page: the link may be older than seven days."),
            404,
        )
    if subscriptions.subscription_for(token) is None:
        return _message(
            _("This link no longer works"),
            _("Please ask again on the notices page: the link may be older than seven days."),
            404,
        )
    return (
        render_template("public/notices_confirm.html", token=token),
        200,
        {"Cache-Control": "no-store"},
    )


@bp.route("/notices/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt
def unsubscribe(token: str):
    """Stop a subscription: the page's button, or a mail client's one-click POST (RFC 8058),
    which carries no form token (the secret is the link itself)."""
    if request.method == "POST":
        kind = subscriptions.unsubscribe(token)
        db.session.commit()
        if kind is not None:
            log.info("a %s subscription ended by its owner", kind)
        return _message(
            _("You will receive no more e-mails"),
            _("This address will receive no more e-mails of this kind from the portal."),
        )
    return (
        render_template("public/notices_unsubscribe.html", token=token),
        200,
        {"Cache-Control": "no-store"},
    )
