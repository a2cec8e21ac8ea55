"""The published results of a measure (行政手続法 Art. 43), built from what `rules` lets out:
figures (counts only), the table of opinions with the city's view, and the annex of full texts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Comment, CommentStatus
from portal.models.comments import ContactDetails
from portal.models.measures import Measure
from portal.models.moderation import CampaignGroup, CityResponse, CommentMeasureLink
from portal.services.disclosure.fingerprint import fingerprint
from portal.services.disclosure.rules import (
    PLACEHOLDER_JA,
    PUBLIC_ANNEX_FIELDS,
    PUBLIC_RESULT_ROW_FIELDS,
    OpenData,
    Redactions,
    may_disclose_text,
    results_are_public,
)


@dataclass(frozen=True)
class ResultsRow(OpenData):
    """One row of the results table: one comment, or a campaign group counted once."""

    FIELDS = PUBLIC_RESULT_ROW_FIELDS

    number: int
    measure_code: str
    reposted_from: str | None  # 再掲: the measure the comment was sent on
    summary: str  # 意見の要旨: the moderator's summary, else the redacted text
    summary_language: str
    count: int  # 同趣旨 N件
    response_category: str | None
    response_ja: str | None
    response_translation: str | None
    response_translation_language: str | None
    response_id: int | None
    member_ids: tuple[int, ...]  # internal: which comments the row stands for, never exported


@dataclass(frozen=True)
class AnnexEntry(OpenData):
    """One approved comment's full text (redacted), as the annex of the results shows it."""

    FIELDS = PUBLIC_ANNEX_FIELDS

    row_number: int
    measure_code: str
    language: str
    text: str
    translation_ja: str | None
    withheld: bool  # part of the text is hidden
    fingerprint: str | None  # of `text`, only when nothing is withheld


@dataclass(frozen=True)
class ResultsFigures:
    """提出者数・意見件数: counts only, never whose or what."""

    people: int
    comments: int
    published: int
    not_published: int
    # Comments not published, per reason (the moderation policy's categories), and published
    # comments with part of their text withheld: the answer to "what did moderation hide?".
    not_published_by_reason: tuple[tuple[str, int], ...] = ()
    partly_withheld: int = 0


@dataclass(frozen=True)
class Results:
    """Everything the published results of one measure show."""

    figures: ResultsFigures
    rows: list[ResultsRow]
    annex: list[AnnexEntry]


def comment_language(comment: Comment) -> str:
    """The `lang` of a comment's text (easy Japanese is written as Japanese)."""
    if comment.declared_language in ("", "other", None):
        return comment.detected_language or "und"
    return "ja" if comment.declared_language == "ja-x-easy" else comment.declared_language


def _redacted_texts(comments: list[Comment], placeholder: str) -> tuple[dict, dict, set]:
    """Redacted bodies, reviewed and redacted Japanese translations of approved comments, and
    the ids of those with part of their text withheld."""
    ids = [c.id for c in comments if may_disclose_text(c)]
    redactions = Redactions(placeholder)
    for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
        redactions.load(chunk)
    bodies, japanese, withheld = {}, {}, set()
    for comment in comments:
        if comment.id not in ids:
            continue
        bodies[comment.id] = redactions.text(comment.id, comment.body)
        if redactions.withheld(comment.id):
            withheld.add(comment.id)
        translation = redactions.translation(comment.id)
        if translation is not None:
            japanese[comment.id] = translation
    return bodies, japanese, withheld


def _people(measure_id: int) -> int:
    """提出者数: comments that give the same email, or the same name and address, are one
    person; a comment with neither counts as one person. Only the count leaves this function."""
    rows = db.session.execute(
        select(Comment.id, ContactDetails.email, ContactDetails.name, ContactDetails.address)
        .outerjoin(ContactDetails, ContactDetails.comment_id == Comment.id)
        .where(Comment.measure_id == measure_id, Comment.status != CommentStatus.WITHDRAWN)
    ).all()
    people = set()
    for cid, email, name, address in rows:
        if email and email.strip():
            people.add(("email", email.strip().lower()))
        elif name and name.strip() and address and address.strip():
            people.add(("name", " ".join(name.split()), " ".join(address.split())))
        else:
            people.add(("comment", cid))
    return len(people)


def _figures(measure: Measure, partly_withheld: int) -> ResultsFigures:
    counts = dict(
        db.session.execute(
            select(Comment.status, func.count())
            .where(Comment.measure_id == measure.id, Comment.status != CommentStatus.WITHDRAWN)
            .group_by(Comment.status)
        ).all()
    )
    return ResultsFigures(
        people=_people(measure.id),
        comments=sum(counts.values()),
        published=counts.get(CommentStatus.PUBLISHED, 0),
        not_published=counts.get(CommentStatus.NOT_PUBLISHED, 0),
        not_published_by_reason=tuple(
            (reason, count)
            for reason, count in db.session.execute(
                select(Comment.rejection_reason, func.count())
                .where(
                    Comment.measure_id == measure.id,
                    Comment.status == CommentStatus.NOT_PUBLISHED,
                )
                .group_by(Comment.rejection_reason)
                .order_by(Comment.rejection_reason)
            )
        ),
        partly_withheld=partly_withheld,
    )


