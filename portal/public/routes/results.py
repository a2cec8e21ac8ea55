"""The published results of a measure: the table with the city's view, the annex of full
texts, and the same as a PDF for printing and as open data (CSV, JSON). Nothing of a measure's
comments is shown before its results are published; afterwards every page and file renders the
stored version (`services.results.snapshots`): the newest, or an earlier one (`?version=1`)."""

from __future__ import annotations

import math
from pathlib import Path

from flask import Response, abort, current_app, g, render_template, request, url_for
from flask_babel import gettext as _

from portal.converters import int_arg
from portal.database import utcnow
from portal.extensions import db
from portal.models import Measure
from portal.public import bp
from portal.public.routes import measure_or_404
from portal.services.disclosure import fingerprint_for_author, results_are_public
from portal.services.results import files as result_files
from portal.services.results import snapshots
from portal.services.results import table as results_table
from portal.services.sanitize import ruby_only
from portal.templating import response_category_label

ANNEX_PAGE_SIZE = 100
# Fifty rows keep a page quick to scroll on a phone; the table of contents and the search
# reach the rest.
ROWS_PAGE_SIZE = results_table.PAGE_SIZE
CATEGORIES = ("reflected", "already_included", "for_reference", "not_reflected", "out_of_scope")


def results_row_url(measure: Measure, number: int, version: int | None = None) -> str:
    """The address of one row of a measure's results table (of an earlier `version`), on the
    page that holds it."""
    page = results_table.row_page(number, ROWS_PAGE_SIZE)
    return url_for(
        "public.results",
        slug=measure.slug,
        page=page if page > 1 else None,
        version=version,
        _anchor=f"row-{number}",
    )


def withheld_reason_label(reason: str | None) -> str:
    """Why comments were not published, as the results page counts them."""
    return {
        "off_topic": _("Not about this measure"),
        "personal_information": _("Information that could identify a person"),
        "harms_others": _("Could harm the rights or interests of others"),
        "commercial": _("Advertising or commercial"),
        "duplicate": _("Repeats another comment (its point is counted there)"),
    }.get(reason or "", _("Other reasons"))


@bp.app_context_processor
def _results_helpers() -> dict:
    return {
        "results_row_url": results_row_url,
        "withheld_reason_label": withheld_reason_label,
        "author_fingerprint": fingerprint_for_author,
        "part_label_html": ruby_only,
    }


def _published_or_404(measure: Measure) -> snapshots.Published:
    """The version of the measure's published results the request asks for (`?version=`,
    else the newest); a 404 before publication or for a version that does not exist."""
    version = int_arg("version", None, minimum=1)
    published = snapshots.published(measure, utcnow(), version)
    db.session.commit()  # results published before versions were stored get their version 1
    if published is None:
        abort(404)
    return published


def _version_arg(published: snapshots.Published) -> int | None:
    """The `version` a link to another page of the same version carries (none: the newest)."""
    return None if published.is_latest else published.version


def _withheld() -> str:
    return _("[withheld]")


def _page_of(count: int, size: int) -> tuple[int, int, int]:
    """The page the request asks for among `count` items, `size` a page: (number, pages, first
    index); a 404 for a page that does not exist."""
    pages = max(1, math.ceil(count / size))
    number = int_arg("page", 1, minimum=1)
    if not 1 <= number <= pages:
        abort(404)
    return number, pages, (number - 1) * size


def figures_by_category(figures) -> list[tuple[str, int]]:
    """Opinion items per 対応区分 in the reader's language, in the categories' order."""
    counts = dict(figures.by_category)
    return [
        (response_category_label(category), counts[category])
        for category in CATEGORIES
        if counts.get(category)
    ]


