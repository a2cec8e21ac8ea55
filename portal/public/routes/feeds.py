"""Atom feeds per locale and the page that lists them with the other ways to keep informed
(e-mail notices, the read API, the open data of each result)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Response, abort, g, render_template, request, url_for
from flask_babel import gettext as _

from portal.database import utcnow
from portal.extensions import db
from portal.public import bp
from portal.services.resident import feeds
from portal.services.resident.pages import content_version, page_cache
from portal.services.sanitize import strip_marks

# A feed with nothing in it yet still needs an <updated>: the portal's first day.
PORTAL_START = datetime(2026, 12, 1, tzinfo=UTC)


def feed_title(kind: str) -> str:
    """A feed's name in the reader's language."""
    return {
        "all": _("Isesaki City public comment: all news"),
        "opening": _("Isesaki City public comment: consultations opened"),
        "closing": _("Isesaki City public comment: closing within a week"),
        "results": _("Isesaki City public comment: results published"),
    }[kind]


@bp.app_context_processor
def _feed_helpers() -> dict:
    return {"feed_title": feed_title}


def _text(kind: str) -> feeds.FeedText:
    locale = g.portal_locale.tag

    def title(entry: feeds.FeedEntry) -> str:
        name = f"{entry.measure.code} {strip_marks(entry.measure.title_in(locale))}"
        return {
            "opening": _("Open for comment: %(measure)s", measure=name),
            "closing": _("Closing soon: %(measure)s", measure=name),
            "results": _("Results published: %(measure)s", measure=name),
        }[entry.kind]

    def summary(entry: feeds.FeedEntry) -> str:
        if entry.kind == "results":
            return _("The city has published the comments it received and its response.")
        from portal.templating import japan_time

        return _("Comments accepted until %(date)s", date=japan_time(entry.measure.closes_at))

    def link(entry: feeds.FeedEntry) -> str:
        endpoint = "public.results" if entry.kind == "results" else "public.measure"
        return url_for(endpoint, slug=entry.measure.slug, _external=True)

    return feeds.FeedText(feed_title(kind), title, summary, link)


@bp.route("/feeds/<kind>.atom")
def feed(kind: str):
    """One Atom feed in the page's locale."""
    if kind not in feeds.KINDS:
        abort(404)
    now = utcnow()

    def build() -> tuple[str, datetime | None]:
        body = feeds.atom(
            kind,
            g.portal_locale.tag,
            now,
            feed_url=url_for("public.feed", kind=kind, _external=True),
            home_url=url_for("public.index", _external=True),
            text=_text(kind),
            published=PORTAL_START,
        )
        return body.decode("utf-8"), feeds.next_change(now)

    # Kept per worker like the home page: valid for the outline's content version (a period
    # or a publication changes it) and until the next opening, closing or week-before-closing.
    body = page_cache().page(
        ("feed", kind, g.portal_locale.tag, request.host_url),
        content_version(db.engine),
        now,
        {},
        build,
    )
    response = Response(body, mimetype="application/atom+xml")
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.add_etag()
    return response.make_conditional(request)


@bp.route("/feeds")
def feeds_page():
    """E-mail notices, the Atom feeds, the read API and the open data, in one place."""
    return render_template("public/feeds.html", kinds=feeds.KINDS, feed_title=feed_title)
