"""The one module that decides what may leave the staff side, and in what form.

Every page outside the staff screens and every export builds what it shows from here. The rule:
- a comment's text leaves only when the comment is approved (status ``published``), and always
  with its redactions applied (each hidden span becomes a placeholder);
- its Japanese translation leaves only when a person wrote or reviewed it, redacted the same way;
- contact details, access keys, staff notes and the unredacted text never leave; comments that
  are pending, held, rejected or withdrawn leave only as counts.

`COMMITTEE_FIELDS` and `PUBLIC_FIELDS` are the allow-lists: an export writes these keys and no
others.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import (
    CityResponse,
    Comment,
    CommentMeasureLink,
    CommentStatus,
    CommentTranslation,
    Measure,
    PriorityArea,
    Redaction,
)

PLACEHOLDER_JA = "[非公開]"

# What the external committee may receive for each approved comment.
COMMITTEE_FIELDS = (
    "receipt_number",
    "measure_code",
    "also_concerns",
    "received_on",
    "channel",
    "language",
    "respondent_type",
    "age_band",
    "district",
    "position",
    "text",
    "translation_ja",
    "group_id",
    "group_size",
    "response_category",
    "response_ja",
)
# What anyone may read once a measure's results are published.
PUBLIC_FIELDS = (
    "measure_code",
    "language",
    "text",
    "translation_ja",
    "response_category",
    "response_ja",
    "group_size",
)


def merge_spans(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping or touching spans as one, in order."""
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def redact(text: str, spans: list[tuple[int, int]], placeholder: str = PLACEHOLDER_JA) -> str:
    """`text` with every span (code-point offsets, end exclusive) replaced by `placeholder`."""
    pieces, position = [], 0
    for start, end in merge_spans([(max(0, s), min(len(text), e)) for s, e in spans if e > s]):
        pieces.append(text[position:start])
        pieces.append(placeholder)
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


def spans_of(comment_id: int, field: str) -> list[tuple[int, int]]:
    """The redacted spans of one field ("body" or "translation") of a comment."""
    return [
        (start, end)
        for start, end in db.session.execute(
            select(Redaction.start, Redaction.end).where(
                Redaction.comment_id == comment_id, Redaction.field == field
            )
        )
    ]


def may_disclose_text(comment: Comment) -> bool:
    """Only an approved comment's words ever leave the staff side."""
    return comment.status == CommentStatus.PUBLISHED


def public_text(comment: Comment, placeholder: str = PLACEHOLDER_JA) -> str | None:
    """The comment's text as it may be shown outside the staff side, or None."""
    if not may_disclose_text(comment):
        return None
    return redact(comment.body, spans_of(comment.id, "body"), placeholder)


def public_translation(comment: Comment, placeholder: str = PLACEHOLDER_JA) -> str | None:
    """The reviewed Japanese translation, redacted, or None."""
    if not may_disclose_text(comment):
        return None
    translation = db.session.scalar(
        select(CommentTranslation).where(
            CommentTranslation.comment_id == comment.id, CommentTranslation.language == "ja"
        )
    )
    if translation is None or not translation.publishable:
        return None
    return redact(translation.text, spans_of(comment.id, "translation"), placeholder)


def own_text_for_author(comment: Comment, placeholder: str) -> str:
    """What the receipt page shows of the comment: its text with every span a moderator hid.

    The key holder wrote the text, but a key can be shared or stolen: a hidden span (a
    neighbour's name, a phone number) leaves the staff side nowhere, this page included.
    """
    return redact(comment.body, spans_of(comment.id, "body"), placeholder)


@dataclass(frozen=True)
class Disclosure:
    """One approved comment as an audience may receive it (keys from the allow-list only)."""

    fields: dict

    def __getitem__(self, key: str):
        return self.fields[key]


def disclose(values: dict, audience: str) -> Disclosure:
    """Keep only the keys `audience` may receive ("committee" or "public")."""
    allowed = {"committee": COMMITTEE_FIELDS, "public": PUBLIC_FIELDS}[audience]
    return Disclosure({key: values.get(key) for key in allowed})


