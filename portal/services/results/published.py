"""The published results of a measure, as every public output other than the staff's draft
reads them: the read API, the open data, the notices' links to a row.

It reads the newest stored version (`snapshots`), never the moderation tables: what the API,
the open data and a notice's link show is what the results page shows.
"""

from __future__ import annotations

from portal.database import utcnow
from portal.models.measures import Measure
from portal.services.disclosure import PLACEHOLDER_JA, Results
from portal.services.results import snapshots


def published_results(measure: Measure, placeholder: str = PLACEHOLDER_JA) -> Results | None:
    """The newest published version of `measure`'s results (figures, rows, annex), or None
    before they are public."""
    current = snapshots.published(measure, utcnow())
    return current.results(placeholder) if current is not None else None


def row_numbers(results: Results) -> dict[int, int]:
    """Comment id → the number of the row that stands for it (its own measure's rows only)."""
    return {
        comment_id: row.number
        for row in results.rows
        if row.reposted_from is None
        for comment_id in row.member_ids
    }
