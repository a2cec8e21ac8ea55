"""The results table as a reader moves through it: rows grouped by 該当箇所 into sections, a
table of contents, a search over the rows, and pages of a fixed size.

Rows stay in the order of the published document (numbered in the outline's order), so row N
is always on page (N - 1) // size + 1 of the unfiltered table: a receipt or the annex links
straight to ``?page=P#row-N``. A section whose rows run over a page break starts again on the
next page under the same heading.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field

from portal.services.disclosure import ResultsRow
from portal.services.sanitize import strip_marks

PAGE_SIZE = 50
MAX_QUERY_LENGTH = 100
_NOT_IN_ID = re.compile(r"[^A-Za-z0-9]+")


def part_anchor(part: str) -> str:
    """The id of a section's heading, stable across pages and versions: ``part-measure-1-2``."""
    return "part-" + (_NOT_IN_ID.sub("-", part).strip("-").lower() or "none")


def row_page(number: int, size: int = PAGE_SIZE) -> int:
    """The page of the unfiltered table that holds row `number`."""
    return max(1, (number - 1) // size + 1)


@dataclass
class Section:
    """The rows of one 該当箇所 (on one page), or its entry in the table of contents."""

    part: str
    label: str
    anchor: str
    rows: list[ResultsRow] = field(default_factory=list)
    items: int = 0  # opinion items in the section (再掲 rows not counted again)
    page: int = 1  # the page its first row is on
    continued: bool = False  # the section began on an earlier page


@dataclass
class TablePage:
    """What one page of the results table shows."""

    sections: list[Section]  # the rows of this page, under their headings
    contents: list[Section]  # every section of the (filtered) table, for the table of contents
    number: int
    pages: int
    total: int  # rows in the (filtered) table
    query: str

    @property
    def rows(self) -> list[ResultsRow]:
        """The rows of this page, in order."""
        return [row for section in self.sections for row in section.rows]


@dataclass(frozen=True)
class RowTranslation:
    """A row's 要旨 and 市の考え方 in the reader's language, as the published document holds
    them (a person wrote or checked them; Japanese stays authoritative)."""

    summary: str | None
    response: str | None
    machine: bool  # drafted by machine, then checked by a person


def translations_in(rows: list[ResultsRow], locale: str) -> dict[int, RowTranslation]:
    """Each row's translation into `locale` as the published results hold it, by row number
    (rows without one are left out)."""
    found = {}
    for row in rows:
        stored = row.translation(locale)
        if stored is not None and (stored.summary or stored.response):
            found[row.number] = RowTranslation(
                summary=stored.summary or None,
                response=stored.response or None,
                machine=stored.method == "machine",
            )
    return found


def shown_in_locale(row: ResultsRow, locale: str, translated: dict[int, RowTranslation]) -> bool:
    """True when the reader of `locale` reads the row's response in their language (Japanese
    readers always do)."""
    if locale == "ja":
        return True
    if row.number in translated and translated[row.number].response:
        return True
    return bool(row.response_translation) and row.response_translation_language == locale


def normalise(text: str) -> str:
    """Text as the search compares it: NFKC (full-width and half-width alike), case folded,
    spaces collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def clean_query(text: str | None) -> str:
    """The search words as the page keeps them: trimmed, bounded."""
    return " ".join((text or "").split())[:MAX_QUERY_LENGTH]


def _haystack(row: ResultsRow, extra: tuple[str, ...]) -> str:
    texts = (
        str(row.number),
        strip_marks(row.part_label),
        row.summary,
        row.response_ja or "",
        row.response_translation or "",
        *extra,
    )
    return normalise(" ".join(texts))


def matches(row: ResultsRow, query: str, extra: tuple[str, ...] = ()) -> bool:
    """True when every word of `query` occurs in the row's texts (its number, 該当箇所, 要旨,
    市の考え方 and translations, and `extra`: e.g. the 対応区分 in the reader's language)."""
    words = normalise(query).split()
    haystack = _haystack(row, extra)
    return all(word in haystack for word in words)


def _sections(rows: list[ResultsRow], size: int, start: int = 0) -> list[Section]:
    """Consecutive rows of one part as sections, with the page each starts on."""
    sections: list[Section] = []
    for index, row in enumerate(rows, start=start):
        if not sections or sections[-1].part != row.part:
            sections.append(
                Section(
                    part=row.part,
                    label=row.part_label or row.measure_code,
                    anchor=part_anchor(row.part),
                    page=index // size + 1,
                )
            )
        sections[-1].rows.append(row)
        if not row.reposted_from:
            sections[-1].items += row.count
    return sections


def _contents(sections: list[Section]) -> list[Section]:
    """One entry per part (a part split by rows of another keeps its first place)."""
    entries: dict[str, Section] = {}
    for section in sections:
        entry = entries.get(section.part)
        if entry is None:
            entries[section.part] = Section(
                part=section.part,
                label=section.label,
                anchor=section.anchor,
                items=section.items,
                page=section.page,
                rows=list(section.rows),
            )
        else:
            entry.items += section.items
            entry.rows.extend(section.rows)
    return list(entries.values())


def _texts(translation: RowTranslation | None) -> tuple[str, ...]:
    if translation is None:
        return ()
    return (translation.summary or "", translation.response or "")


def table_page(
    rows: list[ResultsRow],
    page: int,
    query: str = "",
    size: int = PAGE_SIZE,
    labels: dict[str, str] | None = None,
    translated: dict[int, RowTranslation] | None = None,
) -> TablePage | None:
    """Page `page` of the table, the rows filtered by `query` (every word must occur; `labels`
    gives each 対応区分 its name in the reader's language so it can be searched too, as are the
    rows' `translated` texts); None
    when that page does not exist."""
    labels = labels or {}
    translated = translated or {}
    if query:
        rows = [
            row
            for row in rows
            if matches(
                row,
                query,
                (labels.get(row.response_category or "", ""), *_texts(translated.get(row.number))),
            )
        ]
    pages = max(1, math.ceil(len(rows) / size))
    if not 1 <= page <= pages:
        return None
    first = (page - 1) * size
    shown = _sections(rows[first : first + size], size, first)
    everything = _sections(rows, size)
    if shown and first:
        previous = rows[first - 1]
        shown[0].continued = previous.part == shown[0].part
    return TablePage(
        sections=shown,
        contents=_contents(everything),
        number=page,
        pages=pages,
        total=len(rows),
        query=query,
    )