def _japan_date(moment) -> str:
    from portal.database import JAPAN

    return moment.astimezone(JAPAN).date().isoformat()


def committee_disclosures(
    scope, batch_size: int = 1000, only_ids: list[int] | None = None
) -> Iterator[Disclosure]:
    """Every approved comment of `scope` (a `summaries.Scope`) as the committee may receive it.

    Streams: comments are read `batch_size` at a time (``yield_per``) and the redactions,
    reviewed translations, responses and links of each batch are fetched in one query each, so
    memory stays flat whatever the number of comments. Only approved comments are read at all:
    the text of any other comment never enters this generator. `only_ids` narrows it to a
    page of comments.
    """
    from portal.services.summaries import in_scope

    group_sizes = dict(
        db.session.execute(
            select(Comment.group_id, func.count(Comment.id))
            .where(Comment.group_id.is_not(None), Comment.status == CommentStatus.PUBLISHED)
            .group_by(Comment.group_id)
        ).all()
    )
    query = (
        select(
            Comment.id,
            Comment.receipt_number,
            Measure.code,
            Comment.received_at,
            Comment.channel,
            Comment.declared_language,
            Comment.respondent_type,
            Comment.age_band,
            Comment.district,
            Comment.position,
            Comment.body,
            Comment.group_id,
        )
        .join(Measure, Measure.id == Comment.measure_id)
        .join(PriorityArea, PriorityArea.id == Measure.area_id)
        .where(Comment.status == CommentStatus.PUBLISHED, in_scope(scope))
        .order_by(PriorityArea.number, Measure.number, Comment.id)
        .execution_options(yield_per=batch_size)
    )
    if only_ids is not None:
        query = query.where(Comment.id.in_(only_ids))
    for rows in db.session.execute(query).partitions():
        ids = [row.id for row in rows]
        spans: dict[tuple[int, str], list[tuple[int, int]]] = {}
        for cid, field_name, start, end in db.session.execute(
            select(Redaction.comment_id, Redaction.field, Redaction.start, Redaction.end).where(
                Redaction.comment_id.in_(ids)
            )
        ):
            spans.setdefault((cid, field_name), []).append((start, end))
        translations = {
            t.comment_id: t
            for t in db.session.scalars(
                select(CommentTranslation).where(
                    CommentTranslation.comment_id.in_(ids), CommentTranslation.language == "ja"
                )
            )
        }
        own = {
            r.comment_id: r
            for r in db.session.scalars(
                select(CityResponse).where(CityResponse.comment_id.in_(ids))
            )
        }
        group_ids = {row.group_id for row in rows if row.group_id is not None}
        by_group = (
            {
                r.group_id: r
                for r in db.session.scalars(
                    select(CityResponse).where(CityResponse.group_id.in_(group_ids))
                )
            }
            if group_ids
            else {}
        )
        links: dict[int, list[str]] = {}
        for cid, code in db.session.execute(
            select(CommentMeasureLink.comment_id, Measure.code)
            .join(Measure, Measure.id == CommentMeasureLink.measure_id)
            .where(CommentMeasureLink.comment_id.in_(ids))
            .order_by(Measure.area_id, Measure.number)
        ):
            links.setdefault(cid, []).append(code)
        for row in rows:
            translation = translations.get(row.id)
            response = own.get(row.id) or by_group.get(row.group_id)
            yield disclose(
                {
                    "receipt_number": row.receipt_number,
                    "measure_code": row.code,
                    "also_concerns": links.get(row.id, []),
                    "received_on": _japan_date(row.received_at),
                    "channel": row.channel,
                    "language": row.declared_language,
                    "respondent_type": row.respondent_type,
                    "age_band": row.age_band,
                    "district": row.district,
                    "position": row.position,
                    "text": redact(row.body, spans.get((row.id, "body"), [])),
                    "translation_ja": (
                        redact(translation.text, spans.get((row.id, "translation"), []))
                        if translation is not None and translation.publishable
                        else None
                    ),
                    "group_id": row.group_id,
                    "group_size": group_sizes.get(row.group_id) if row.group_id else None,
                    "response_category": response.category if response else None,
                    "response_ja": response.text_ja if response else None,
                },
                "committee",
            )
