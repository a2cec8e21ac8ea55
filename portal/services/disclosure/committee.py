"""The committee's disclosures: every approved comment of a scope, redacted by `rules`, with
the keys of `COMMITTEE_FIELDS` and no others (no contact details, no staff notes)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from sqlalchemy import bindparam, func, select

from portal.extensions import db
from portal.models import Comment, CommentStatus
from portal.models.measures import Measure
from portal.models.moderation import CityResponse, CommentMeasureLink
from portal.services.disclosure.rules import Disclosure, Redactions, disclose

_JAPAN_OFFSET = timedelta(hours=9)

# Built once: a statement made per batch spent more time building its IN list than the
# database spent answering it. Columns only, no ORM objects.
_IDS = bindparam("ids", expanding=True)
_OWN_RESPONSES = select(CityResponse.comment_id, CityResponse.category, CityResponse.text_ja).where(
    CityResponse.comment_id.in_(_IDS)
)
_GROUP_RESPONSES = select(CityResponse.group_id, CityResponse.category, CityResponse.text_ja).where(
    CityResponse.group_id.in_(_IDS)
)
_LINKS = (
    select(CommentMeasureLink.comment_id, Measure.code)
    .join(Measure, Measure.id == CommentMeasureLink.measure_id)
    .where(CommentMeasureLink.comment_id.in_(_IDS))
    .order_by(*Measure.outline_order())
)


def _japan_date(moment) -> str:
    # Japan has kept UTC+9 without summer time since 1951: an addition, not a zone lookup
    # per row of a million-row export. The comment's date in the city's calendar.
    return (moment + _JAPAN_OFFSET).date().isoformat()


def committee_disclosures(
    scope, batch_size: int = 2000, only_ids: list[int] | None = None
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
            cid: (category, text)
            for cid, category, text in db.session.execute(_OWN_RESPONSES, {"ids": ids})
        }
        group_ids = list({row.group_id for row in rows if row.group_id is not None})
        by_group = (
            {
                gid: (category, text)
                for gid, category, text in db.session.execute(_GROUP_RESPONSES, {"ids": group_ids})
            }
            if group_ids
            else {}
        )
        links: dict[int, list[str]] = {}
        for cid, code in db.session.execute(_LINKS, {"ids": ids}):
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
                    "response_category": response[0] if response else None,
                    "response_ja": response[1] if response else None,
                },
                "committee",
            )
