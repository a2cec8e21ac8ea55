"""The published results of a measure, as every public output other than the staff's draft
reads them: the read API, the open data, the notices' links to a row.

One function, so that when publication stores its serialised results (a snapshot), this is the
one place that changes: everything built on it then reads the snapshot.
"""

from __future__ import annotations

from portal.models.measures import Measure
from portal.services.disclosure import PLACEHOLDER_JA, Results, build_results


def published_results(measure: Measure, placeholder: str = PLACEHOLDER_JA) -> Results:
    """The results of `measure` as published (figures, rows, annex); callers check
    `disclosure.results_are_public` first."""
    return build_results(measure, placeholder)


def row_numbers(results: Results) -> dict[int, int]:
    """Comment id → the number of the row that stands for it (its own measure's rows only)."""
    return {
        comment_id: row.number
        for row in results.rows
        if row.reposted_from is None
        for comment_id in row.member_ids
    }
