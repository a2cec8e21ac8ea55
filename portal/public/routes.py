"""Views of the residents' side. They parse the request, call a service, commit, render."""

from __future__ import annotations

import logging
import math
import re
import secrets
from datetime import datetime
from pathlib import Path

from flask import (
    Response,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import lazyload

from portal import metrics
from portal.database import utcnow
from portal.extensions import db, limiter
from portal.i18n import BY_TAG, current_locale, preferred_locale
from portal.logs import describe_error
from portal.models import GlossaryTerm, Measure, PriorityArea
from portal.public import bp, root_bp
from portal.public.forms import (
    CommentForm,
    ReceiptLookupForm,
    WithdrawForm,
    default_comment_language,
)
from portal.services import jobs
from portal.services.disclosure import (
    build_results,
    own_text_for_author,
    results_are_public,
    results_row_of,
)
from portal.services.resident.arrival import after_arrival
from portal.services.resident.furigana import add_furigana
from portal.services.resident.pages import content_version, next_change, page_cache
from portal.services.resident.submission import (
    CommentInput,
    ContactInput,
    EmptyComment,
    PeriodNotOpen,
    claim_receipt,
    find_comment,
    find_submission,
    hand_off_receipt,
    new_submission_token,
    submit_comment,
    valid_submission_token,
)
from portal.services.results import files as result_files
from portal.services.results.publication import corrections_of
from portal.services.sanitize import clean_text

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
    if session.get("locale") != g.portal_locale.tag:  # unchanged: no new cookie to sign and send
        session["locale"] = g.portal_locale.tag


@bp.url_defaults
def add_locale(endpoint, values):
    """Links stay in the page's locale unless they name another."""
    if "lang_code" not in values and "portal_locale" in g:
        values["lang_code"] = g.portal_locale.tag


# ASCII digits only, and short: str.isdigit() accepts "²" and "①", which int() refuses, and a
# 20-digit number overflows the database's integer column.
_SLUG = re.compile(r"([0-9]{1,3})-([0-9]{1,3})", re.ASCII)


def measure_or_404(slug: str) -> Measure:
    """The measure whose URL slug is `slug` (``1-5`` for 1-(5)), or a 404 page."""
    match = _SLUG.fullmatch(slug)
    if not match:
        abort(404)
    # Texts load when a page uses them: storing a comment needs only the period.
    return db.first_or_404(
        select(Measure)
        .join(Measure.area)
        .where(PriorityArea.number == int(match[1]), Measure.number == int(match[2]))
        .options(lazyload(Measure.texts))
    )


def comment_form(**kwargs) -> CommentForm:
    """The comment form with this city's length limit and contact rules, bound to the request."""
    form = CommentForm(
        max_length=current_app.config["PORTAL_COMMENT_MAX_LENGTH"],
        require_contact=current_app.config["PORTAL_REQUIRE_CONTACT"],
        **kwargs,
    )
    if request.method != "POST":
        form.language.data = default_comment_language(g.portal_locale.tag)
    if not valid_submission_token(form.submission_token.data):
        form.submission_token.data = new_submission_token()
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


def _measure_page(slug: str):
    """A measure's page with an empty comment form, from the page cache."""
    now = utcnow()
    tokens = {"csrf": generate_csrf(), "submission": new_submission_token()}

    def build() -> tuple[str, datetime | None]:
        measure = measure_or_404(slug)
        form = comment_form()
        form.submission_token.data = tokens["submission"]
        page, _status = render_measure(measure, form)
        return page, next_change([measure], now)

    return _published_page(("measure", slug), now, tokens, build)


@bp.route("/")
def index():
    """The five priority areas and their measures, each with the state of its comment period."""
    now = utcnow()

    def build() -> tuple[str, datetime | None]:
        areas = db.session.scalars(select(PriorityArea).order_by(PriorityArea.number)).all()
        page = render_template("public/index.html", areas=areas, now=now, glossary=_glossary())
        return page, next_change((m for area in areas for m in area.measures), now)

    return _published_page(("index",), now, {}, build)


def _published_page(key: tuple, now: datetime, tokens: dict[str, str], build) -> str:
    """A page from this worker's page cache (see services/resident/pages.py), built if stale.

    The key adds the locale and the host the page is served under (its hreflang links are
    absolute); `build()` renders the page with `tokens` in it.
    """

    def finished() -> tuple[str, datetime | None]:
        page, valid_until = build()
        if g.portal_locale.tag == "ja-x-easy":
            page = add_furigana(page)
        return page, valid_until

    page = page_cache().page(
        (*key, g.portal_locale.tag, request.host_url),
        content_version(db.engine),
        now,
        tokens,
        finished,
    )
    g.furigana_added = True
    return page


def _submit_limit() -> str:
    return current_app.config["PORTAL_SUBMIT_LIMIT"]


def _lookup_limit() -> str:
    return current_app.config["PORTAL_LOOKUP_LIMIT"]


@bp.route("/measures/<slug>", methods=["GET", "POST"])
@limiter.limit(_submit_limit, methods=["POST"])
def measure(slug: str):
    """A measure's full text, and on POST a resident's comment on it."""
    if request.method != "POST":  # GET, and HEAD, which must not run the submission
        return _measure_page(slug)
    measure = measure_or_404(slug)
    form = comment_form()
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
    token = form.submission_token.data
    try:
        stored = True
        try:
            comment, access_key = submit_comment(measure, data, now, token)
        except IntegrityError:
            # This form was sent before (a double click, a retry, the back button): the same
            # text gets the first receipt again; a changed text is a comment of its own.
            db.session.rollback()
            earlier = find_submission(token)
            if earlier is None:
                raise
            comment, access_key = earlier
            stored = comment.body != clean_text(data.body)
            if stored:
                comment, access_key = submit_comment(measure, data, now)
        handoff = hand_off_receipt(comment, access_key, now)
        # Read before the commit expires them: reloading would cost a query each.
        comment_id, receipt_number = comment.id, comment.receipt_number
        language, code = comment.declared_language, measure.code
        db.session.commit()
    except (PeriodNotOpen, EmptyComment):
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
    claimed = claim_receipt(token, utcnow()) if isinstance(token, str) else None
    if claimed is None:
        db.session.commit()
        session.pop(FRESH_RECEIPT, None)
        return redirect(url_for("public.lookup_receipt"))
    comment, access_key = claimed
    response = render_template(
        "public/receipt_new.html",
        comment=comment,
        access_key=access_key,
        # Not the city's response: a comment received minutes ago has none yet.
        comment_text=own_text_for_author(comment, _("[hidden]")),
    )
    # The hand-off is used up only once the page is built and the deletion committed: if the
    # database fails before that, the 503 leaves both in place and a reload shows the receipt.
    db.session.commit()
    session.pop(FRESH_RECEIPT, None)
    return response, 200, {"Cache-Control": "no-store"}


def _same_language(a: str | None, b: str) -> bool:
    """pt and pt-BR, zh and zh-Hans name the same language for a reader."""
    return bool(a) and (a == b or a.split("-")[0] == b.split("-")[0])


def _author_view(comment) -> dict:
    """What the receipt pages show of the comment and the city's response, in the page's
    language: the text with hidden spans as a translated placeholder, and the response's
    translation when it is in the reader's language."""
    response = comment.response
    return {
        "comment_text": own_text_for_author(comment, _("[hidden]")),
        "response": response,
        "response_translated": bool(
            response
            and response.translation
            and _same_language(response.translation_language, current_locale().tag)
        ),
    }


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
            **_author_view(comment),
            results_row=results_row_of(comment, utcnow()),
        ),
        status,
        {"Cache-Control": "no-store"},
    )


