"""Published results as stored: one `PublishedResults` row per version of a measure's results.

Version 1 is what `publication.publish` published. After that the results change only by a
dated correction that stores a new version, and only in one way: a moderator hides more of a
comment (privacy wins, `after_redaction`). Every other staff action that would change the
table, the annex or the figures is refused by its service once the results are published, and
whatever changes in the live tables anyway (a late paper comment, a retention purge of contact
details, an admin's edit of the measure's title) does not reach what was published. Earlier
versions stay readable; what is hidden later is hidden in them too (the one change a stored
version takes: a redaction must hold for every text derived from the comment).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer

from portal.extensions import db
from portal.models import Comment
from portal.models.measures import SOURCE_LOCALE, Measure
from portal.models.moderation import CommentMeasureLink, PublishedResults, ResultsCorrection
from portal.models.staff import StaffUser
from portal.services import actions
from portal.services.disclosure import (
    FORMAT,
    Results,
    ResultsRow,
    rehidden,
    results_are_public,
    results_document,
    results_from,
)
from portal.services.disclosure.snapshot import moment

# The correction a redaction after publication writes by itself (corrections are Japanese).
REDACTION_NOTE = "番号{rows}の意見の一部を、個人を特定できる情報を含むため非表示にしました。"


@dataclass(frozen=True)
class VersionInfo:
    """One version of a measure's published results, without its document."""

    version: int
    published_at: datetime
    correction_id: int | None


@dataclass(frozen=True)
class Published:
    """One stored version of a measure's results, as every public output renders it."""

    measure: Measure
    version: int
    published_at: datetime
    document: dict
    versions: list[VersionInfo] = field(default_factory=list)

    @property
    def latest(self) -> int:
        """The newest version's number."""
        return self.versions[-1].version

    @property
    def is_latest(self) -> bool:
        """True when this is the version residents read by default."""
        return self.version == self.latest

    @property
    def first_published_at(self) -> datetime:
        """When the results were first published (version 1)."""
        return self.versions[0].published_at

    @property
    def opens_at(self) -> datetime | None:
        """The comment period's start, as published."""
        return moment(self.document["measure"]["opens_at"])

    @property
    def closes_at(self) -> datetime | None:
        """The comment period's end, as published."""
        return moment(self.document["measure"]["closes_at"])

    def version_made_by(self, correction_id: int) -> int | None:
        """The version a correction published with it, if it made one."""
        return next((v.version for v in self.versions if v.correction_id == correction_id), None)

    def title(self, locale: str) -> str:
        """The measure's title in `locale` as published (Japanese when not translated)."""
        titles = self.document["measure"]["titles"]
        return titles.get(locale) or titles.get(SOURCE_LOCALE, "")

    def results(self, placeholder: str, locale: str = SOURCE_LOCALE) -> Results:
        """Figures, rows and annex, each hidden span shown as `placeholder`, each 該当箇所
        labelled in `locale`."""
        return results_from(self.document, placeholder, locale)

    @cached_property
    def corrections(self) -> list[ResultsCorrection]:
        """The corrections in force for this version: every one made before the next version
        was published (the one that made this version included), oldest first."""
        later = [v for v in self.versions if v.version > self.version and v.correction_id]
        query = select(ResultsCorrection).where(ResultsCorrection.measure_id == self.measure.id)
        if later:
            query = query.where(ResultsCorrection.id < later[0].correction_id)
        return db.session.scalars(
            query.order_by(ResultsCorrection.corrected_at, ResultsCorrection.id)
        ).all()


def _dump(document: dict) -> str:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def store(
    measure: Measure,
    document: dict,
    *,
    version: int,
    now: datetime,
    actor: StaffUser | None,
    correction: ResultsCorrection | None = None,
) -> PublishedResults:
    """Store `document` as version `version` of the measure's published results."""
    row = PublishedResults(
        measure_id=measure.id,
        version=version,
        format=FORMAT,
        document=_dump(document),
        published_at=now,
        published_by_id=actor.id if actor else None,
        correction_id=correction.id if correction else None,
    )
    db.session.add(row)
    db.session.flush()
    return row


def versions_of(measure: Measure) -> list[VersionInfo]:
    """Every stored version of the measure's results, oldest first (no documents loaded)."""
    return [
        VersionInfo(row.version, row.published_at, row.correction_id)
        for row in db.session.scalars(
            select(PublishedResults)
            .options(defer(PublishedResults.document))
            .where(PublishedResults.measure_id == measure.id)
            .order_by(PublishedResults.version)
        )
    ]


