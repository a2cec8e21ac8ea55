"""The published results of a measure as files: a PDF for paper and open data (CSV, JSON).

Everything comes from `disclosure.build_results` (approved comments only, redacted, allow-listed
fields); this module only lays it out. The open data is in Japanese, the authoritative language,
under CC BY 4.0.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import datetime
from pathlib import Path

from portal.database import JAPAN
from portal.models.measures import SOURCE_LOCALE, Measure
from portal.models.moderation import ResultsCorrection
from portal.services.disclosure import Results

LICENCE = {
    "name": "CC BY 4.0",
    "title": "Creative Commons Attribution 4.0 International",
    "url": "https://creativecommons.org/licenses/by/4.0/",
    "attribution": "伊勢崎市",
}
CATEGORY_JA = {
    "reflected": "反映する",
    "already_included": "既に盛り込み済み",
    "for_reference": "今後の参考とする",
    "not_reflected": "反映しない",
    "out_of_scope": "対象外",
}
CSV_HEADER = (
    "番号",
    "該当箇所",
    "再掲(元の施策)",
    "意見の要旨",
    "意見の要旨の言語",
    "件数(同趣旨)",
    "対応区分",
    "市の考え方",
    "市の考え方(翻訳)",
    "翻訳の言語",
)
# OWASP CSV injection: a cell starting with one of these runs as a formula in a spreadsheet.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\0")


def _cell(value) -> str:
    """A CSV cell that a spreadsheet shows as text, never runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def results_csv(results: Results) -> bytes:
    """The results table as CSV: UTF-8 with BOM (Excel opens it by double-click), CRLF."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for row in results.rows:
        fields = row.public_fields()
        writer.writerow(
            _cell(value)
            for value in (
                fields["number"],
                fields["measure_code"],
                fields["reposted_from"],
                fields["summary"],
                fields["summary_language"],
                fields["count"],
                CATEGORY_JA.get(fields["response_category"] or "", ""),
                fields["response_ja"],
                fields["response_translation"],
                fields["response_translation_language"],
            )
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(JAPAN).isoformat() if moment else None


def results_json(
    measure: Measure, results: Results, corrections: list[ResultsCorrection], url: str
) -> bytes:
    """The results as JSON: the measure, the figures, the table, the full texts, the licence."""
    text = measure.text(SOURCE_LOCALE)
    document = {
        "licence": LICENCE,
        "source": url,
        "publisher": "伊勢崎市",
        "measure": {
            "code": measure.code,
            "title": text.title,
            "opens_at": _iso(measure.opens_at),
            "closes_at": _iso(measure.closes_at),
        },
        "results_published_at": _iso(measure.results_published_at),
        "figures": {
            "people": results.figures.people,
            "comments": results.figures.comments,
            "published": results.figures.published,
            "not_published": results.figures.not_published,
        },
        "rows": [
            {**row.public_fields(), "response_category_ja": CATEGORY_JA.get(row.response_category)}
            for row in results.rows
        ],
        "comments": [entry.public_fields() for entry in results.annex],
        "corrections": [{"date": _iso(c.corrected_at), "note": c.note} for c in corrections],
    }
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")


def results_pdf(html: str, cache_dir: Path | None = None) -> bytes:
    """The printable results page as PDF (WeasyPrint).

    Published results change only through corrections, redactions and the city's translations,
    all of which change the HTML: the PDF is cached under the HTML's hash, so a worker renders
    each version once.
    """
    key = hashlib.sha256(html.encode()).hexdigest()
    cached = cache_dir / f"{key}.pdf" if cache_dir else None
    if cached is not None and cached.exists():
        return cached.read_bytes()
    from weasyprint import HTML  # heavy import, needed only here

    pdf = HTML(string=html).write_pdf()
    if cached is not None:
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(".part")
        partial.write_bytes(pdf)
        partial.replace(cached)  # atomic: a concurrent reader never sees half a file
    return pdf
