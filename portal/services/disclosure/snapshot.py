"""The serialised form of a measure's published results (`FORMAT` 2), and the one way back to
what a page shows.

A document is plain JSON: it is what `services/results` stores for each published version,
and what the results draft, every results page, file and (later) the open-data API render
from. It holds no hidden word: a redacted text is stored as its visible pieces, the gaps
between them being the hidden spans, so each locale fills the gaps with its own placeholder
(`joined`). Keys a reader never receives (which comments a row stands for, the offsets hidden
in a comment's text) sit beside the public ones; `ResultsRow.FIELDS` and
`AnnexEntry.FIELDS` are what leaves.

Format 1:
``{"format": 1, "measure": {code, titles {locale: title}, opens_at, closes_at},
"figures": {people, comments, published, not_published, not_published_by_reason,
partly_withheld}, "rows": [...], "annex": [...]}``;
a row: number, measure_code, reposted_from, summary (pieces), summary_language, count,
response_category, response_ja (pieces), response_translation (pieces),
response_translation_language, and internally response_id, members (comment ids),
summary_of (the comment whose text stands as the summary, or null) and summary_spans; an
annex entry: row_number, measure_code, language, text (pieces), translation_ja (pieces or
null), withheld, fingerprint (null when withheld), and internally comment, text_spans,
translation_spans.

Format 2 (opinion items and 同趣旨 rows) adds to format 1:
figures ``items`` (意見件数 M of "N人からM件": opinion items, each member of a campaign group
counting), ``by_category`` ([[category, items], ...], 対応区分 order) and ``by_part``
([[part key, items], ...], outline order); a row is a 同趣旨 row: ``part`` (the 該当箇所 key,
`services.content.parts`), ``part_labels`` ({locale: label}, stored so a published version
never changes when the outline does), ``count`` = the items in the row, ``reposted_from`` (再掲:
the measure the item was sent on, or the part the item first stands under), and internally
``items`` (item ids; minus the comment's id for a whole text standing as one item) and
``row_id`` (the staff's row, or null for an item standing alone); ``translations``
({locale: {summary, response (pieces), method}}: a written row's translations that a person
wrote or reviewed; Japanese stays authoritative); an annex entry adds
``row_numbers`` (every row holding an item of the comment; ``row_number`` is the first).
`results_from` reads format 1 too, converting it (each row concerns its measure as a whole, its
count is its items), so every stored version stays readable; it refuses any other format.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from portal.services.disclosure.rules import (
    PUBLIC_ANNEX_FIELDS,
    PUBLIC_RESULT_ROW_FIELDS,
    OpenData,
    merge_spans,
)

FORMAT = 2

Pieces = list[str]


@dataclass(frozen=True)
class RowTranslation:
    """A row's 要旨 and 市の考え方 in one locale, as staff wrote or reviewed it (a machine draft
    a person reviewed says so: `method` "machine"). Japanese stays authoritative."""

    locale: str
    summary: str | None
    response: str | None
    method: str


@dataclass(frozen=True)
class ResultsRow(OpenData):
    """One 同趣旨 row of the results table: opinion items of one gist, with one response."""

    FIELDS = PUBLIC_RESULT_ROW_FIELDS

    number: int
    measure_code: str
    reposted_from: str | None  # 再掲: the measure the comment was sent on
    summary: str  # 意見の要旨: the moderator's summary, else the redacted text
    summary_language: str
    count: int  # 同趣旨 N件
    response_category: str | None
    response_ja: str | None
    response_translation: str | None
    response_translation_language: str | None
    response_id: int | None
    member_ids: tuple[int, ...]  # internal: which comments the row stands for, never exported
    part: str = ""  # 該当箇所: the key of the part of the outline (`services.content.parts`)
    part_label: str = ""  # the part's label in the reader's locale (Japanese when missing)
    item_ids: tuple[int, ...] = ()  # internal: the opinion items of the row, never exported
    translations: tuple[RowTranslation, ...] = ()  # of a staff's row, per locale

    def translation(self, locale: str) -> RowTranslation | None:
        """The row's translation into `locale`, if staff gave one."""
        return next((t for t in self.translations if t.locale == locale), None)


