"""Every file the committee downloads: CSV, XLSX, PDF and JSON, all built from `rows`.

`rows` is the only place that turns disclosed comments into cells, and it reads nothing but
`disclosure.committee_disclosures` (the allow-list). A format module decides layout, never
content.
"""

from __future__ import annotations

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Comment, CommentStatus, PriorityArea
from portal.models.measures import Measure


def approved_in_scope(scope) -> int:
    """How many comments an export of `scope` will hold (the length of its progress bar)."""
    from portal.services.committee.summaries import in_scope

    return db.session.scalar(
        select(func.count(Comment.id))
        .join(Measure, Measure.id == Comment.measure_id)
        .join(PriorityArea, PriorityArea.id == Measure.area_id)
        .where(Comment.status == CommentStatus.PUBLISHED, in_scope(scope))
    )