def _first_version_of_older_publication(measure: Measure) -> None:
    """Results published before versions were stored get their version 1 on first reading:
    the table as it stands then, dated when the results were published."""
    try:
        with db.session.begin_nested():
            store(
                measure,
                results_document(measure),
                version=1,
                now=measure.results_published_at,
                actor=None,
            )
    except IntegrityError:
        pass  # another request stored it first


def published(measure: Measure, now: datetime, version: int | None = None) -> Published | None:
    """A version (the newest when `version` is None) of the measure's published results, or
    None when they are not public or there is no such version."""
    if not results_are_public(measure, now):
        return None
    versions = versions_of(measure)
    if not versions:
        _first_version_of_older_publication(measure)
        versions = versions_of(measure)
    wanted = versions[-1].version if version is None else version
    if not any(v.version == wanted for v in versions):
        return None
    row = db.session.scalar(
        select(PublishedResults).where(
            PublishedResults.measure_id == measure.id, PublishedResults.version == wanted
        )
    )
    return Published(
        measure=measure,
        version=row.version,
        published_at=row.published_at,
        document=json.loads(row.document),
        versions=versions,
    )


def published_row_of(comment: Comment, now: datetime, placeholder: str) -> ResultsRow | None:
    """The row of its measure's published results (newest version) in which a comment stands,
    with the city's response as published, for its author's receipt page; None before the
    results are published and for a comment they do not show (rejected, or come later)."""
    current = published(comment.measure, now)
    if current is None:
        return None
    return next(
        (
            row
            for row in current.results(placeholder).rows
            if comment.id in row.member_ids and row.reposted_from is None
        ),
        None,
    )


def _hide_in_earlier_versions(measure: Measure, comment: Comment) -> None:
    """Earlier versions stay readable, but not with what was hidden since: the one change a
    stored version ever takes."""
    for row in db.session.scalars(
        select(PublishedResults).where(PublishedResults.measure_id == measure.id)
    ):
        document = json.loads(row.document)
        hidden, _rows = rehidden(document, comment)
        if hidden != document:
            row.document = _dump(hidden)


def _published_with(comment: Comment, now: datetime) -> list[Published]:
    """The newest published version of every measure whose results may show a text of
    `comment`: its own measure's, and those it is linked to (再掲)."""
    measure_ids = {comment.measure_id} | set(
        db.session.scalars(
            select(CommentMeasureLink.measure_id).where(CommentMeasureLink.comment_id == comment.id)
        )
    )
    found = []
    # Locked (PostgreSQL) until the caller commits: two moderators hiding parts of the same
    # results at once store versions one after the other instead of the same number twice.
    for measure in db.session.scalars(
        select(Measure)
        .where(Measure.id.in_(measure_ids), Measure.results_published_at.is_not(None))
        .order_by(Measure.id)
        .with_for_update()
    ):
        current = published(measure, now)
        if current is not None:
            found.append(current)
    return found


def before_redaction(comment: Comment, now: datetime) -> list[Published]:
    """Call before hiding more of `comment`, pass the result to `after_redaction`: the versions
    as they stood (results published before versions were stored get theirs now, so the
    redaction is a correction of them)."""
    return _published_with(comment, now)


def after_redaction(
    comment: Comment,
    before: list[Published],
    *,
    actor: StaffUser,
    ip: str | None,
    now: datetime,
) -> int:
    """A moderator hid more of `comment`: every published results that show a text of it get a
    new version with that text hidden, under a dated correction saying so. Returns how many
    new versions were stored."""
    stored = 0
    for current in before:
        measure = current.measure
        if current is None:
            continue
        document, rows = rehidden(current.document, comment)
        if document == current.document:
            continue
        _hide_in_earlier_versions(measure, comment)
        note = REDACTION_NOTE.format(rows="、".join(str(number) for number in rows))
        correction = ResultsCorrection(
            measure_id=measure.id, note=note, corrected_by_id=actor.id, corrected_at=now
        )
        db.session.add(correction)
        db.session.flush()
        version = current.latest + 1
        store(measure, document, version=version, now=now, actor=actor, correction=correction)
        actions.record(
            "results_redacted",
            measure,
            actor=actor,
            ip=ip,
            now=now,
            version=version,
            correction_id=correction.id,
            rows=rows,
            comment=comment.receipt_number,
        )
        stored += 1
    return stored
