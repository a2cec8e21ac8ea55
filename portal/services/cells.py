"""Spreadsheet cells that cannot run: one rule for every file a spreadsheet may open.

The committee's CSV and XLSX and the published results' CSV all write their cells through
`neutralise`, so a comment that starts like a formula stays text wherever it lands.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# OWASP CSV injection: a cell a spreadsheet would read as a formula (CWE-1236); ASVS adds NUL.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\0")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+([.,]\d+)*|\d*\.\d+)")


def _as_spreadsheets_read(text: str) -> str:
    # Japanese Excel reads a full-width ＝ ＋ － ＠ (and the small ﹦ ﹢ ﹣ ﹫) as the ASCII
    # character it stands for: compare what NFKC makes of the text.
    return unicodedata.normalize("NFKC", text)


@lru_cache(maxsize=8192)
def _may_start_formula(first: str) -> bool:
    # Remembered per character: a million-row export asks about a few hundred distinct ones.
    return _as_spreadsheets_read(first).startswith(_FORMULA_START)


def neutralise(cell: str) -> str:
    """A cell that cannot run as a formula: an apostrophe before a formula-like start, in
    ASCII or full width.

    A plain number (-5, +3.5, －５) stays as it is: a spreadsheet reads it as a number, which
    runs nothing, and a committee member reads -5 rather than '-5.
    """
    if not cell:
        return cell
    # The first character decides (NFKC of a whole 10,000-character comment would cost more).
    if not _may_start_formula(cell[0]):
        return cell
    if _PLAIN_NUMBER.fullmatch(_as_spreadsheets_read(cell)):
        return cell
    return "'" + cell
