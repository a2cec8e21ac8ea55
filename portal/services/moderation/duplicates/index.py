"""The band index in the database: where a new comment's near-copies are found without reading
the measure.

Each cluster leader of a measure (a group's representative, a comment in no group) is stored
under the BANDS band hashes of its MinHash signature (`candidate_bands`). A new comment looks up
its own bands and reads back the few leaders that share one: the comments most likely to be
its copies, at most `MAX_CANDIDATES` of them, those sharing the most bands first. Copies that
joined a group are not stored (their group's leaders stand for them), so a campaign of 20,000
copies adds a handful of rows to look through, not 20,000.

The index lives in the database, so every worker sees what the others stored and it survives
a restart; `portal moderation regroup` rebuilds a measure's index with its groups.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from sqlalchemy import delete, func, select

from portal.extensions import db
from portal.models import CandidateBand
from portal.services.moderation.duplicates.similarity import band_hashes

# A new comment shares a band with its campaign's leaders (a few, however many copies came) and
# by chance with a few unrelated comments; more than this many would be a sign of a bug.
MAX_CANDIDATES = 50
_BATCH = 5000
# Core executemany, not the ORM's bulk insert: a regrouping writes 16 rows per leader (480,000
# for 30,000 leaders, 3.5 s of CPU on SQLite) and needs none of the ORM's bookkeeping.
_TABLE = CandidateBand.__table__


def _rows(measure_id: int, comment_id: int, sketch: np.ndarray) -> list[dict]:
    return [
        {"measure_id": measure_id, "band": band, "hash": value, "comment_id": comment_id}
        for band, value in enumerate(band_hashes(sketch))
    ]


def add(measure_id: int, comment_id: int, sketch: np.ndarray) -> None:
    """Store one comment as a leader of its measure (again, if a job runs twice)."""
    db.session.execute(delete(CandidateBand).where(CandidateBand.comment_id == comment_id))
    db.session.execute(_TABLE.insert(), _rows(measure_id, comment_id, sketch))


def rebuild(measure_id: int, leaders: Iterable[tuple[int, np.ndarray]]) -> int:
    """Replace a measure's index by these (comment id, signature) leaders; returns how many."""
    db.session.execute(delete(CandidateBand).where(CandidateBand.measure_id == measure_id))
    batch: list[dict] = []
    count = 0
    for comment_id, sketch in leaders:
        batch.extend(_rows(measure_id, comment_id, sketch))
        count += 1
        if len(batch) >= _BATCH:
            db.session.execute(_TABLE.insert(), batch)
            batch = []
    if batch:
        db.session.execute(_TABLE.insert(), batch)
    return count


def candidates(measure_id: int, sketch: np.ndarray, exclude: int | None = None) -> list[int]:
    """Leaders of the measure sharing at least one band with `sketch`, most bands first."""
    shared = func.count().label("shared")
    query = (
        select(CandidateBand.comment_id, shared)
        .where(
            # By (measure, hash) alone, the primary key's first columns: SQLite uses no index
            # for a (band, hash) IN list, and the hash already names its band.
            CandidateBand.measure_id == measure_id,
            CandidateBand.hash.in_(band_hashes(sketch)),
        )
        .group_by(CandidateBand.comment_id)
        .order_by(shared.desc(), CandidateBand.comment_id)
        .limit(MAX_CANDIDATES + 1)
    )
    found = [comment_id for comment_id, _n in db.session.execute(query)]
    return [comment_id for comment_id in found if comment_id != exclude][:MAX_CANDIDATES]