@bp.route("/measures/<slug>/results")
def results(slug: str):
    """The published results: figures, the table of opinions and the city's view grouped by
    該当箇所 with a table of contents, a search (`?q=`) and pages, corrections."""
    measure = measure_or_404(slug)
    now = utcnow()
    if not results_are_public(measure, now):
        return render_template("public/results_pending.html", measure=measure, now=now), 404
    published = _published_or_404(measure)
    locale = g.portal_locale.tag
    results = published.results(_withheld(), locale)
    translated = results_table.translations_in(results.rows, locale)
    query = results_table.clean_query(request.args.get("q"))
    labels = {category: response_category_label(category) for category in CATEGORIES}
    page = results_table.table_page(
        results.rows, int_arg("page", 1, minimum=1), query, ROWS_PAGE_SIZE, labels, translated
    )
    if page is None:
        abort(404)
    return render_template(
        "public/results.html",
        measure=measure,
        published=published,
        version=_version_arg(published),
        results=results,
        page=page,
        by_category=figures_by_category(results.figures),
        translated=translated,
        untranslated=sum(
            not results_table.shown_in_locale(row, locale, translated) for row in page.rows
        ),
        corrections=published.corrections,
        now=now,
    )


@bp.route("/measures/<slug>/results/comments")
def results_comments(slug: str):
    """The annex: the full text of every published comment (the law allows summaries only
    while the full texts stay available)."""
    published = _published_or_404(measure_or_404(slug))
    entries = published.results(_withheld(), g.portal_locale.tag).annex
    number, _pages, start = _page_of(len(entries), ANNEX_PAGE_SIZE)
    shown = entries[start : start + ANNEX_PAGE_SIZE]
    page = {
        "number": number,
        "entries": shown,
        "first": start + 1,
        "last": start + len(shown),
        "total": len(entries),
    }
    return render_template(
        "public/results_comments.html",
        measure=published.measure,
        published=published,
        version=_version_arg(published),
        page=page,
        placeholder=_withheld(),
    )


def _download(data: bytes, mimetype: str, filename: str) -> Response:
    return Response(
        data,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _file_name(published: snapshots.Published, suffix: str) -> str:
    version = "" if published.is_latest else f"-v{published.version}"
    return f"results-{published.measure.slug}{version}{suffix}"


@bp.route("/measures/<slug>/results.pdf")
def results_pdf(slug: str):
    """The results for printing, in the reader's language."""
    published = _published_or_404(measure_or_404(slug))
    measure = published.measure
    locale = g.portal_locale.tag
    results = published.results(_withheld(), locale)
    translated = results_table.translations_in(results.rows, locale)
    html = render_template(
        "public/results_print.html",
        measure=measure,
        published=published,
        results=results,
        sections=results_table.table_page(results.rows, 1, size=max(1, len(results.rows))),
        by_category=figures_by_category(results.figures),
        translated=translated,
        untranslated=sum(
            not results_table.shown_in_locale(row, locale, translated) for row in results.rows
        ),
        corrections=published.corrections,
    )
    setting = current_app.config["PORTAL_RESULTS_PDF_CACHE"]
    cache = Path(setting) / measure.slug if setting else None
    if cache is not None and published.corrections:
        # A PDF drawn before the newest correction may show words hidden since.
        result_files.forget_pdfs_drawn_before(cache, published.corrections[-1].corrected_at)
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
    return _download(pdf, "application/pdf", _file_name(published, f"-{g.portal_locale.tag}.pdf"))


@bp.route("/measures/<slug>/results.csv")
def results_csv(slug: str):
    """The results table as open data (CSV, UTF-8 with BOM, CC BY 4.0)."""
    published = _published_or_404(measure_or_404(slug))
    data = result_files.results_csv(published.results(result_files.PLACEHOLDER))
    return _download(data, "text/csv", _file_name(published, ".csv"))


@bp.route("/measures/<slug>/results.json")
def results_json(slug: str):
    """The results, full texts included, as open data (JSON, CC BY 4.0)."""
    published = _published_or_404(measure_or_404(slug))
    url = url_for(
        "public.results",
        slug=published.measure.slug,
        lang_code="ja",
        version=_version_arg(published),
        _external=True,
    )
    schema = url_for("public.results_schema", lang_code="ja", _external=True)
    data = result_files.results_json(published, url, schema)
    return _download(data, "application/json", _file_name(published, ".json"))


@bp.route("/open-data/results.schema.json")
def results_schema():
    """The JSON Schema (2020-12) that every results JSON file follows."""
    return current_app.response_class(
        result_files.SCHEMA_PATH.read_bytes(), mimetype="application/schema+json"
    )