# One budget for look-ups and withdrawals together: both test a receipt number and a key.
receipts_limit = limiter.shared_limit(_lookup_limit, scope="receipts", methods=["POST"])


@bp.route("/receipts", methods=["GET", "POST"])
@receipts_limit
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
@receipts_limit
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


# --- published results --------------------------------------------------------------------

ANNEX_PAGE_SIZE = 100
# A phone stays usable with a few hundred rows per page; most consultations fit on one.
ROWS_PAGE_SIZE = 200


def results_row_url(measure: Measure, number: int) -> str:
    """The address of one row of a measure's results table, on the page that holds it."""
    page = (number - 1) // ROWS_PAGE_SIZE + 1
    return url_for(
        "public.results",
        slug=measure.slug,
        page=page if page > 1 else None,
        _anchor=f"row-{number}",
    )


@bp.app_context_processor
def _results_helpers() -> dict:
    return {"results_row_url": results_row_url}


def _published_measure_or_404(slug: str) -> Measure:
    """The measure, if its results are published; nothing of its comments otherwise."""
    measure = measure_or_404(slug)
    if not results_are_public(measure, utcnow()):
        abort(404)
    return measure


def _withheld() -> str:
    return _("[withheld]")


@bp.route("/measures/<slug>/results")
def results(slug: str):
    """The published results: figures, the table of opinions and the city's view, corrections."""
    measure = measure_or_404(slug)
    now = utcnow()
    if not results_are_public(measure, now):
        return render_template("public/results_pending.html", measure=measure, now=now), 404
    results = build_results(measure, _withheld())
    pages = max(1, math.ceil(len(results.rows) / ROWS_PAGE_SIZE))
    number = request.args.get("page", 1, type=int)
    if not 1 <= number <= pages:
        abort(404)
    start = (number - 1) * ROWS_PAGE_SIZE
    return render_template(
        "public/results.html",
        measure=measure,
        results=results,
        rows=results.rows[start : start + ROWS_PAGE_SIZE],
        page={"number": number, "pages": pages},
        corrections=corrections_of(measure),
        now=now,
    )


