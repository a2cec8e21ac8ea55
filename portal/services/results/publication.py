"""Publishing a measure's results, summaries of its rows, and corrections after publication.

Rules kept here, whatever screen or command asks:
- results are published once, after the comment period has closed, when every comment has been
  decided, every opinion item of every approved comment is in a row that carries the city's
  response (`missing_items`) and no approved comment's translation still shows personal data;
- publishing stores the results as they are (`snapshots`, version 1), and every public output
  renders from what was stored; they are never taken back or edited in place: an admin adds a
  dated correction (a note, which the results page shows with its date), and hiding more of a
  comment makes a new version under a correction of its own (`snapshots.after_redaction`).
  No other change reaches published results: the services refuse responses, summaries, links
  into the measure, group changes, translations and decisions once it is published;
- every change is audited in the caller's transaction (what changed, never the texts of
  residents).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Comment, CommentStatus
from portal.models.items import OpinionItem
from portal.models.measures import Measure, PeriodState
from portal.models.moderation import CityResponse, CommentTranslation, ResultsCorrection
from portal.models.staff import StaffUser
from portal.services import actions
from portal.services.disclosure import (
    PLACEHOLDER_JA,
    Results,
    results_document,
    results_from,
)
from portal.services.moderation import translation
from portal.services.notices import outbox
from portal.services.results import snapshots

MAX_SUMMARY_LENGTH = 4000
MAX_CORRECTION_LENGTH = 4000


class ResultsRefused(actions.Refused):
    """A rule forbids the change; `code` says which (for a message in the admin's language),
    `count` how many comments or rows stand in the way."""

    def __init__(self, code: str, count: int = 0) -> None:
        super().__init__(code)
        self.count = count


@dataclass(frozen=True)
class MissingItem:
    """An opinion item that keeps the results from being published: in no row of the staff's
    (`not_in_row`), or in a row without its 対応区分 or 市の考え方 (`no_response`)."""

    receipt_number: str
    position: int | None  # the item's number in its comment; None: the whole text
    reason: str
    row_number: int


@dataclass(frozen=True)
class Readiness:
    """What stands between a measure and the publication of its results."""

    period_closed: bool
    undecided: int
    rows_without_response: int
    results: Results
    # approved comments whose Japanese translation still shows personal data (receipt numbers)
    translations_showing_personal_data: list[str]
    document: dict  # the results as they would be published now (`disclosure.snapshot`)
    missing: list[MissingItem] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        """True when the results may be published now."""
        return (
            self.period_closed
            and not self.undecided
            and not self.missing
            and not self.rows_without_response
            and not self.translations_showing_personal_data
        )


def translations_showing_personal_data(measure: Measure) -> list[str]:
    """The approved comments of `measure` whose Japanese translation still shows a word hidden
    in the comment or a personal-data suggestion nobody hid or kept (`translation.problems`)."""
    rows = db.session.execute(
        select(Comment, CommentTranslation)
        .join(CommentTranslation, CommentTranslation.comment_id == Comment.id)
        .where(
            Comment.measure_id == measure.id,
            Comment.status == CommentStatus.PUBLISHED,
            CommentTranslation.language == "ja",
        )
        .order_by(Comment.received_at, Comment.id)
    ).all()
    return [comment.receipt_number for comment, row in rows if translation.problems(comment, row)]


def readiness(measure: Measure, now: datetime) -> Readiness:
    """Whether `measure`'s results can be published, and why not."""
    undecided = db.session.scalar(
        select(func.count()).where(
            Comment.measure_id == measure.id,
            Comment.status.in_([CommentStatus.RECEIVED, CommentStatus.UNDER_REVIEW]),
        )
    )
    document = results_document(measure)
    results = results_from(document, PLACEHOLDER_JA)
    return Readiness(
        period_closed=measure.state(now) is PeriodState.CLOSED,
        undecided=undecided or 0,
        rows_without_response=sum(1 for row in document["rows"] if not _answered(row)),
        results=results,
        translations_showing_personal_data=translations_showing_personal_data(measure),
        document=document,
        missing=missing_items(document),
    )


def _answered(row: dict) -> bool:
    if row["row_id"] is None:
        return row["response_id"] is not None
    return bool(row["response_category"]) and bool("".join(row["response_ja"] or []).strip())


def missing_items(document: dict) -> list[MissingItem]:
    """Every item of the document's approved comments that is in no row of the staff's
    (a moderator split its comment but nobody put it into a row yet), or whose row has no
    対応区分 or 市の考え方, in the order of the rows."""
    found = []
    for row in document["rows"]:
        if row["reposted_from"] and row["row_id"] is None:
            continue  # a comment of another measure: counted and answered there
        keys = row["items"]
        if row["row_id"] is None and keys and keys[0] > 0:
            reason = "not_in_row"
        elif not _answered(row):
            reason = "no_response"
        else:
            continue
        for key in keys:
            if key > 0:
                item = db.session.get(OpinionItem, key)
                comment = db.session.get(Comment, item.comment_id)
                found.append(
                    MissingItem(comment.receipt_number, item.position, reason, row["number"])
                )
            else:
                comment = db.session.get(Comment, -key)
                found.append(MissingItem(comment.receipt_number, None, reason, row["number"]))
    return found


def publish(measure: Measure, *, actor: StaffUser, ip: str | None, now: datetime) -> None:
    """Publish the results of `measure` now, all at once."""
    if measure.results_published_at is not None:
        raise ResultsRefused("already_published")
    state = readiness(measure, now)
    if not state.period_closed:
        raise ResultsRefused("period_not_closed")
    if state.undecided:
        raise ResultsRefused("undecided", state.undecided)
    if state.missing:
        raise ResultsRefused("items_missing", len(state.missing))
    if state.rows_without_response:
        raise ResultsRefused("rows_without_response", state.rows_without_response)
    if state.translations_showing_personal_data:
        raise ResultsRefused(
            "translations_showing_personal_data", len(state.translations_showing_personal_data)
        )
    measure.results_published_at = now
    # what was checked is what is stored
    snapshots.store(measure, state.document, version=1, now=now, actor=actor)
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
