"""Spreadsheet cells that cannot run: one rule for every file a spreadsheet may open.

The committee's CSV and XLSX and the published results' CSV all write their cells through
`neutralise`, so a comment that starts like a formula stays text wherever it lands.
"""

from __future__ import annotations

import re

# OWASP CSV injection: a cell a spreadsheet would read as a formula (CWE-1236); ASVS adds NUL.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\0")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+([.,]\d+)*|\d*\.\d+)")


def neutralise(cell: str) -> str:
    """A cell that cannot run as a formula: an apostrophe before a formula-like start.

    A plain number (-5, +3.5) stays as it is: a spreadsheet reads it as a number, which runs
    nothing, and a committee member reads -5 rather than '-5.
    """
    if cell.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(cell):
        return "'" + cell
    return cell
