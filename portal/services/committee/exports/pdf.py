"""The committee's reading copy as PDF: cover with figures, charts, then every measure's
approved comments (redacted) with translations and the city's responses.

WeasyPrint lays it out (Pango/HarfBuzz shape Devanagari conjuncts and Vietnamese diacritics)
with Debian's Noto fonts (`fonts-noto-cjk`, `fonts-noto-core`), which it embeds. Without those
fonts every Japanese glyph would be an empty box: the README's install step and a test with
`pdffonts` guard that.

Layout takes time and memory in proportion to the comments: a web request renders at most
`WEB_LIMIT` approved comments (2,000 took 35 s and 390 MB on this machine, so 1,000 stays
inside gunicorn's default worker timeout of 30 s); anything larger is made with `portal export --format pdf`, which has no bound.
"""

from __future__ import annotations

from flask import render_template
from sqlalchemy import select

from portal.database import JAPAN, utcnow
from portal.extensions import db
from portal.models import Measure
from portal.services.committee.charts import bar_chart, day_chart
from portal.services.committee.exports.rows import HEADERS_JA, LABELS_JA, committee_items, label
from portal.services.committee.exports.xlsx import DIMENSION_TITLES, STATE_TITLES
from portal.services.committee.summaries import figures_for

WEB_LIMIT = 1000


def _lang(code: str | None) -> str:
    return {"ja-x-easy": "ja"}.get(code or "ja", code or "ja")


def _sections(scope):
    """Approved comments per measure, a campaign group once (its first comment, with its size)."""
    sections: list[dict] = []
    seen_groups: set[tuple[str, int]] = set()
    by_code: dict[str, dict] = {}
    for item in committee_items(scope):
        code = item["measure_code"]
        if scope.measure_ids is not None and code not in scope.measure_codes:
            # 再掲: a comment of another measure, shown under the measure of this scope it concerns
            code = next(c for c in item["also_concerns"] if c in scope.measure_codes)
        if code not in by_code:
            by_code[code] = {"code": code, "items": []}
            sections.append(by_code[code])
        if item["group_id"] is not None:
            key = (code, item["group_id"])
            if key in seen_groups:
                continue
            seen_groups.add(key)
        by_code[code]["items"].append(item)
    measures = {m.code: m for m in db.session.scalars(select(Measure))}
    for section in sections:
        measure = measures.get(section["code"])
        section["title"] = measure.text("ja").title if measure else ""
    order = {code: index for index, code in enumerate(scope.measure_codes)}
    sections.sort(key=lambda section: order.get(section["code"], len(order)))
    return sections


def render_html(scope) -> str:
    """The reading copy as HTML (what WeasyPrint lays out)."""
    figures = figures_for(scope)
    state_items = [(name, getattr(figures, key)) for key, name in STATE_TITLES[1:]]
    language_items = [(label("language", v), n) for v, n in figures.by["language"].most_common()]
    charts = [
        ("意見の状態", bar_chart("意見の状態", state_items)),
        ("言語別", bar_chart("言語別", language_items)),
        ("受付日別の件数", day_chart("受付日別の件数", figures.per_day)),
    ]
    return render_template(
        "exports/committee_pdf.html",
        scope=scope,
        figures=figures,
        charts=charts,
        sections=_sections(scope),
        headers=HEADERS_JA,
        labels=LABELS_JA,
        label=label,
        lang=_lang,
        dimension_titles=DIMENSION_TITLES,
        state_titles=STATE_TITLES,
        generated=utcnow().astimezone(JAPAN),
    )


def write_pdf(scope, target) -> None:
    """Lay out the reading copy and write it to `target` (a path or a binary file)."""
    from weasyprint import HTML

    HTML(string=render_html(scope)).write_pdf(target)