@dataclass(frozen=True)
class AnnexEntry(OpenData):
    """One approved comment's full text (redacted), as the annex of the results shows it."""

    FIELDS = PUBLIC_ANNEX_FIELDS

    row_number: int
    measure_code: str
    language: str
    text: str
    translation_ja: str | None
    withheld: bool = False  # part of the text is hidden
    fingerprint: str | None = None  # of `text`, only when nothing is withheld
    row_numbers: tuple[int, ...] = ()  # every row holding an item of the comment


@dataclass(frozen=True)
class ResultsFigures:
    """提出者数・意見件数: counts only, never whose or what."""

    people: int
    comments: int
    published: int
    not_published: int
    # Not published per reason, and published with part withheld (documents stored before
    # these counts existed read as none).
    not_published_by_reason: tuple[tuple[str, int], ...] = ()
    partly_withheld: int = 0
    # 意見件数 M of "N人からM件": opinion items (a campaign group's members each count); per
    # 対応区分 and per 該当箇所 (part key), in order. Format-1 documents: one item per comment.
    items: int = 0
    by_category: tuple[tuple[str, int], ...] = ()
    by_part: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class Results:
    """Everything the published results of one measure show, in one locale's placeholder."""

    figures: ResultsFigures
    rows: list[ResultsRow]
    annex: list[AnnexEntry]


def pieces(text: str, spans: list[tuple[int, int]]) -> Pieces:
    """`text` as the visible pieces around its hidden `spans` (overlapping spans merged)."""
    found, position = [], 0
    for start, end in merge_spans([(max(0, s), min(len(text), e)) for s, e in spans if e > s]):
        found.append(text[position:start])
        position = end
    found.append(text[position:])
    return found


def joined(text: Pieces | None, placeholder: str) -> str | None:
    """The text as a page shows it: the placeholder in each gap."""
    return None if text is None else placeholder.join(text)


def hide_words(text: Pieces | None, words: list[str]) -> Pieces | None:
    """`text` with every occurrence of each of `words` turned into a gap (touching gaps are
    one, as `rules.redact` merges touching spans)."""
    if text is None:
        return None
    for word in words:
        if not word:
            continue
        split: Pieces = []
        for index, piece in enumerate(text):
            parts = piece.split(word)
            if index:
                split.append(None)  # the gap that was already there
            split.extend(parts if len(parts) == 1 else _with_gaps(parts))
        text = _merge_gaps(split)
    return text


def _with_gaps(parts: list[str]) -> list:
    out: list = []
    for index, part in enumerate(parts):
        if index:
            out.append(None)
        out.append(part)
    return out


def _merge_gaps(items: list) -> Pieces:
    """Strings and gaps (None) as pieces: one gap between two pieces, touching gaps as one."""
    result: Pieces = [""]
    gap = False
    for item in items:
        if item is None:
            gap = True
        elif item:  # an empty string carries nothing: the gaps around it touch
            if gap:
                result.append("")
                gap = False
            result[-1] += item
    if gap:
        result.append("")
    return result


def iso(moment: datetime | None) -> str | None:
    """A moment as stored in a document: ISO 8601 in UTC."""
    return moment.astimezone(UTC).isoformat() if moment else None


def moment(value: str | None) -> datetime | None:
    """A stored moment back as an aware datetime."""
    return datetime.fromisoformat(value) if value else None


