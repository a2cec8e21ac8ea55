"""The committee's disclosures: every approved comment of a scope, redacted by `rules`, with
the keys of `COMMITTEE_FIELDS` and no others (no contact details, no staff notes)."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import func, select

from portal.database import JAPAN
from portal.extensions import db
from portal.models import Comment, CommentStatus
from portal.models.measures import Measure
from portal.models.moderation import CityResponse, CommentMeasureLink
from portal.services.disclosure.rules import Disclosure, Redactions, disclose


def _japan_date(moment) -> str:
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
    from portal.services.committee.summaries import in_scope

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
        .where(Comment.status == CommentStatus.PUBLISHED, in_scope(scope))
        .order_by(*Measure.outline_order(), Comment.id)
        .execution_options(yield_per=batch_size)
    )
    if only_ids is not None:
        query = query.where(Comment.id.in_(only_ids))
    for rows in db.session.execute(query).partitions():
        ids = [row.id for row in rows]
        redactions = Redactions()
        redactions.load(ids)
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
            .order_by(*Measure.outline_order())
        ):
            links.setdefault(cid, []).append(code)
        for row in rows:
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
                    "text": redactions.text(row.id, row.body),
                    "translation_ja": redactions.translation(row.id, row.body),
                    "group_id": row.group_id,
                    "group_size": group_sizes.get(row.group_id) if row.group_id else None,
                    "response_category": response.category if response else None,
                    "response_ja": response.text_ja if response else None,
                },
                "committee",
            )
