"""The API's operations. Views read, never write; every list is paged by an opaque cursor that
encodes the last key seen, so a page's next page stays the same while new items are added."""

from __future__ import annotations

import base64
import binascii
import json

from flask import Response, request, url_for
from flask_smorest import abort
from sqlalchemy import select

from portal.api import bp
from portal.api.schemas import (
    SLUG_PATTERN,
    CommentPage,
    ConsultationListQuery,
    ConsultationPage,
    ConsultationSchema,
    LangQuery,
    PageQuery,
    ResultsSchema,
    RowPage,
)
from portal.database import JAPAN, utcnow
from portal.extensions import db
from portal.models import Measure
from portal.models.measures import select_by_slug
from portal.services.disclosure import results_are_public
from portal.services.resident.pages import content_version, page_cache
from portal.services.results.files import LICENCE
from portal.services.results.publication import corrections_of
from portal.services.results.published import published_results

SLUG_PARAMETER = {
    "in": "path",
    "name": "slug",
    "required": True,
    "description": "The code as in URLs: 1-(5) is 1-5; chapters I-III are intro, policy, method",
    "schema": {"type": "string", "pattern": SLUG_PATTERN},
}
IF_NONE_MATCH = {
    "in": "header",
    "name": "If-None-Match",
    "required": False,
    "description": "The ETag of a response you hold: 304 if it is still current",
    "schema": {"type": "string"},
}


def documented(func):
    """The responses every operation may give besides its own: 304, 404, 429."""
    func = bp.alt_response(304, "NOT_MODIFIED")(func)
    func = bp.alt_response(404, "NOT_FOUND")(func)
    func = bp.alt_response(429, "TOO_MANY_REQUESTS")(func)
    return bp.doc(parameters=[IF_NONE_MATCH])(func)


def paged(func):
    """Also 400: a cursor this API did not issue."""
    return bp.alt_response(400, "BAD_REQUEST")(documented(func))


@bp.after_request
def _open_to_every_origin(response: Response) -> Response:
    """CORS for reading, an ETag on every answer, and caching like the public pages."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
    response.headers["Access-Control-Allow-Headers"] = "If-None-Match"
    response.headers["Access-Control-Expose-Headers"] = (
        "ETag, Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset"
    )
    if request.method in ("GET", "HEAD") and response.status_code == 200:
        response.headers["Cache-Control"] = "public, max-age=60"
        response.add_etag()
        response.make_conditional(request)
    return response


def _cursor(key: str) -> str:
    return base64.urlsafe_b64encode(key.encode()).decode().rstrip("=")


def _after(cursor: str | None) -> int:
    """The position a cursor encodes (0: the start); 400 for a cursor never issued."""
    if cursor is None:
        return 0
    try:
        key = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        abort(400, message="This cursor was not issued by this API.")
    if not key.startswith("after:") or not key[6:].isascii() or not key[6:].isdigit():
        abort(400, message="This cursor was not issued by this API.")
    return int(key[6:])


def _page(items: list, key_of, limit: int, after: int, endpoint: str, **args) -> dict:
    """Items whose key is greater than `after`, at most `limit`, and the next page's cursor."""
    remaining = [item for item in items if key_of(item) > after]
    shown = remaining[:limit]
    more = len(remaining) > limit
    next_cursor = _cursor(f"after:{key_of(shown[-1])}") if more else None
    next_url = (
        url_for(endpoint, cursor=next_cursor, limit=limit, _external=True, **args)
        if next_cursor
        else None
    )
    return {"items": shown, "next_cursor": next_cursor, "links": {"next": next_url}}


def _iso(moment):
    return moment.astimezone(JAPAN) if moment else None


def _consultation(measure: Measure, lang: str, now) -> dict:
    text = measure.text(lang)
    published = results_are_public(measure, now)
    return {
        "code": measure.code,
        "slug": measure.slug,
        "kind": measure.kind,
        "area": measure.area.number if measure.area else None,
        "number": measure.number,
        "language": text.locale,
        "title": text.title,
        "summary": text.summary,
        "state": measure.state(now).value,
        "opens_at": _iso(measure.opens_at),
        "closes_at": _iso(measure.closes_at),
        "short_period_reason": measure.short_period_reason,
        "results_published_at": _iso(measure.results_published_at) if published else None,
        "links": {
            "page": url_for("public.measure", slug=measure.slug, lang_code=lang, _external=True),
            "results": url_for("public.results", slug=measure.slug, lang_code=lang, _external=True)
            if published
            else None,
            "results_api": url_for("api.results", slug=measure.slug, _external=True)
            if published
            else None,
        },
    }


def _measures() -> list[Measure]:
    return db.session.scalars(select(Measure).order_by(*Measure.outline_order())).all()


def _cached_json(key: tuple, build) -> Response:
    """A JSON answer from this worker's page cache: valid for the outline's content version
    (any change to a measure, its period or its publication bumps it) and until the next
    period change."""
    now = utcnow()

    def render() -> tuple[str, object]:
        document, valid_until = build(now)
        return json.dumps(document, ensure_ascii=False, separators=(",", ":")), valid_until

    body = page_cache().page(
        ("api", *key, request.host_url), content_version(db.engine), now, {}, render
    )
    return Response(body, mimetype="application/json")


