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
from datetime import datetime

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Comment, CommentStatus, CommentTranslation, PriorityArea, Redaction
from portal.models.comments import ContactDetails
from portal.models.measures import Measure
from portal.models.moderation import CampaignGroup, CityResponse, CommentMeasureLink

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


# --- published results (行政手続法 Art. 43) -------------------------------------------------

# What the open data of a measure's results holds for each row of the table, and for each
# comment of the annex: these keys and no others.
PUBLIC_RESULT_ROW_FIELDS = (
    "number",
    "measure_code",
    "reposted_from",
    "summary",
    "summary_language",
    "count",
    "response_category",
    "response_ja",
    "response_translation",
    "response_translation_language",
)
PUBLIC_ANNEX_FIELDS = ("row_number", "measure_code", "language", "text", "translation_ja")


def results_are_public(measure: Measure, now: datetime) -> bool:
    """Nothing of a measure's comments is public until an admin has published its results."""
    return measure.results_published_at is not None and measure.results_published_at <= now


@dataclass(frozen=True)
class ResultsRow:
    """One row of the results table: one comment, or a campaign group counted once."""

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

    def public_fields(self) -> dict:
        """The row as open data (allow-list only)."""
        return {key: getattr(self, key) for key in PUBLIC_RESULT_ROW_FIELDS}


@dataclass(frozen=True)
class AnnexEntry:
    """One approved comment's full text (redacted), as the annex of the results shows it."""

    row_number: int
    measure_code: str
    language: str
    text: str
    translation_ja: str | None

    def public_fields(self) -> dict:
        """The entry as open data (allow-list only)."""
        return {key: getattr(self, key) for key in PUBLIC_ANNEX_FIELDS}


@dataclass(frozen=True)
class ResultsFigures:
    """提出者数・意見件数: counts only, never whose or what."""

    people: int
    comments: int
    published: int
    not_published: int


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


def _redacted_texts(comments: list[Comment], placeholder: str) -> tuple[dict, dict]:
    """Redacted bodies and reviewed, redacted Japanese translations of approved comments."""
    ids = [c.id for c in comments if may_disclose_text(c)]
    spans: dict[tuple[int, str], list[tuple[int, int]]] = {}
    translations: dict[int, CommentTranslation] = {}
    for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
        for cid, field, start, end in db.session.execute(
            select(Redaction.comment_id, Redaction.field, Redaction.start, Redaction.end).where(
                Redaction.comment_id.in_(chunk)
            )
        ):
            spans.setdefault((cid, field), []).append((start, end))
        for translation in db.session.scalars(
            select(CommentTranslation).where(
                CommentTranslation.comment_id.in_(chunk), CommentTranslation.language == "ja"
            )
        ):
            translations[translation.comment_id] = translation
    bodies, japanese = {}, {}
    for comment in comments:
        if comment.id not in ids:
            continue
        bodies[comment.id] = redact(comment.body, spans.get((comment.id, "body"), []), placeholder)
        translation = translations.get(comment.id)
        if translation is not None and translation.publishable:
            japanese[comment.id] = redact(
                translation.text, spans.get((comment.id, "translation"), []), placeholder
            )
    return bodies, japanese


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


def _figures(measure: Measure) -> ResultsFigures:
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
    bodies, japanese = _redacted_texts(list(own) + list(linked), placeholder)
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
                    )
                    for member in members
                )
    return Results(figures=_figures(measure), rows=rows, annex=annex)


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
