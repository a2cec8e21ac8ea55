"""The residents' views, one module per concern: `pages` (the index, a measure's page and the
privacy notice), `commenting` (sending a comment, and its receipt shown once), `receipts`
(looking a comment up, withdrawing it) and `results` (the published results and their files).

What several of them stand on lives here: the locale every public URL names, the measure a URL
slug names, and the comment form with the page that shows it (`portal.errors` shows it again
after a refused request). Views parse the request, call a service, commit, render.
"""

from __future__ import annotations

from datetime import datetime

from flask import abort, current_app, g, render_template, request, session
from sqlalchemy import select
from sqlalchemy.orm import lazyload

from portal.database import utcnow
from portal.extensions import db
from portal.i18n import BY_TAG
from portal.models import GlossaryTerm, Measure
from portal.models.measures import select_by_slug
from portal.public import bp
from portal.public.forms import CommentForm, default_comment_language
from portal.services.resident.submission import new_submission_token, valid_submission_token


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


def measure_or_404(slug: str) -> Measure:
    """The measure whose URL slug is `slug` (``1-5`` for 1-(5), ``policy`` for chapter II),
    or a 404 page."""
    query = select_by_slug(slug)
    if query is None:
        abort(404)
    # Texts load when a page uses them: storing a comment needs only the period.
    return db.first_or_404(query.options(lazyload(Measure.texts)))


def comment_form(measure: Measure | None = None, **kwargs) -> CommentForm:
    """The comment form with this city's length limit and contact rules, bound to the request;
    with `measure`, it offers the measure's paragraphs to choose from."""
    form = CommentForm(
        max_length=current_app.config["PORTAL_COMMENT_MAX_LENGTH"],
        require_contact=current_app.config["PORTAL_REQUIRE_CONTACT"],
        **kwargs,
    )
    if measure is not None:
        form.offer_parts(measure, g.portal_locale.tag)
    if request.method != "POST":
        form.language.data = default_comment_language(g.portal_locale.tag)
    if not valid_submission_token(form.submission_token.data):
        form.submission_token.data = new_submission_token()
    return form


def glossary() -> dict:
    """Every glossary entry in the page's locale, by key."""
    locale = g.portal_locale.tag
    return {term.key: term.text(locale) for term in db.session.scalars(select(GlossaryTerm))}


def render_measure(
    measure: Measure,
    form: CommentForm,
    status: int = 200,
    notice: str | None = None,
    now: datetime | None = None,
):
    """The measure page with its comment form (also used to show the form again after an error).

    `now` is the moment the page describes (a cached page passes the one it is valid from).
    """
    return (
        render_template(
            "public/measure.html",
            measure=measure,
            form=form,
            now=now or utcnow(),
            notice=notice,
            glossary=glossary(),
        ),
        status,
    )