def _position(measure: Measure) -> int:
    return measure.sort_key


@bp.route("/consultations")
@bp.arguments(ConsultationListQuery, location="query", as_kwargs=True)
@bp.response(200, ConsultationPage)
@paged
def consultations(lang: str, limit: int, cursor: str | None = None):
    """The consultations (the outline's general chapters, then its measures) with their
    periods, in the outline's order."""
    after = _after(cursor)

    def build(now):
        from portal.services.resident.pages import next_change

        measures = _measures()
        page = _page(measures, _position, limit, after, "api.consultations", lang=lang)
        page["items"] = [_consultation(m, lang, now) for m in page["items"]]
        return ConsultationPage().dump(page), next_change(measures, now)

    return _cached_json(("consultations", lang, limit, after), build)


def _measure_or_404(slug: str) -> Measure:
    query = select_by_slug(slug)
    measure = None if query is None else db.session.scalar(query)
    if measure is None:
        abort(404, message="No consultation has this code.")
    return measure


@bp.route("/consultations/<slug>", parameters=[SLUG_PARAMETER])
@bp.arguments(LangQuery, location="query", as_kwargs=True)
@bp.response(200, ConsultationSchema)
@documented
def consultation(slug: str, lang: str):
    """One consultation and its period."""

    def build(now):
        from portal.services.resident.pages import next_change

        measure = _measure_or_404(slug)
        return ConsultationSchema().dump(_consultation(measure, lang, now)), next_change(
            [measure], now
        )

    return _cached_json(("consultation", slug, lang), build)


def _published_or_404(slug: str) -> Measure:
    measure = _measure_or_404(slug)
    if not results_are_public(measure, utcnow()):
        abort(404, message="The results of this consultation are not published.")
    published_results(measure)
    db.session.commit()  # results published before versions were stored get their version 1
    return measure


@bp.route("/consultations/<slug>/results", parameters=[SLUG_PARAMETER])
@bp.response(200, ResultsSchema)
@documented
def results(slug: str):
    """The published results: figures (counts only), dated corrections, where the rows are."""
    measure = _published_or_404(slug)
    figures = published_results(measure).figures
    return {
        "code": measure.code,
        "results_published_at": _iso(measure.results_published_at),
        "figures": {
            "people": figures.people,
            "comments": figures.comments,
            "published": figures.published,
            "not_published": figures.not_published,
            "not_published_by_reason": [
                {"reason": reason, "count": count}
                for reason, count in figures.not_published_by_reason
            ],
            "partly_withheld": figures.partly_withheld,
            "items": figures.items or figures.comments,
            "by_category": [
                {"category": category, "items": count} for category, count in figures.by_category
            ],
            "by_part": [{"part": part, "items": count} for part, count in figures.by_part],
        },
        "corrections": [
            {"date": _iso(c.corrected_at), "note": c.note} for c in corrections_of(measure)
        ],
        "licence": {key: LICENCE[key] for key in ("name", "url", "attribution")},
        "links": {
            "page": url_for("public.results", slug=measure.slug, lang_code="ja", _external=True),
            "rows": url_for("api.result_rows", slug=measure.slug, _external=True),
            "comments": url_for("api.result_comments", slug=measure.slug, _external=True),
            "csv": url_for("public.results_csv", slug=measure.slug, lang_code="ja", _external=True),
            "json": url_for(
                "public.results_json", slug=measure.slug, lang_code="ja", _external=True
            ),
        },
    }


@bp.route("/consultations/<slug>/results/rows", parameters=[SLUG_PARAMETER])
@bp.arguments(PageQuery, location="query", as_kwargs=True)
@bp.response(200, RowPage)
@paged
def result_rows(slug: str, limit: int, cursor: str | None = None):
    """The results table: one row per opinion (同趣旨 counted), with the city's view; the same
    fields as the open-data CSV and JSON."""
    measure = _published_or_404(slug)
    after = _after(cursor)
    rows = published_results(measure).rows
    page = _page(rows, lambda row: row.number, limit, after, "api.result_rows", slug=slug)
    page["items"] = [row.public_fields() for row in page["items"]]
    return page


@bp.route("/consultations/<slug>/results/comments", parameters=[SLUG_PARAMETER])
@bp.arguments(PageQuery, location="query", as_kwargs=True)
@bp.response(200, CommentPage)
@paged
def result_comments(slug: str, limit: int, cursor: str | None = None):
    """Every published comment as published (the annex): withheld parts replaced, with the
    fingerprint of the text when nothing is withheld."""
    measure = _published_or_404(slug)
    after = _after(cursor)
    numbered = list(enumerate(published_results(measure).annex, start=1))
    page = _page(numbered, lambda item: item[0], limit, after, "api.result_comments", slug=slug)
    page["items"] = [entry.public_fields() for _position, entry in page["items"]]
    return page
