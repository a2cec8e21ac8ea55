"""Views of the residents' side. They parse the request, call a service, commit, render."""

from __future__ import annotations

import logging

from flask import abort, current_app, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from portal.database import utcnow
from portal.extensions import db, limiter
from portal.i18n import BY_TAG, preferred_locale
from portal.models import GlossaryTerm, Measure, PriorityArea
from portal.public import bp, root_bp
from portal.public.forms import (
    CommentForm,
    ReceiptLookupForm,
    WithdrawForm,
    default_comment_language,
)
from portal.services.duplicates import group_in_background
from portal.services.submission import (
    CommentInput,
    ContactInput,
    EmptyComment,
    PeriodNotOpen,
    find_comment,
    submit_comment,
)

log = logging.getLogger(__name__)
FRESH_RECEIPT = "fresh_receipt"


@root_bp.route("/")
def root():
    """Send a first-time visitor to the portal in the language their browser prefers."""
    response = redirect(url_for("public.index", lang_code=preferred_locale().tag))
    response.headers["Vary"] = "Accept-Language, Cookie"
    return response


@bp.url_value_preprocessor
def pull_locale(endpoint, values):
    """Every public URL names its locale; remember it as the visitor's choice."""
    g.portal_locale = BY_TAG[values.pop("lang_code")]
    session["locale"] = g.portal_locale.tag


@bp.url_defaults
def add_locale(endpoint, values):
    """Links stay in the page's locale unless they name another."""
    if "lang_code" not in values and "portal_locale" in g:
        values["lang_code"] = g.portal_locale.tag


def measure_or_404(slug: str) -> Measure:
    """The measure whose URL slug is `slug` (``1-5`` for 1-(5)), or a 404 page."""
    area_number, _sep, number = slug.partition("-")
    if not (area_number.isdigit() and number.isdigit()):
        abort(404)
    return db.first_or_404(
        select(Measure)
        .join(Measure.area)
        .where(PriorityArea.number == int(area_number), Measure.number == int(number))
    )


def comment_form(**kwargs) -> CommentForm:
    """The comment form with this city's length limit and contact rules, bound to the request."""
    form = CommentForm(
        max_length=current_app.config["PORTAL_COMMENT_MAX_LENGTH"],
        require_contact=current_app.config["PORTAL_REQUIRE_CONTACT"],
        **kwargs,
    )
    if request.method == "GET":
        form.language.data = default_comment_language(g.portal_locale.tag)
    return form


def _glossary() -> dict:
    """Every glossary entry in the page's locale, by key."""
    locale = g.portal_locale.tag
    return {term.key: term.text(locale) for term in db.session.scalars(select(GlossaryTerm))}


def render_measure(
    measure: Measure, form: CommentForm, status: int = 200, notice: str | None = None
):
    """The measure page with its comment form (also used to show the form again after an error)."""
    return (
        render_template(
            "public/measure.html",
            measure=measure,
            form=form,
            now=utcnow(),
            notice=notice,
            glossary=_glossary(),
        ),
        status,
    )


@bp.route("/")
def index():
    """The five priority areas and their measures, each with the state of its comment period."""
    areas = db.session.scalars(select(PriorityArea).order_by(PriorityArea.number)).all()
    return render_template("public/index.html", areas=areas, now=utcnow(), glossary=_glossary())


def _submit_limit() -> str:
    return current_app.config["PORTAL_SUBMIT_LIMIT"]


def _lookup_limit() -> str:
    return current_app.config["PORTAL_LOOKUP_LIMIT"]