def _units(comments: list[Comment]) -> list[list[Comment]]:
    """Comments in order, a campaign group's members gathered where its first member stands."""
    units: dict[tuple[str, int], list[Comment]] = {}
    for comment in comments:
        key = ("group", comment.group_id) if comment.group_id else ("comment", comment.id)
        units.setdefault(key, []).append(comment)
    return list(units.values())


def build_results(measure: Measure, placeholder: str = PLACEHOLDER_JA) -> Results:
    """The results of `measure` as they are (or will be) published: figures, table, annex.

    Only approved comments appear, redacted; a campaign group is one row with its count;
    comments sent on another measure and linked to this one follow as 再掲 rows. Callers that
    serve the public check `results_are_public` first.
    """
    own = db.session.scalars(
        select(Comment)
        .where(Comment.measure_id == measure.id, Comment.status == CommentStatus.PUBLISHED)
        .order_by(Comment.received_at, Comment.id)
    ).all()
    linked = db.session.scalars(
        select(Comment)
        .join(CommentMeasureLink, CommentMeasureLink.comment_id == Comment.id)
        .where(
            CommentMeasureLink.measure_id == measure.id,
            Comment.measure_id != measure.id,
            Comment.status == CommentStatus.PUBLISHED,
        )
        .order_by(Comment.received_at, Comment.id)
    ).all()
    bodies, japanese, withheld = _redacted_texts(list(own) + list(linked), placeholder)
    responses = _responses(list(own) + list(linked))
    representatives = dict(
        db.session.execute(
            select(CampaignGroup.id, CampaignGroup.representative_comment_id).where(
                CampaignGroup.id.in_(sorted({c.group_id for c in [*own, *linked] if c.group_id}))
            )
        ).all()
    )
    rows: list[ResultsRow] = []
    annex: list[AnnexEntry] = []
    for reposted, comments in ((False, own), (True, linked)):
        for members in _units(list(comments)):
            number = len(rows) + 1
            first = members[0]
            standing = next(
                (m for m in members if m.id == representatives.get(first.group_id)), first
            )
            response = responses.get(("group", first.group_id)) if first.group_id else None
            response = response or responses.get(("comment", standing.id))
            summary = (response.summary or "").strip() if response else ""
            rows.append(
                ResultsRow(
                    number=number,
                    measure_code=measure.code,
                    reposted_from=first.measure.code if reposted else None,
                    summary=summary or bodies[standing.id],
                    summary_language="ja" if summary else comment_language(standing),
                    count=len(members),
                    response_category=response.category if response else None,
                    response_ja=response.text_ja if response else None,
                    response_translation=response.translation if response else None,
                    response_translation_language=(
                        response.translation_language if response and response.translation else None
                    ),
                    response_id=response.id if response else None,
                    member_ids=tuple(m.id for m in members),
                )
            )
            if not reposted:
                annex.extend(
                    AnnexEntry(
                        row_number=number,
                        measure_code=measure.code,
                        language=comment_language(member),
                        text=bodies[member.id],
                        translation_ja=japanese.get(member.id),
                        withheld=member.id in withheld,
                        fingerprint=None
                        if member.id in withheld
                        else fingerprint(bodies[member.id]),
                    )
                    for member in members
                )
    return Results(
        figures=_figures(measure, sum(1 for c in own if c.id in withheld)), rows=rows, annex=annex
    )


def _responses(comments: list[Comment]) -> dict[tuple[str, int], CityResponse]:
    comment_ids = [c.id for c in comments]
    group_ids = list({c.group_id for c in comments if c.group_id})
    found: dict[tuple[str, int], CityResponse] = {}
    for chunk in (comment_ids[i : i + 500] for i in range(0, len(comment_ids), 500)):
        for response in db.session.scalars(
            select(CityResponse).where(CityResponse.comment_id.in_(chunk))
        ):
            found[("comment", response.comment_id)] = response
    if group_ids:
        for response in db.session.scalars(
            select(CityResponse).where(CityResponse.group_id.in_(group_ids))
        ):
            found[("group", response.group_id)] = response
    return found


def results_row_of(comment: Comment, now: datetime) -> int | None:
    """The row number under which an approved comment appears in its measure's published
    results (for its author's receipt page), or None."""
    if not may_disclose_text(comment) or not results_are_public(comment.measure, now):
        return None
    for row in build_results(comment.measure).rows:
        if comment.id in row.member_ids and row.reposted_from is None:
            return row.number
    return None
