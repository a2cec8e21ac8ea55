"""The published results of a measure as files: a PDF for paper and open data (CSV, JSON).

Everything comes from a stored version of the results (`snapshots.Published`: approved
comments only, redacted, allow-listed fields); this module only lays it out. The open data is
in Japanese, the authoritative language, under CC BY 4.0.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import os
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from portal.database import JAPAN
from portal.models.measures import SOURCE_LOCALE
from portal.services.cells import neutralise
from portal.services.disclosure import PLACEHOLDER_JA, Results
from portal.services.sanitize import strip_marks

if TYPE_CHECKING:
    from portal.services.results.snapshots import Published

log = logging.getLogger(__name__)
# The open data is Japanese: a hidden span reads as the Japanese placeholder.
PLACEHOLDER = PLACEHOLDER_JA
# A drawing that has not finished in this time is taken to have died with its worker.
STALE_RENDER_SECONDS = 15 * 60

LICENCE = {
    "name": "CC BY 4.0",
    "title": "Creative Commons Attribution 4.0 International",
    "url": "https://creativecommons.org/licenses/by/4.0/",
    "attribution": "伊勢崎市",
}
# The JSON's schema (JSON Schema 2020-12), kept beside this module and served with the data.
SCHEMA_PATH = Path(__file__).with_name("results.schema.json")
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
    "該当箇所の識別子",
)
CATEGORY_ORDER = tuple(CATEGORY_JA)


def _cell(value) -> str:
    """A CSV cell that a spreadsheet shows as text, never runs as a formula (one rule for every
    export: `cells.neutralise`)."""
    return neutralise("" if value is None else str(value))


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
                strip_marks(fields.get("part_label") or fields["measure_code"]),
                fields["reposted_from"],
                fields["summary"],
                fields["summary_language"],
                fields["count"],
                CATEGORY_JA.get(fields["response_category"] or "", ""),
                fields["response_ja"],
                fields["response_translation"],
                fields["response_translation_language"],
                fields.get("part") or f"measure:{fields['measure_code']}",
            )
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(JAPAN).isoformat() if moment else None


def figures_json(results: Results) -> dict:
    """The figures as the open data gives them: people, comments, opinion items (意見件数, the M
    of "N人からM件"), and the items per 対応区分 and per 該当箇所 (labelled in Japanese)."""
    figures = results.figures
    labels = {row.part: strip_marks(row.part_label) for row in results.rows}
    counts = dict(figures.by_category)
    return {
        "people": figures.people,
        "comments": figures.comments,
        "published": figures.published,
        "not_published": figures.not_published,
        "items": figures.items or figures.comments,
        "by_category": [
            {"category": key, "category_ja": CATEGORY_JA[key], "items": counts[key]}
            for key in CATEGORY_ORDER
            if counts.get(key)
        ],
        "by_part": [
            {"part": part, "label": labels.get(part, part), "items": count}
            for part, count in figures.by_part
        ],
    }


def results_json(published: Published, url: str, schema_url: str) -> bytes:
    """One version of the results as JSON (`results.schema.json`): the measure, the figures,
    the table per 同趣旨 row, the full texts, the corrections in force for that version, the
    licence."""
    results = published.results(PLACEHOLDER)
    document = {
        "schema": schema_url,
        "licence": LICENCE,
        "source": url,
        "publisher": "伊勢崎市",
        "measure": {
            "code": published.measure.code,
            "title": published.title(SOURCE_LOCALE),
            "opens_at": _iso(published.opens_at),
            "closes_at": _iso(published.closes_at),
        },
        "results_published_at": _iso(published.first_published_at),
        "version": published.version,
        "version_published_at": _iso(published.published_at),
        "figures": figures_json(results),
        "rows": [
            {
                **row.public_fields(),
                "part_label": strip_marks(row.part_label),
                "response_category_ja": CATEGORY_JA.get(row.response_category),
            }
            for row in results.rows
        ],
        "comments": [entry.public_fields() for entry in results.annex],
        "corrections": [
            {"date": _iso(c.corrected_at), "note": c.note} for c in published.corrections
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")


def results_schema() -> dict:
    """The JSON Schema of `results_json`'s document."""
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def _cache_path(html: str, cache_dir: Path) -> Path:
    return cache_dir / f"{hashlib.sha256(html.encode()).hexdigest()}.pdf"


def _draw(html: str) -> bytes:
    from weasyprint import HTML  # heavy import, needed only here

    return HTML(string=html).write_pdf()


def _store(pdf: bytes, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.part")
    partial.write_bytes(pdf)
    partial.replace(path)  # atomic: a concurrent reader never sees half a file


def cached_pdf(html: str, cache_dir: Path | None) -> bytes | None:
    """The PDF of this exact page if it was drawn before.

    Published results change only by dated corrections (a note, or a new version after a
    redaction), each of which changes the HTML: the PDF is kept under the HTML's hash.
    """
    if cache_dir is None:
        return None
    path = _cache_path(html, cache_dir)
    return path.read_bytes() if path.exists() else None


def forget_pdfs_drawn_before(cache_dir: Path, moment: datetime) -> int:
    """Delete a measure's cached PDFs drawn before `moment` (a correction that hid words may
    have come since: such a file must not stay on disk). Returns how many were deleted."""
    deleted = 0
    for path in cache_dir.glob("*.pdf") if cache_dir.is_dir() else ():
        try:
            if path.stat().st_mtime < moment.timestamp():
                path.unlink()
                deleted += 1
        except FileNotFoundError:
            continue  # another worker deleted it first
    return deleted


def results_pdf(html: str, cache_dir: Path | None = None) -> bytes:
    """The printable results page as PDF (WeasyPrint), drawn now and kept in the cache."""
    cached = cached_pdf(html, cache_dir)
    if cached is not None:
        return cached
    pdf = _draw(html)
    if cache_dir is not None:
        _store(pdf, _cache_path(html, cache_dir))
    return pdf


def draw_in_background(html: str, cache_dir: Path) -> None:
    """Start drawing a long PDF outside the request, once across all workers of this machine
    (a lock file says it is under way)."""
    path = _cache_path(html, cache_dir)
    lock = path.with_suffix(".lock")
    cache_dir.mkdir(parents=True, exist_ok=True)
    try:
        if time.time() - lock.stat().st_mtime > STALE_RENDER_SECONDS:
            lock.unlink(missing_ok=True)
    except FileNotFoundError:
        pass
    try:
        os.close(os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return  # another request started it

    def work() -> None:
        started = time.perf_counter()
        try:
            _store(_draw(html), path)
            log.info("results PDF %s drawn in %.1f s", path.name, time.perf_counter() - started)
        except Exception:
            log.exception("results PDF %s could not be drawn", path.name)
        finally:
            lock.unlink(missing_ok=True)

    threading.Thread(target=work, name="results-pdf", daemon=True).start()