@bp.route("/measures/<slug>/results/comments")
def results_comments(slug: str):
    """The annex: the full text of every published comment (the law allows summaries only
    while the full texts stay available)."""
    measure = _published_measure_or_404(slug)
    entries = build_results(measure, _withheld()).annex
    pages = max(1, math.ceil(len(entries) / ANNEX_PAGE_SIZE))
    number = request.args.get("page", 1, type=int)
    if not 1 <= number <= pages:
        abort(404)
    start = (number - 1) * ANNEX_PAGE_SIZE
    shown = entries[start : start + ANNEX_PAGE_SIZE]
    page = {
        "number": number,
        "entries": shown,
        "first": start + 1,
        "last": start + len(shown),
        "total": len(entries),
    }
    return render_template(
        "public/results_comments.html", measure=measure, page=page, placeholder=_withheld()
    )


def _download(data: bytes, mimetype: str, filename: str) -> Response:
    return Response(
        data,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.route("/measures/<slug>/results.pdf")
def results_pdf(slug: str):
    """The results for printing, in the reader's language."""
    measure = _published_measure_or_404(slug)
    results = build_results(measure, _withheld())
    html = render_template(
        "public/results_print.html",
        measure=measure,
        results=results,
        corrections=corrections_of(measure),
    )
    setting = current_app.config["PORTAL_RESULTS_PDF_CACHE"]
    cache = Path(setting) if setting else None
    pdf = result_files.cached_pdf(html, cache)
    if pdf is None:
        if (
            cache is None
            or len(results.rows) <= current_app.config["PORTAL_RESULTS_PDF_INLINE_ROWS"]
        ):
            pdf = result_files.results_pdf(html, cache)
        else:
            # a long table takes a worker for many seconds: draw it aside, ask to come back
            result_files.draw_in_background(html, cache)
            return (
                render_template("public/results_pdf_pending.html", measure=measure),
                202,
                {"Retry-After": "30", "Refresh": "30", "Cache-Control": "no-store"},
            )
    return _download(pdf, "application/pdf", f"results-{measure.slug}-{g.portal_locale.tag}.pdf")


@bp.route("/measures/<slug>/results.csv")
def results_csv(slug: str):
    """The results table as open data (CSV, UTF-8 with BOM, CC BY 4.0)."""
    measure = _published_measure_or_404(slug)
    data = result_files.results_csv(build_results(measure))
    return _download(data, "text/csv", f"results-{measure.slug}.csv")


@bp.route("/measures/<slug>/results.json")
def results_json(slug: str):
    """The results, full texts included, as open data (JSON, CC BY 4.0)."""
    measure = _published_measure_or_404(slug)
    url = url_for("public.results", slug=measure.slug, lang_code="ja", _external=True)
    data = result_files.results_json(measure, build_results(measure), corrections_of(measure), url)
    return _download(data, "application/json", f"results-{measure.slug}.json")


@bp.route("/privacy")
def privacy():
    """The privacy notice residents agree to before commenting."""
    return render_template("public/privacy.html")
