"""Template helpers: the current locale, language links, Japan-time dates and content rendering."""

from __future__ import annotations

from datetime import datetime

from babel.dates import format_skeleton, format_time, get_timezone_name
from flask import Flask, Response, current_app, g, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from markupsafe import Markup

from portal.database import JAPAN
from portal.i18n import LOCALES, current_locale
from portal.models.measures import SOURCE_LOCALE, PeriodState
from portal.services.resident.furigana import add_furigana
from portal.services.resident.proposed_parts import proposed_part_of
from portal.services.sanitize import glossary_keys, render_content, strip_marks


def japan_time(value: datetime | None) -> str:
    """A moment as a date and time in Japan, with the time zone named in the reader's language."""
    if value is None:
        return ""
    locale = current_locale().babel
    day = format_skeleton("yMMMEd", value, tzinfo=JAPAN, locale=locale)
    clock = format_time(value, "HH:mm", tzinfo=JAPAN, locale=locale)
    zone = get_timezone_name(JAPAN, width="long", locale=locale)
    if current_locale().tag == "ja-x-easy":
        # Babel formats easy Japanese as "ja"; the reading becomes furigana on the page.
        zone = f"{zone}(にほんじかん)"
    return f"{day} {clock} ({zone})"


def japan_date(value: datetime | None) -> str:
    """A moment as a date in Japan."""
    if value is None:
        return ""
    return format_skeleton("yMMMd", value, tzinfo=JAPAN, locale=current_locale().babel)


def same_page_in(tag: str, external: bool = False) -> str:
    """The URL of the page being shown, in another locale (the locale's home page for errors)."""
    # Only the path's own arguments are carried over: the query string is the visitor's to
    # write, and url_for treats keys like _scheme and _external as instructions.
    endpoint = request.endpoint
    if endpoint and endpoint.startswith("public.") and "slug" in (request.view_args or {}):
        # measure pages, their results and the annex; a POST shows the GET page's address
        target = endpoint if request.method == "GET" else "public.measure"
        return url_for(target, slug=request.view_args["slug"], lang_code=tag, _external=external)
    if endpoint and endpoint.startswith("public.") and request.method == "GET":
        # e.g. a notices page whose path carries its link's token
        return url_for(endpoint, lang_code=tag, _external=external, **(request.view_args or {}))
    return url_for("public.index", lang_code=tag, _external=external)


_CHROME_PAGES = 2048


def chrome(part: str) -> Markup:
    """The head links, header or footer of a resident page (``_chrome_<part>.html``).

    They are the same for everyone who sees a page in one locale (nine language links, the
    footer's links), yet rendering them took more than half of a receipt page's template time:
    each worker renders them once per locale, page address and host, and keeps them.
    """
    cache = current_app.extensions["portal_chrome"]
    key = (
        part,
        current_locale().tag,
        request.endpoint,
        tuple(sorted((request.view_args or {}).items())),
        request.method,
        request.host_url,
    )
    html = cache.get(key)
    if html is None:
        if len(cache) >= _CHROME_PAGES:  # addresses made up to fill it: start again
            cache.clear()
        # render_template escapes what it inserts: its output is markup.
        html = cache[key] = Markup(render_template(f"_chrome_{part}.html"))  # noqa: S704
    return html


def described_by(field, *hint_ids: str, **attributes) -> dict:
    """Attributes for `field(**...)`: its hints and error messages become its description.

    A radio button passes its group as `field`, so every button points at the group's errors.
    """
    ids = [*hint_ids, f"{field.id}-errors"] if field.errors else list(hint_ids)
    if ids:
        attributes["aria-describedby"] = " ".join(ids)
    if field.errors:
        attributes["aria-invalid"] = "true"
    return attributes


def state_label(state: PeriodState) -> str:
    """The comment period's state in words."""
    return {
        PeriodState.UNSCHEDULED: _("Comment period not yet announced"),
        PeriodState.UPCOMING: _("Upcoming"),
        PeriodState.OPEN: _("Open for comments"),
        PeriodState.CLOSED: _("Closed"),
        PeriodState.RESULTS_PUBLISHED: _("Results published"),
    }[state]


def response_category_label(category: str | None) -> str:
    """対応区分 in words, in the reader's language."""
    return {
        "reflected": _("Will be reflected in the plan"),
        "already_included": _("Already in the plan"),
        "for_reference": _("Noted for future reference"),
        "not_reflected": _("Not reflected"),
        "out_of_scope": _("Outside the scope of this consultation"),
    }.get(category or "", "")


def _context() -> dict:
    locale = current_locale()
    return {
        "locales": LOCALES,
        "current_locale": locale,
        "source_locale": SOURCE_LOCALE,
        "same_page_in": same_page_in,
        "chrome": chrome,
        "state_label": state_label,
        "described_by": described_by,
        "response_category_label": response_category_label,
        "PeriodState": PeriodState,
    }


def _furigana_for_easy_japanese(response: Response) -> Response:
    if (
        not g.get("furigana_added")
        and current_locale().tag == "ja-x-easy"
        and response.mimetype == "text/html"
        and not response.direct_passthrough
    ):
        response.set_data(add_furigana(response.get_data(as_text=True)))
    return response


def init_app(app: Flask) -> None:
    """Register the template filters and globals."""
    app.extensions["portal_chrome"] = {}
    app.context_processor(_context)
    app.after_request(_furigana_for_easy_japanese)
    app.add_template_filter(japan_time, "japan_time")
    app.add_template_filter(japan_date, "japan_date")
    app.add_template_filter(render_content, "content")
    app.add_template_filter(strip_marks, "plain")
    app.add_template_filter(glossary_keys, "glossary_keys")
    app.add_template_filter(format_decimal, "number")
    app.add_template_filter(proposed_part_of, "proposed_part")
