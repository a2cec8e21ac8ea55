"""The committee's meeting pack: what the PDF and the workbook hold, gathered once.

Cover, figures (people, items, per 対応区分, per 該当箇所, per channel and language, per
state), the results table of each measure (the rows the published results will show, from
`disclosure.results.build_results`), the frequent terms and the annex of approved comments.
Everything comes through `disclosure` (redacted, approved, no contact details); the words for
codes are the staff's (`services.staff_words`), in Japanese.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from portal.database import JAPAN, utcnow
from portal.extensions import db
from portal.models import Measure
from portal.services.committee import themes
from portal.services.committee.summaries import Figures, figures_for
from portal.services.disclosure.results import build_results
from portal.services.disclosure.snapshot import Results
from portal.services.staff_words import DIMENSIONS, SUMMARY_STATES, japanese, word

TITLE = "伊勢崎市行政改革大綱 パブリックコメント 委員会資料"
NO_CATEGORY = "未記入"
RESULTS_HEADERS = ("番号", "該当箇所", "意見の要旨", "同趣旨の件数", "対応区分", "市の考え方")


@dataclass(frozen=True)
class ResultsLine:
    """One row of a results table as the pack shows it."""

    number: int
    part: str  # 該当箇所
    summary: str  # 意見の要旨
    count: int  # 同趣旨 N件
    category: str  # 対応区分, in words
    response: str  # 市の考え方
    reposted_from: str | None


@dataclass(frozen=True)
class MeasureResults:
    """One measure's results table and its figures."""

    code: str
    title: str
    people: int
    items: int
    lines: list[ResultsLine]


@dataclass
class Pack:
    """Everything the meeting pack shows, in the order it shows it."""

    title: str
    scope_name: str
    generated: datetime
    figures: Figures
    people: int = 0
    items: int = 0
    states: list[tuple[str, int]] = field(default_factory=list)
    by_category: list[tuple[str, int]] = field(default_factory=list)
    by_part: list[tuple[str, int]] = field(default_factory=list)
    by_channel: list[tuple[str, int]] = field(default_factory=list)
    by_language: list[tuple[str, int]] = field(default_factory=list)
    measures: list[MeasureResults] = field(default_factory=list)
    quiet_measures: int = 0  # measures of the scope without an approved comment
    terms: themes.Themes | None = None


def results_lines(results: Results) -> list[ResultsLine]:
    """The results table of one measure: the one place that reads a results row's fields."""
    return [
        ResultsLine(
            number=row.number,
            part=row.part_label or row.measure_code,
            summary=row.summary,
            count=row.count,
            category=word("response_category", row.response_category, in_japanese=True)
            if row.response_category
            else NO_CATEGORY,
            response=row.response_ja or "",
            reposted_from=row.reposted_from,
        )
        for row in results.rows
    ]


def _items(results: Results) -> int:
    """M of "N人からM件": opinion items (documents from before items count comments)."""
    return results.figures.items or results.figures.comments


def _measures(scope) -> list[Measure]:
    query = select(Measure).order_by(*Measure.outline_order())
    if scope.measure_ids is not None:
        query = query.where(Measure.id.in_(scope.measure_ids))
    return list(db.session.scalars(query))


def _counted(dimension: str, counter: Counter) -> list[tuple[str, int]]:
    return [
        (word(dimension, value, in_japanese=True), n)
        for value, n in sorted(counter.items(), key=lambda kv: (-kv[1], str(kv[0])))
    ]


def scope_name(scope) -> str:
    """The scope as the cover names it."""
    return "全施策" if scope.kind == "all" else "、".join(scope.measure_codes)


def build_pack(scope, with_terms: bool = True) -> Pack:
    """Gather the meeting pack of `scope` (a `summaries.Scope`); the committee's page shows
    its figures without the terms (it has its own list)."""
    figures = figures_for(scope)
    pack = Pack(
        title=TITLE,
        scope_name=scope_name(scope),
        generated=utcnow().astimezone(JAPAN),
        figures=figures,
    )
    pack.states = [
        (japanese(SUMMARY_STATES["received"]), figures.received),
        *((japanese(SUMMARY_STATES[key]), n) for key, n in figures.states),
    ]
    categories: Counter = Counter()
    parts: Counter = Counter()
    for measure in _measures(scope):
        results = build_results(measure)
        lines = results_lines(results)
        if not lines:
            pack.quiet_measures += 1
            continue
        pack.measures.append(
            MeasureResults(
                code=measure.code,
                title=measure.text("ja").title,
                people=results.figures.people,
                items=_items(results),
                lines=lines,
            )
        )
        pack.people += results.figures.people
        pack.items += _items(results)
        # Opinion items counted once each, as the published figures count them (a 再掲 row
        # shows an item again without adding to any count).
        for category, n in results.figures.by_category:
            categories[word("response_category", category, in_japanese=True)] += n
        labels = {row.part: row.part_label for row in results.rows if row.part_label}
        for part, n in results.figures.by_part:
            parts[labels.get(part, part)] += n
    pack.by_category = sorted(categories.items(), key=lambda kv: (-kv[1], kv[0]))
    pack.by_part = list(parts.items())
    pack.by_channel = _counted("channel", figures.by["channel"])
    pack.by_language = _counted("language", figures.by["language"])
    pack.terms = themes.frequent_terms(scope) if with_terms else None
    return pack


def figure_titles() -> dict[str, str]:
    """The figures' headings, in Japanese (the staff's words, as on the committee's pages)."""
    return {
        "states": japanese(DIMENSIONS["state"]),
        "category": japanese(DIMENSIONS["response_category"]),
        "part": japanese(DIMENSIONS["part"]),
        "channel": japanese(DIMENSIONS["channel"]),
        "language": japanese(DIMENSIONS["language"]),
    }
