"""The pages residents read: the list of measures, a measure's page (built once per worker in
the page cache) and the privacy notice."""

from __future__ import annotations

from datetime import datetime

from flask import g, redirect, render_template, request, url_for
from flask_wtf.csrf import generate_csrf
from sqlalchemy import select

from portal.database import utcnow
from portal.extensions import db
from portal.i18n import preferred_locale
from portal.models import Measure, PriorityArea
from portal.models.measures import KIND_CHAPTER
from portal.public import bp, root_bp
from portal.public.routes import comment_form, glossary, measure_or_404, render_measure
from portal.services.resident.furigana import add_furigana
from portal.services.resident.pages import content_version, next_change, page_cache
from portal.services.resident.submission import new_submission_token


@root_bp.route("/")
def root():
    """Send a first-time visitor to the portal in the language their browser prefers."""
    response = redirect(url_for("public.index", lang_code=preferred_locale().tag))
    response.headers["Vary"] = "Accept-Language, Cookie"
    return response


@bp.route("/")
def index():
    """The general chapters, then the five priority areas and their measures, each with the
    state of its comment period."""
    now = utcnow()

    def build() -> tuple[str, datetime | None]:
        areas = db.session.scalars(select(PriorityArea).order_by(PriorityArea.number)).all()
        chapters = db.session.scalars(
            select(Measure).where(Measure.kind == KIND_CHAPTER).order_by(Measure.number)
        ).all()
        page = render_template(
            "public/index.html", chapters=chapters, areas=areas, now=now, glossary=glossary()
        )
        measures = [*chapters, *(m for area in areas for m in area.measures)]
        return page, next_change(measures, now)

    return _published_page(("index",), now, {}, build)


def measure_page(slug: str) -> str:
    """A measure's page with an empty comment form, from the page cache (the GET of
    `commenting.measure`)."""
    now = utcnow()
    tokens = {"csrf": generate_csrf(), "submission": new_submission_token()}

    def build() -> tuple[str, datetime | None]:
        measure = measure_or_404(slug)
        form = comment_form(measure)
        form.submission_token.data = tokens["submission"]
        page, _status = render_measure(measure, form, now=now)
        return page, next_change([measure], now)

    return _published_page(("measure", slug), now, tokens, build)


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


@bp.route("/privacy")
def privacy():
    """The privacy notice residents agree to before commenting."""
    return render_template("public/privacy.html")
