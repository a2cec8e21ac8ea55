"""Views of the residents' side. They parse the request, call a service, commit, render."""

from __future__ import annotations

import logging
import secrets

from flask import abort, current_app, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from portal.database import utcnow
from portal.extensions import db, limiter
from portal.i18n import BY_TAG, preferred_locale
from portal.public import bp, root_bp
from portal.public.forms import (
    CommentForm,
    ReceiptLookupForm,
    WithdrawForm,
    default_comment_language,
)
from portal.services import jobs
from portal.services.published import PublishedMeasure, PublishedOutline, published_outline
from portal.services.sanitize import clean_text
from portal.services.submission import (
    CommentInput,
    ContactInput,
    EmptyComment,
    PeriodNotOpen,
    find_comment,
    find_submission,
    new_submission_token,
    submit_comment,
    valid_submission_token,
)

try:  # campaign grouping comes with the moderation queue; comments are accepted without it
    from portal.services.duplicates import group_new_comment
except ImportError:
    group_new_comment = None

log = logging.getLogger(__name__)
FRESH_RECEIPT = "fresh_receipt"
# Stand-ins for the per-visitor values in a cached page; they cannot occur in real content.
_CSRF_SLOT = "\x00csrf-token\x00"
_SUBMISSION_SLOT = "\x00submission-token\x00"
_MAX_CACHED_PAGES = 2000
VERSION_AGE = 1.0  # seconds


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
    # Writing the same value would still re-sign and resend the session cookie every time.
    if session.get("locale") != g.portal_locale.tag:
        session["locale"] = g.portal_locale.tag


@bp.url_defaults
def add_locale(endpoint, values):
    """Links stay in the page's locale unless they name another."""
    if "lang_code" not in values and "portal_locale" in g:
        values["lang_code"] = g.portal_locale.tag


def outline() -> PublishedOutline:
    """The published outline for this request (one version check per request at most)."""
    if "portal_outline" not in g:
        # Another server's edit is seen at most this late; this process's own at once. The
        # period's own dates are applied to the exact time of each comment either way: only
        # a staff change of a period (ending it early) can reach a comment up to a second late.
        g.portal_outline = published_outline(current_app._get_current_object(), VERSION_AGE)
    return g.portal_outline


def measure_or_404(slug: str) -> PublishedMeasure:
    """The measure whose URL slug is `slug` (``1-5`` for 1-(5)), or a 404 page."""
    measure = outline().by_slug.get(slug)
    if measure is None:
        abort(404)
    return measure


def comment_form(**kwargs) -> CommentForm:
    """The comment form with this city's length limit and contact rules, bound to the request."""
    form = CommentForm(
        max_length=current_app.config["PORTAL_COMMENT_MAX_LENGTH"],
        require_contact=current_app.config["PORTAL_REQUIRE_CONTACT"],
        **kwargs,
    )
    if request.method == "GET":
        form.language.data = default_comment_language(g.portal_locale.tag)
    if not valid_submission_token(form.submission_token.data):
        form.submission_token.data = new_submission_token()
    return form


def _glossary() -> dict:
    """Every glossary entry in the page's locale, by key."""
    return outline().glossary(g.portal_locale.tag)


def render_measure(
    measure: PublishedMeasure, form: CommentForm, status: int = 200, notice: str | None = None
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


def _cached_page(key: tuple, render) -> str:
    """The page `render()` makes, rendered once per outline version and `key`.

    A public page's HTML depends only on the outline version, the locale, the host (absolute
    hreflang links) and the period states it shows; `key` names all but the version. Rendering
    was most of a page view's cost, and a flash crowd reads the same few pages.
    """
    pages = outline().pages
    key = (g.portal_locale.tag, request.host, *key)
    page = pages.get(key)
    if page is None:
        page = render()
        if len(pages) >= _MAX_CACHED_PAGES:
            pages.clear()
        pages[key] = page
    return page


@bp.route("/")
def index():
    """The five priority areas and their measures, each with the state of its comment period."""
    now = utcnow()
    areas = outline().areas
    periods = tuple((m.state(now), m.days_left(now)) for area in areas for m in area.measures)
    return _cached_page(
        ("index", periods),
        lambda: render_template("public/index.html", areas=areas, now=now, glossary=_glossary()),
    )


def _blank_measure_page(measure: PublishedMeasure):
    """The measure page with an empty comment form, from the cache with this visitor's tokens."""
    now = utcnow()

    def render() -> str:
        form = comment_form()
        html, _status = render_measure(measure, form)
        return html.replace(generate_csrf(), _CSRF_SLOT).replace(
            form.submission_token.data, _SUBMISSION_SLOT
        )

    page = _cached_page(
        ("measure", measure.slug, measure.state(now), measure.days_left(now)), render
    )
    return page.replace(_CSRF_SLOT, generate_csrf()).replace(
        _SUBMISSION_SLOT, new_submission_token()
    )


def _submit_limit() -> str:
    return current_app.config["PORTAL_SUBMIT_LIMIT"]


def _lookup_limit() -> str:
    return current_app.config["PORTAL_LOOKUP_LIMIT"]


@bp.route("/measures/<slug>", methods=["GET", "POST"])
@limiter.limit(_submit_limit, methods=["POST"])
def measure(slug: str):
    """A measure's full text, and on POST a resident's comment on it."""
    measure = measure_or_404(slug)
    if request.method == "GET":
        return _blank_measure_page(measure)
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
        try:
            comment, access_key = submit_comment(measure, data, now, token)
            receipt_number, comment_id = comment.receipt_number, comment.id
            db.session.commit()
        except IntegrityError:
            # This form was sent before (a double click, a retry, the back button): the same
            # text gets the first receipt again; a changed text is a comment of its own.
            db.session.rollback()
            earlier = find_submission(token)
            if earlier is None:
                raise
            comment, access_key = earlier
            if comment.body != clean_text(data.body):
                comment, access_key = submit_comment(measure, data, now)
            receipt_number, comment_id = comment.receipt_number, comment.id
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
    # Values taken before the commit: reading them afterwards would reload the comment.
    log.info("comment %s received on %s", receipt_number, measure.code)
    _after_submission(comment_id)
    session[FRESH_RECEIPT] = {"receipt_number": receipt_number, "access_key": access_key}
    return redirect(url_for("public.new_receipt"), code=303)


def _after_submission(comment_id: int) -> None:
    """Queue the work a new comment brings that the resident need not wait for."""
    if group_new_comment is not None:
        jobs.enqueue("portal.services.duplicates.group_new_comment", comment_id)
    # Tokens expire after hours; a sweep every few hundred comments keeps the table small.
    if secrets.randbelow(256) == 0:
        jobs.enqueue("portal.services.submission.purge_expired_submission_tokens")


@bp.route("/receipts/new")
def new_receipt():
    """The receipt, shown once right after submitting: number, access key and the comment."""
    fresh = session.pop(FRESH_RECEIPT, None)
    comment = fresh and find_comment(fresh["receipt_number"], fresh["access_key"])
    if not comment:
        return redirect(url_for("public.lookup_receipt"))
    response = render_template(
        "public/receipt_new.html",
        comment=comment,
        measure=outline().by_id[comment.measure_id],
        access_key=fresh["access_key"],
    )
    return response, 200, {"Cache-Control": "no-store"}


def _render_status(comment, notice: str | None = None, status: int = 200, withdraw_form=None):
    withdraw_form = withdraw_form or WithdrawForm(formdata=None)
    return (
        render_template(
            "public/receipt_status.html",
            comment=comment,
            measure=outline().by_id[comment.measure_id],
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
