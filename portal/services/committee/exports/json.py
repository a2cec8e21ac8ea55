"""The committee's data as JSON, described by `committee.schema.json`, streamed comment by comment."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator

from portal.database import utcnow
from portal.services.committee.exports.rows import committee_items
from portal.services.committee.summaries import Figures, figures_for

SCHEMA_PATH = os.path.join(os.path.dirname(__file__), "committee.schema.json")
SCHEMA_ID = "https://isesaki.example/schemas/committee-export-1.json"


def load_schema() -> dict:
    """The JSON Schema every committee JSON export follows."""
    with open(SCHEMA_PATH, encoding="utf-8") as handle:
        return json.load(handle)


def figures_dict(figures: Figures) -> dict:
    """A scope's figures as plain JSON values."""
    return {
        "received": figures.received,
        "published": figures.published,
        "not_published": figures.not_published,
        "pending": figures.pending,
        "withdrawn": figures.withdrawn,
        "relisted": figures.relisted,
        "rejected_by_reason": dict(sorted(figures.rejected_by_reason.items())),
        "by": {dim: dict(sorted(counter.items())) for dim, counter in figures.by.items()},
        "groups": [{"id": gid, "label": lbl, "size": n} for gid, lbl, n in figures.groups],
        "per_day": [{"date": day.isoformat(), "count": n} for day, n in figures.per_day],
    }


def json_chunks(scope) -> Iterator[str]:
    """The export as text pieces: the head with figures, then one comment per piece."""
    head = {
        "$schema": SCHEMA_ID,
        "generated_at": utcnow().isoformat(timespec="seconds"),
        "scope": {"kind": scope.kind, "key": scope.key, "measures": list(scope.measure_codes)},
        "figures": figures_dict(figures_for(scope)),
    }
    opening = json.dumps(head, ensure_ascii=False, indent=1)
    yield opening[: opening.rindex("}")].rstrip() + ',\n "comments": ['
    separator = "\n  "
    for item in committee_items(scope):
        yield separator + json.dumps(item, ensure_ascii=False)
        separator = ",\n  "
    yield "\n ]\n}\n"
