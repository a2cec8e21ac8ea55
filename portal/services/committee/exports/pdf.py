"""The committee's meeting pack as PDF: cover, figures, the results table of each measure,
the frequent terms, then the annex of approved comments (redacted) with their translations.

WeasyPrint lays it out (Pango/HarfBuzz shape Devanagari conjuncts and Vietnamese diacritics)
with Debian's Noto fonts (`fonts-noto-cjk`, `fonts-noto-core`), which it embeds. Without those
fonts every Japanese glyph would be an empty box: the README's install step and a test with
`pdffonts` guard that.

Layout takes time and memory in proportion to the comments: a web request lays out at most
`WEB_LIMIT` approved comments (2,000 took 35 s and 390 MB on this machine, so 1,000 stays
inside gunicorn's default worker timeout of 30 s); a larger pack is made on the job queue
(`packs`) and offered for download when it is ready.
"""

from __future__ import annotations

from flask import render_template
from sqlalchemy import select

from portal.extensions import db
from portal.models import Measure
from portal.services.committee.charts import bar_chart
from portal.services.committee.exports.pack import RESULTS_HEADERS, build_pack, figure_titles
from portal.services.committee.exports.rows import committee_items, label
from portal.services.staff_words import REDACTION_MARK

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
    """The meeting pack as HTML (what WeasyPrint lays out)."""
    pack = build_pack(scope)
    titles = figure_titles()
    charts = [(titles["states"], bar_chart(titles["states"], pack.states[1:]))]
    return render_template(
        "exports/committee_pdf.html",
        pack=pack,
        titles=titles,
        charts=charts,
        results_headers=RESULTS_HEADERS,
        sections=_sections(scope),
        label=label,
        lang=_lang,
        redaction_mark=REDACTION_MARK,
    )


def write_pdf(scope, target) -> None:
    """Lay out the meeting pack and write it to `target` (a path or a binary file)."""
    from weasyprint import HTML

    HTML(string=render_html(scope)).write_pdf(target)