def results_from(document: dict, placeholder: str, locale: str = "ja") -> Results:
    """What a page shows of a stored (or draft) document, every gap filled by `placeholder`,
    the 該当箇所 labelled in `locale` (Japanese where that locale has no label)."""
    if document.get("format") == 1:
        document = format_1_as_2(document)
    if document.get("format") != FORMAT:
        raise ValueError(f"unknown results format {document.get('format')!r}")
    stored = document["figures"]
    figures = ResultsFigures(
        people=stored["people"],
        comments=stored["comments"],
        published=stored["published"],
        not_published=stored["not_published"],
        not_published_by_reason=tuple(
            (reason, count) for reason, count in stored.get("not_published_by_reason", ())
        ),
        partly_withheld=stored.get("partly_withheld", 0),
        items=stored.get("items", 0),
        by_category=tuple((key, count) for key, count in stored.get("by_category", ())),
        by_part=tuple((key, count) for key, count in stored.get("by_part", ())),
    )
    rows = [
        ResultsRow(
            number=row["number"],
            measure_code=row["measure_code"],
            reposted_from=row["reposted_from"],
            summary=joined(row["summary"], placeholder),
            summary_language=row["summary_language"],
            count=row["count"],
            response_category=row["response_category"],
            response_ja=joined(row["response_ja"], placeholder),
            response_translation=joined(row["response_translation"], placeholder),
            response_translation_language=row["response_translation_language"],
            response_id=row["response_id"],
            member_ids=tuple(row["members"]),
            part=row["part"],
            part_label=part_label(row["part_labels"], locale),
            item_ids=tuple(row.get("items", ())),
            translations=tuple(
                RowTranslation(
                    locale=locale,
                    summary=joined(translated["summary"], placeholder),
                    response=joined(translated["response"], placeholder),
                    method=translated["method"],
                )
                for locale, translated in sorted(row.get("translations", {}).items())
            ),
        )
        for row in document["rows"]
    ]
    annex = [
        AnnexEntry(
            row_number=entry["row_number"],
            measure_code=entry["measure_code"],
            language=entry["language"],
            text=joined(entry["text"], placeholder),
            translation_ja=joined(entry["translation_ja"], placeholder),
            withheld=entry.get("withheld", bool(entry.get("text_spans"))),
            fingerprint=entry.get("fingerprint"),
            row_numbers=tuple(entry["row_numbers"]),
        )
        for entry in document["annex"]
    ]
    return Results(figures=figures, rows=rows, annex=annex)


def part_label(labels: dict[str, str], locale: str) -> str:
    """A stored part's label in `locale`, else in Japanese (the authoritative text)."""
    return labels.get(locale) or labels.get("ja") or next(iter(labels.values()), "")


def format_1_as_2(document: dict) -> dict:
    """A format-1 document (one row per comment or campaign group, stored before opinion items
    existed) in format 2: each row concerns its measure as a whole, labelled by the measure's
    stored titles, and every comment is one item. The stored document is left as it was."""
    measure = document["measure"]
    labels = dict(measure.get("titles") or {})
    rows = []
    for row in document["rows"]:
        code = row["measure_code"]
        rows.append(
            {
                **row,
                "part": f"measure:{code}",
                "part_labels": labels if code == measure["code"] else {"ja": code},
                "items": [],
            }
        )
    annex = [{**entry, "row_numbers": [entry["row_number"]]} for entry in document["annex"]]
    figures = dict(document["figures"])
    counted = [row for row in rows if not row["reposted_from"]]
    figures.setdefault("items", sum(row["count"] for row in counted))
    by_category: dict[str, int] = {}
    for row in counted:
        if row["response_category"]:
            key = row["response_category"]
            by_category[key] = by_category.get(key, 0) + row["count"]
    figures.setdefault("by_category", [[key, count] for key, count in by_category.items()])
    figures.setdefault("by_part", [[f"measure:{measure['code']}", figures["items"]]])
    return {**document, "format": FORMAT, "figures": figures, "rows": rows, "annex": annex}


def rehidden_text(
    old: Pieces,
    old_spans: list[tuple[int, int]] | None,
    live_text: str | None,
    live_spans: list[tuple[int, int]],
    words: list[str],
) -> tuple[Pieces, list[tuple[int, int]] | None]:
    """A stored text of a comment after more of it was hidden: the stored gaps and every span
    hidden now. Only ever hides more: when the comment's text no longer gives the stored
    pieces back (it should never change), the hidden words are taken out of the stored
    pieces instead."""
    if old_spans is not None and live_text is not None:
        kept = [tuple(span) for span in old_spans]
        if pieces(live_text, kept) == old:
            spans = merge_spans([*kept, *live_spans])
            return pieces(live_text, spans), [list(span) for span in spans]
    return hide_words(old, words), old_spans
