"""Cells for the committee's files, built only from what `disclosure` lets out.

The order and the set of columns is `disclosure.COMMITTEE_FIELDS`; nothing else can reach a
file. Codes become the Japanese words a committee member reads; spreadsheet cells are
neutralised against formula injection here (`cells.neutralise`), once, for CSV and XLSX alike.
"""

from __future__ import annotations

from collections.abc import Iterator
from operator import itemgetter

from portal.services.cells import neutralise
from portal.services.disclosure import COMMITTEE_FIELDS, committee_disclosures
from portal.services.staff_words import word

HEADERS_JA = {
    "receipt_number": "受付番号",
    "measure_code": "施策",
    "also_concerns": "関連する施策(再掲)",
    "received_on": "受付日",
    "channel": "提出方法",
    "language": "言語",
    "respondent_type": "提出者の区分",
    "age_band": "年代",
    "district": "地域",
    "position": "全体としての立場(参考)",
    "text": "意見(個人情報は非公開)",
    "translation_ja": "日本語訳",
    "group_id": "同趣旨グループ",
    "group_size": "同趣旨の件数",
    "response_category": "対応区分",
    "response_ja": "市の考え方",
}
HEADERS_EN = {
    "receipt_number": "Receipt number",
    "measure_code": "Measure",
    "also_concerns": "Also concerns (relisted)",
    "received_on": "Received on",
    "channel": "Channel",
    "language": "Language",
    "respondent_type": "Respondent",
    "age_band": "Age band",
    "district": "District",
    "position": "Overall position (context)",
    "text": "Comment (personal data hidden)",
    "translation_ja": "Japanese translation",
    "group_id": "Campaign group",
    "group_size": "Comments in group",
    "response_category": "Response category",
    "response_ja": "City's response",
}
# The dimensions whose codes become words in a file: the staff's words, in Japanese.
LABELLED = (
    "language",
    "channel",
    "respondent_type",
    "age_band",
    "district",
    "position",
    "reason",
    "response_category",
)


def label(dimension: str, value) -> str:
    """The Japanese word for a code (the code itself when unknown, "" when not given)."""
    if value is None or value == "":
        return ""
    return word(dimension, value, in_japanese=True)


_WORDS: dict[tuple[str, object], str] = {}


def _japanese_word(dimension: str, value) -> str:
    """`label`, looked up once per code and process (a million rows repeat a few codes)."""
    try:
        return _WORDS[dimension, value]
    except KeyError:
        found = _WORDS[dimension, value] = label(dimension, value)
        return found


def header(english: bool = False) -> list[str]:
    """The column headers, Japanese (and English beneath when asked)."""
    names = HEADERS_EN if english else HEADERS_JA
    return [names[key] for key in COMMITTEE_FIELDS]


# How each column becomes a string, decided once rather than per cell of a million rows.
_LIST, _LABELLED, _PLAIN = 0, 1, 2
_COLUMNS = tuple(
    (key, _LIST if key == "also_concerns" else _LABELLED if key in LABELLED else _PLAIN)
    for key in COMMITTEE_FIELDS
)


def cells(values: dict) -> list[str]:
    """One disclosed comment as strings in column order, labelled and neutralised."""
    row = []
    append = row.append
    for (key, kind), value in zip(_COLUMNS, _in_order(values), strict=True):
        if value is None or value == "":
            append("")
        elif kind == _PLAIN:
            append(neutralise(value if type(value) is str else str(value)))
        elif kind == _LABELLED:
            append(neutralise(_japanese_word(key, value)))
        else:
            append(neutralise("、".join(value)))
    return row


def _in_order(values: dict) -> tuple:
    # One C call for the sixteen look-ups; a missing key reads as empty, as before.
    if values.keys() >= _KEYS:
        return _GETTER(values)
    return tuple(values.get(key) for key in COMMITTEE_FIELDS)


_GETTER = itemgetter(*COMMITTEE_FIELDS)
_KEYS = frozenset(COMMITTEE_FIELDS)


def committee_items(scope) -> Iterator[dict]:
    """The disclosed comments of a scope as plain dicts (allow-listed keys only)."""
    for disclosure in committee_disclosures(scope):
        yield disclosure.fields


def committee_rows(scope) -> Iterator[tuple[dict, list[str]]]:
    """Each disclosed comment with its spreadsheet cells."""
    for item in committee_items(scope):
        yield item, cells(item)
