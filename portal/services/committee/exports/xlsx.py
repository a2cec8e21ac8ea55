"""An Excel workbook for the committee: figures, the results table, and the comments.

Numbers are numbers and dates are dates (a committee member sorts and sums them); texts are
always written as strings (XlsxWriter would otherwise turn "=…" into a formula and "0123"
into a number), and neutralised as in the CSV, because a committee member may copy a cell
into another sheet. Rows go to disk as they are written (`constant_memory`).
"""

from __future__ import annotations

from datetime import date, datetime

import xlsxwriter

from portal.services.cells import neutralise
from portal.services.committee.exports.pack import RESULTS_HEADERS, build_pack, figure_titles
from portal.services.committee.exports.rows import committee_rows, header, label
from portal.services.disclosure import COMMITTEE_FIELDS
from portal.services.staff_words import DIMENSIONS, japanese

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
NUMBERS = {"group_id", "group_size"}
DATES = {"received_on"}
SHEETS = ("集計", "意見の概要と市の考え方", "意見")
# The breakdowns of the summary sheet, beyond the pack's figures.
MORE_DIMENSIONS = ("respondent_type", "age_band", "district", "position")
NOT_GIVEN = "未回答"


def _text(sheet, row: int, col: int, value: str, style=None) -> None:
    if value:
        sheet.write_string(row, col, neutralise(value), style)


def _summary(book, sheet, pack, styles) -> None:
    bold, title, day = styles["bold"], styles["title"], styles["date"]
    titles = figure_titles()
    figures = pack.figures
    sheet.set_column(0, 0, 44)
    sheet.set_column(1, 1, 12)
    sheet.write_string(0, 0, pack.title, title)
    sheet.write_string(1, 0, "対象")
    sheet.write_string(1, 1, pack.scope_name)
    sheet.write_string(2, 0, "作成日時(日本時間)")
    sheet.write_datetime(2, 1, pack.generated.replace(tzinfo=None), styles["datetime"])
    sheet.write_string(3, 0, "提出者数(施策ごとの合計)")
    sheet.write_number(3, 1, pack.people)
    sheet.write_string(4, 0, "意見件数(施策ごとの合計)")
    sheet.write_number(4, 1, pack.items)
    row = 5
    if pack.figures.scope.kind != "all":
        sheet.write_string(row, 0, "うち他の施策からの再掲")
        sheet.write_number(row, 1, figures.relisted)
        row += 1
    sections = [
        (titles["states"], pack.states),
        (titles["category"], pack.by_category),
        (titles["part"], pack.by_part),
        (titles["channel"], pack.by_channel),
        (titles["language"], pack.by_language),
        (
            japanese(DIMENSIONS["reason"]),
            [(label("reason", v), n) for v, n in figures.rejected_by_reason.most_common()],
        ),
    ]
    sections += [
        (
            japanese(DIMENSIONS[d]),
            [
                (label(d, v) if v != "none" else NOT_GIVEN, n)
                for v, n in sorted(figures.by[d].items(), key=lambda kv: (-kv[1], kv[0]))
            ],
        )
        for d in MORE_DIMENSIONS
    ]
    for heading, counted in sections:
        row += 1
        sheet.write_string(row, 0, heading, bold)
        row += 1
        for name, count in counted:
            _text(sheet, row, 0, name)
            sheet.write_number(row, 1, count)
            row += 1
    row += 1
    sheet.write_string(row, 0, "よく使われている言葉(使っている意見の数)", bold)
    row += 1
    for term, count in pack.terms.terms if pack.terms else []:
        _text(sheet, row, 0, term)
        sheet.write_number(row, 1, count)
        row += 1
    row += 1
    sheet.write_string(row, 0, "受付日別", bold)
    row += 1
    for received, count in figures.per_day:
        sheet.write_datetime(row, 0, datetime.combine(received, datetime.min.time()), day)
        sheet.write_number(row, 1, count)
        row += 1


def _results(sheet, pack, styles) -> None:
    """The results table of every measure, one row per results row."""
    for col, width in enumerate((8, 10, 60, 12, 18, 60)):
        sheet.set_column(col, col, width, styles["wrap"] if width == 60 else styles["top"])
    sheet.freeze_panes(1, 0)
    for col, name in enumerate(("施策", *RESULTS_HEADERS)):
        sheet.write_string(0, col, name, styles["head"])
    row = 0
    for measure in pack.measures:
        for line in measure.lines:
            row += 1
            sheet.write_string(row, 0, measure.code)
            sheet.write_number(row, 1, line.number)
            _text(sheet, row, 2, line.part + ("(再掲)" if line.reposted_from else ""))
            _text(sheet, row, 3, line.summary, styles["wrap"])
            sheet.write_number(row, 4, line.count)
            _text(sheet, row, 5, line.category)
            _text(sheet, row, 6, line.response, styles["wrap"])
    sheet.autofilter(0, 0, max(row, 1), len(RESULTS_HEADERS))


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
    summary, results, sheet = (book.add_worksheet(name) for name in SHEETS)
    styles = {
        "head": book.add_format(
            {"bold": True, "bg_color": "#E8EEF4", "text_wrap": True, "valign": "top"}
        ),
        "wrap": book.add_format({"text_wrap": True, "valign": "top"}),
        "top": book.add_format({"valign": "top"}),
        "date": book.add_format({"num_format": "yyyy-mm-dd", "valign": "top"}),
        "datetime": book.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
        "bold": book.add_format({"bold": True}),
        "title": book.add_format({"bold": True, "font_size": 14}),
    }
    for col, key in enumerate(COMMITTEE_FIELDS):
        style = styles["wrap"] if key in WRAPPED else styles["top"]
        sheet.set_column(col, col, WIDTHS.get(key, 11), style)
    sheet.freeze_panes(1, 0)
    for col, name in enumerate(header()):
        sheet.write_string(0, col, name, styles["head"])
    written = 0
    for item, cells in committee_rows(scope):
        written += 1
        if written > EXCEL_MAX_ROWS:
            # XlsxWriter would drop the extra rows silently.
            book.close()
            raise TooManyRows(written)
        for col, (key, value) in enumerate(zip(COMMITTEE_FIELDS, cells, strict=True)):
            raw = item.get(key)
            if key in NUMBERS and raw is not None:
                sheet.write_number(written, col, raw)
            elif key in DATES and raw:
                day = date.fromisoformat(raw)
                sheet.write_datetime(
                    written, col, datetime.combine(day, datetime.min.time()), styles["date"]
                )
            elif value:
                style = styles["wrap"] if key in WRAPPED else styles["top"]
                sheet.write_string(written, col, value, style)
    sheet.autofilter(0, 0, max(written, 1), len(COMMITTEE_FIELDS) - 1)
    pack = build_pack(scope)
    _results(results, pack, styles)
    _summary(book, summary, pack, styles)
    book.close()
    return written