@bp.route("/measures/<slug>", methods=["GET", "POST"])
@limiter.limit(_submit_limit, methods=["POST"])
def measure(slug: str):
    """A measure's full text, and on POST a resident's comment on it."""
    measure = measure_or_404(slug)
    form = comment_form()
    if request.method == "GET":
        return render_measure(measure, form)
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
    data = CommentInput(
        body=form.body.data,
        declared_language=form.language.data,
        respondent_type=form.respondent_type.data,
        age_band=form.age_band.data,
        district=form.district.data,
        position=form.position.data,
        contact=ContactInput(
            name=form.name.data or "",
            address=form.address.data or "",
            email=form.email.data or "",
            phone=form.phone.data or "",
        ),
    )
    try:
        comment, access_key = submit_comment(measure, data, now)
        db.session.commit()
    except (PeriodNotOpen, EmptyComment):
        db.session.rollback()
        return render_measure(measure, form, 409, _("Your comment could not be accepted."))
    except SQLAlchemyError:
        db.session.rollback()
        log.exception("comment on %s could not be stored", measure.code)
        return render_measure(
            measure,
            form,
            503,
            _(
                "Sorry, your comment could not be saved because of a problem on our side. "
                "Nothing was sent. Your text is still below: please try again in a moment."
            ),
        )
    log.info("comment %s received on %s", comment.receipt_number, measure.code)
    group_in_background(current_app._get_current_object(), comment.id)
    session[FRESH_RECEIPT] = {"receipt_number": comment.receipt_number, "access_key": access_key}
    return redirect(url_for("public.new_receipt"), code=303)


@bp.route("/receipts/new")
def new_receipt():
    """The receipt, shown once right after submitting: number, access key and the comment."""
    fresh = session.pop(FRESH_RECEIPT, None)
    comment = fresh and find_comment(fresh["receipt_number"], fresh["access_key"])
    if not comment:
        return redirect(url_for("public.lookup_receipt"))
    response = render_template(
        "public/receipt_new.html", comment=comment, access_key=fresh["access_key"]
    )
    return response, 200, {"Cache-Control": "no-store"}


def _render_status(comment, notice: str | None = None, status: int = 200, withdraw_form=None):
    withdraw_form = withdraw_form or WithdrawForm(formdata=None)
    return (
        render_template(
            "public/receipt_status.html",
            comment=comment,
            withdraw_form=withdraw_form,
            notice=notice,
            receipt_number=request.form.get("receipt_number", ""),
            access_key=request.form.get("access_key", ""),
        ),
        status,
        {"Cache-Control": "no-store"},
    )


@bp.route("/receipts", methods=["GET", "POST"])
@limiter.limit(_lookup_limit, methods=["POST"], scope="receipts")
def lookup_receipt():
    """Receipt number + access key show the comment as submitted and what became of it."""
    form = ReceiptLookupForm()
    if request.method == "POST" and form.validate():
        comment = find_comment(form.receipt_number.data, form.access_key.data)
        if comment is not None:
            return _render_status(comment)
        form.access_key.errors.append(
            _(
                "We could not find a comment with this receipt number and access key. Please check both."
            )
        )
        return render_template("public/receipt_lookup.html", form=form), 404
    status = 422 if form.errors else 200
    return render_template("public/receipt_lookup.html", form=form), status


@bp.route("/receipts/withdraw", methods=["POST"])
@limiter.limit(_lookup_limit, scope="receipts")
def withdraw_comment():
    """The author withdraws a comment that is still under review."""
    form = WithdrawForm()
    comment = find_comment(form.receipt_number.data or "", form.access_key.data or "")
    if comment is None:
        lookup = ReceiptLookupForm(formdata=None)
        lookup.access_key.errors = [
            _(
                "We could not find a comment with this receipt number and access key. Please check both."
            )
        ]
        return render_template("public/receipt_lookup.html", form=lookup), 404
    if not comment.can_be_withdrawn:
        return _render_status(comment, _("This comment can no longer be withdrawn."), 409)
    if not form.validate():
        return _render_status(comment, status=422, withdraw_form=form)
    comment.withdraw(utcnow())
    db.session.commit()
    log.info("comment %s withdrawn by its author", comment.receipt_number)
    return _render_status(comment, _("Your comment has been withdrawn."))


@bp.route("/privacy")
def privacy():
    """The privacy notice residents agree to before commenting."""
    return render_template("public/privacy.html")
