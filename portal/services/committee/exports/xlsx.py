"""An Excel workbook for the committee: a summary sheet and a comments sheet.

Strings are always written as strings (XlsxWriter would otherwise turn "=…" into a formula and
"0123" into a number), and the cells are neutralised as in the CSV, because a committee member
may copy a cell into another sheet. Rows go to disk as they are written (`constant_memory`).
"""

from __future__ import annotations

import xlsxwriter

from portal.services.cells import neutralise
from portal.services.committee.exports.rows import committee_rows, header, label
from portal.services.committee.summaries import figures_for
from portal.services.disclosure import COMMITTEE_FIELDS

# Widths in characters; long texts wrap.
WIDTHS = {
    "receipt_number": 16,
    "measure_code": 8,
    "also_concerns": 14,
    "received_on": 12,
    "text": 60,
    "translation_ja": 50,
    "response_ja": 50,
    "position": 12,
}
WRAPPED = {"text", "translation_ja", "response_ja"}
DIMENSION_TITLES = {
    "language": "言語別",
    "respondent_type": "提出者の区分別",
    "age_band": "年代別",
    "district": "地域別",
    "channel": "提出方法別",
    "position": "全体としての立場(参考:賛否の投票ではありません)",
}
STATE_TITLES = (
    ("received", "受け付けた意見"),
    ("published", "公開(承認)"),
    ("not_published", "非公開(不採用)"),
    ("pending", "審査中"),
    ("withdrawn", "取り下げ"),
)


def _summary(book, sheet, scope) -> None:
    bold = book.add_format({"bold": True})
    title = book.add_format({"bold": True, "font_size": 14})
    figures = figures_for(scope)
    sheet.set_column(0, 0, 44)
    sheet.set_column(1, 1, 12)
    row = 0
    sheet.write_string(row, 0, "伊勢崎市行政改革大綱 パブリックコメント 集計", title)
    row += 1
    sheet.write_string(row, 0, "対象")
    sheet.write_string(row, 1, "全体" if scope.kind == "all" else "、".join(scope.measure_codes))
    row += 2
    for key, name in STATE_TITLES:
        sheet.write_string(row, 0, name, bold if key == "received" else None)
        sheet.write_number(row, 1, getattr(figures, key))
        row += 1
    if scope.kind != "all":
        sheet.write_string(row, 0, "うち他の施策からの再掲")
        sheet.write_number(row, 1, figures.relisted)
        row += 1
    sections = [("非公開の理由別", "reason", figures.rejected_by_reason)]
    sections += [(DIMENSION_TITLES[d], d, figures.by[d]) for d in DIMENSION_TITLES]
    for heading, dimension, counter in sections:
        row += 1
        sheet.write_string(row, 0, heading, bold)
        row += 1
        for value, count in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])):
            sheet.write_string(row, 0, label(dimension, value) if value != "none" else "回答なし")
            sheet.write_number(row, 1, count)
            row += 1
    row += 1
    sheet.write_string(row, 0, "同趣旨グループ(件数)", bold)
    row += 1
    for gid, group_label, size in figures.groups:
        sheet.write_string(row, 0, neutralise(f"グループ{gid} {group_label}".strip()))
        sheet.write_number(row, 1, size)
        row += 1
    row += 1
    sheet.write_string(row, 0, "受付日別", bold)
    row += 1
    for day, count in figures.per_day:
        sheet.write_string(row, 0, day.isoformat())
        sheet.write_number(row, 1, count)
        row += 1


EXCEL_MAX_ROWS = 1_048_575  # an Excel sheet's rows, less the header


class TooManyRows(ValueError):
    """More comments than one Excel sheet can hold: the CSV or JSON has them all."""


def write_xlsx(scope, target) -> int:
    """Write the workbook to `target` (a path or a binary file); returns the comments written."""
    book = xlsxwriter.Workbook(
        target,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    summary = book.add_worksheet("集計")
    sheet = book.add_worksheet("意見")
    head = book.add_format(
        {"bold": True, "bg_color": "#E8EEF4", "text_wrap": True, "valign": "top"}
    )
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    top = book.add_format({"valign": "top"})
    for col, key in enumerate(COMMITTEE_FIELDS):
        sheet.set_column(col, col, WIDTHS.get(key, 11), wrap if key in WRAPPED else top)
    sheet.freeze_panes(1, 0)
    for col, name in enumerate(header()):
        sheet.write_string(0, col, name, head)
    written = 0
    for _item, cells in committee_rows(scope):
        written += 1
        if written > EXCEL_MAX_ROWS:
            # XlsxWriter would drop the extra rows silently.
            book.close()
            raise TooManyRows(written)
        for col, (key, value) in enumerate(zip(COMMITTEE_FIELDS, cells, strict=True)):
            if value:
                sheet.write_string(written, col, value, wrap if key in WRAPPED else top)
    sheet.autofilter(0, 0, max(written, 1), len(COMMITTEE_FIELDS) - 1)
    _summary(book, summary, scope)
    book.close()
    return written
