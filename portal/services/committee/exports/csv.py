"""CSV that Japanese Excel opens by double-click: UTF-8 with BOM, CRLF, quoted where needed.

`cp932` is offered for older systems; it cannot hold Vietnamese, Devanagari or many other
characters, so the export counts every character it had to replace with "?" and names the
rows that hold them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field

from portal.services.committee.exports.rows import committee_rows, header

ENCODINGS = ("utf-8", "cp932")
FLUSH_EVERY = 500
ROWS_LISTED = 1000  # a report naming a million rows would itself need the memory we save


@dataclass
class EncodingReport:
    """Characters a legacy encoding could not hold: how many, and in which rows."""

    characters: int = 0
    rows_affected: int = 0
    # row number (the header is row 1), receipt number, characters lost: the first ROWS_LISTED
    rows: list[tuple[int, str, int]] = field(default_factory=list)


def _encode(text: str, encoding: str) -> tuple[bytes, int]:
    try:
        return text.encode(encoding), 0
    except UnicodeEncodeError:
        lost = 0
        out = []
        for ch in text:
            try:
                out.append(ch.encode(encoding))
            except UnicodeEncodeError:
                lost += 1
                out.append(b"?")
        return b"".join(out), lost


class CsvExport:
    """A streaming CSV of a scope's disclosed comments; `report` fills in as it streams."""

    def __init__(self, scope, encoding: str = "utf-8", english_header: bool = False) -> None:
        if encoding not in ENCODINGS:
            raise ValueError(f"unsupported encoding {encoding}")
        self.scope = scope
        self.encoding = encoding
        self.english_header = english_header
        self.report = EncodingReport()
        self.rows_written = 0

    def chunks(self) -> Iterator[bytes]:
        """The file, a few hundred rows at a time."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
        if self.encoding == "utf-8":
            yield "\ufeff".encode()
        writer.writerow(header())
        if self.english_header:
            writer.writerow(header(english=True))
        yield buffer.getvalue().encode(self.encoding)
        buffer.seek(0)
        buffer.truncate()
        if self.encoding == "utf-8":
            # UTF-8 holds every character: encode a few hundred rows at once.
            for _item, row in committee_rows(self.scope):
                writer.writerow(row)
                self.rows_written += 1
                if self.rows_written % FLUSH_EVERY == 0:
                    yield buffer.getvalue().encode()
                    buffer.seek(0)
                    buffer.truncate()
            yield buffer.getvalue().encode()
            return
        # A legacy encoding: row by row, to name the rows that lose characters.
        pending: list[bytes] = []
        line = 1 + int(self.english_header)
        for item, row in committee_rows(self.scope):
            writer.writerow(row)
            line += 1
            encoded, lost = _encode(buffer.getvalue(), self.encoding)
            buffer.seek(0)
            buffer.truncate()
            if lost:
                self.report.characters += lost
                self.report.rows_affected += 1
                if len(self.report.rows) < ROWS_LISTED:
                    self.report.rows.append((line, item["receipt_number"], lost))
            pending.append(encoded)
            self.rows_written += 1
            if len(pending) >= FLUSH_EVERY:
                yield b"".join(pending)
                pending.clear()
        if pending:
            yield b"".join(pending)
