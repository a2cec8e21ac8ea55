"""Publishing a measure's results, summaries of its rows, and corrections after publication.

Rules kept here, whatever screen or command asks:
- results are published once, after the comment period has closed, when every comment has been
  decided and every row of the table carries the city's response;
- once published they are never taken back or edited in place: an admin adds a dated
  correction, which the results page shows;
- every change is audited in the caller's transaction (what changed, never the texts of
  residents).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Comment, CommentStatus
from portal.models.measures import Measure, PeriodState
from portal.models.moderation import CityResponse, ResultsCorrection
from portal.models.staff import StaffUser
from portal.services import actions
from portal.services.disclosure import Results, build_results
from portal.services.notices import outbox

MAX_SUMMARY_LENGTH = 4000
MAX_CORRECTION_LENGTH = 4000


class ResultsRefused(actions.Refused):
    """A rule forbids the change; `code` says which (for a message in the admin's language),
    `count` how many comments or rows stand in the way."""

    def __init__(self, code: str, count: int = 0) -> None:
        super().__init__(code)
        self.count = count


@dataclass(frozen=True)
class Readiness:
    """What stands between a measure and the publication of its results."""

    period_closed: bool
    undecided: int
    rows_without_response: int
    results: Results

    @property
    def ready(self) -> bool:
        """True when the results may be published now."""
        return self.period_closed and not self.undecided and not self.rows_without_response


def readiness(measure: Measure, now: datetime) -> Readiness:
    """Whether `measure`'s results can be published, and why not."""
    undecided = db.session.scalar(
        select(func.count()).where(
            Comment.measure_id == measure.id,
            Comment.status.in_([CommentStatus.RECEIVED, CommentStatus.UNDER_REVIEW]),
        )
    )
    results = build_results(measure)
    return Readiness(
        period_closed=measure.state(now) is PeriodState.CLOSED,
        undecided=undecided or 0,
        rows_without_response=sum(1 for row in results.rows if row.response_id is None),
        results=results,
    )


def publish(measure: Measure, *, actor: StaffUser, ip: str | None, now: datetime) -> None:
    """Publish the results of `measure` now, all at once."""
    if measure.results_published_at is not None:
        raise ResultsRefused("already_published")
    state = readiness(measure, now)
    if not state.period_closed:
        raise ResultsRefused("period_not_closed")
    if state.undecided:
        raise ResultsRefused("undecided", state.undecided)
    if state.rows_without_response:
        raise ResultsRefused("rows_without_response", state.rows_without_response)
    measure.results_published_at = now
    actions.record(
        "results_published",
        measure,
        actor=actor,
        ip=ip,
        now=now,
        rows=len(state.results.rows),
        comments=state.results.figures.comments,
        published=state.results.figures.published,
        not_published=state.results.figures.not_published,
    )
    db.session.flush()
    # Residents who asked are told once this has committed, by a job: the mail server's speed
    # or failure never reaches this transaction.
    if outbox.mail_enabled():
        outbox.send_after_commit(outbox.ANNOUNCE_RESULTS_JOB, measure.id)


def set_summary(
    measure: Measure,
    response: CityResponse,
    summary: str,
    *,
    actor: StaffUser,
    ip: str | None,
    now: datetime,
) -> bool:
    """Write the 意見の要旨 of one row (empty: the redacted text stands). Returns whether it changed."""
    if measure.results_published_at is not None:
        raise ResultsRefused("already_published")
    summary = summary.replace("\r\n", "\n").strip() or None
    if summary is not None and len(summary) > MAX_SUMMARY_LENGTH:
        raise ResultsRefused("too_long")
    if summary == response.summary:
        return False
    response.summary = summary
    response.updated_at = now
    # that it changed, not what it says: the summary retells a resident's words
    actions.record(
        "results_summary_edited",
        measure,
        actor=actor,
        ip=ip,
        now=now,
        response_id=response.id,
        summary="written" if summary else "cleared",
    )
    db.session.flush()
    return True


def add_correction(
    measure: Measure, note: str, *, actor: StaffUser, ip: str | None, now: datetime
) -> ResultsCorrection:
    """Add a dated correction to published results (shown on the results page)."""
    if measure.results_published_at is None:
        raise ResultsRefused("not_published")
    note = note.replace("\r\n", "\n").strip()
    if not note:
        raise ResultsRefused("empty")
    if len(note) > MAX_CORRECTION_LENGTH:
        raise ResultsRefused("too_long")
    correction = ResultsCorrection(
        measure_id=measure.id, note=note, corrected_by_id=actor.id, corrected_at=now
    )
    db.session.add(correction)
    db.session.flush()
    actions.record(
        "results_corrected",
        measure,
        actor=actor,
        ip=ip,
        now=now,
        correction_id=correction.id,
        length=len(note),
    )
    return correction


def corrections_of(measure: Measure) -> list[ResultsCorrection]:
    """A measure's corrections, oldest first."""
    return db.session.scalars(
        select(ResultsCorrection)
        .where(ResultsCorrection.measure_id == measure.id)
        .order_by(ResultsCorrection.corrected_at, ResultsCorrection.id)
    ).all()
