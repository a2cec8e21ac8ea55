"""The published results of a measure (行政手続法 Art. 43), built from what `rules` lets out:
figures (counts only), the table of opinions with the city's view, and the annex of full texts,
as a `snapshot` document (the form that is stored when the results are published).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Comment, CommentStatus
from portal.models.comments import ContactDetails
from portal.models.items import ResultRow, ResultRowTranslation
from portal.models.measures import Measure, MeasureText
from portal.models.moderation import CommentMeasureLink, ResponseCategory, TranslationMethod
from portal.services.disclosure import result_rows, snapshot
from portal.services.disclosure.fingerprint import fingerprint
from portal.services.disclosure.rules import (
    PLACEHOLDER_JA,
    Redactions,
    may_disclose_text,
    merge_spans,
    translation_spans,
)
from portal.services.disclosure.snapshot import Results


def comment_language(comment: Comment) -> str:
    """The `lang` of a comment's text (easy Japanese is written as Japanese)."""
    if comment.declared_language in ("", "other", None):
        return comment.detected_language or "und"
    return "ja" if comment.declared_language == "ja-x-easy" else comment.declared_language


@dataclass(frozen=True)
class _Texts:
    """A comment's texts as they may leave: visible pieces, and the offsets hidden in them."""

    body: list[str]
    body_spans: list[list[int]]
    translation: list[str] | None
    translation_spans: list[list[int]] | None


def _redacted_texts(comments: list[Comment]) -> dict[int, _Texts]:
    """The redacted body and reviewed, redacted Japanese translation of approved comments."""
    ids = [c.id for c in comments if may_disclose_text(c)]
    redactions = Redactions()
    for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
        redactions.load(chunk)
    disclosed = set(ids)
    texts = {}
    for comment in comments:
        if comment.id not in disclosed:
            continue
        body_spans = redactions.spans(comment.id, "body")
        translation = redactions.publishable_translation(comment.id)
        hidden = (
            translation_spans(
                translation, redactions.spans(comment.id, "translation"), comment.body, body_spans
            )
            if translation is not None
            else None
        )
        texts[comment.id] = _Texts(
            body=snapshot.pieces(comment.body, body_spans),
            body_spans=[list(span) for span in merge_spans(body_spans)],
            translation=snapshot.pieces(translation, hidden) if translation is not None else None,
            translation_spans=[list(span) for span in hidden] if hidden is not None else None,
        )
    return texts


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


def _figures(measure: Measure, partly_withheld: int) -> dict:
    counts = dict(
        db.session.execute(
            select(Comment.status, func.count())
            .where(Comment.measure_id == measure.id, Comment.status != CommentStatus.WITHDRAWN)
            .group_by(Comment.status)
        ).all()
    )
    return {
        "people": _people(measure.id),
        "comments": sum(counts.values()),
        "published": counts.get(CommentStatus.PUBLISHED, 0),
        "not_published": counts.get(CommentStatus.NOT_PUBLISHED, 0),
        # Comments not published, per reason (the moderation policy's categories), and published
        # comments with part of their text withheld: the answer to "what did moderation hide?".
        "not_published_by_reason": [
            [reason, count]
            for reason, count in db.session.execute(
                select(Comment.rejection_reason, func.count())
                .where(
                    Comment.measure_id == measure.id,
                    Comment.status == CommentStatus.NOT_PUBLISHED,
                )
                .group_by(Comment.rejection_reason)
                .order_by(Comment.rejection_reason)
            )
        ],
        "partly_withheld": partly_withheld,
    }


def _measure(measure: Measure) -> dict:
    """What the pages say of the measure itself: its titles in every locale, its period."""
    titles = dict(
        db.session.execute(
            select(MeasureText.locale, MeasureText.title)
            .where(MeasureText.measure_id == measure.id)
            .order_by(MeasureText.locale)
        ).all()
    )
    return {
        "code": measure.code,
        "titles": titles,
        "opens_at": snapshot.iso(measure.opens_at),
        "closes_at": snapshot.iso(measure.closes_at),
    }


def _plain(text: str | None) -> list[str] | None:
    return None if text is None else [text]


def _summary(entry: result_rows.Entry, texts: dict[int, _Texts]) -> dict:
    """意見の要旨: what staff wrote for the row or its first item, else the first item's text
    (redacted)."""
    written = (entry.row.summary or "").strip() if entry.row is not None else ""
    first = entry.units[0]
    written = written or (first.summary or "").strip()
    if written:
        return {
            "summary": [written],
            "summary_language": "ja",
            "summary_of": None,
            "summary_spans": None,
        }
    body = texts[first.comment.id]
    whole = first.whole
    return {
        "summary": body.body
        if whole
        else result_rows.item_pieces(first.comment.body, first.spans, body.body_spans),
        "summary_language": comment_language(first.comment),
        "summary_of": first.comment.id,
        "summary_spans": body.body_spans if whole else None,
    }


def _answer(entry: result_rows.Entry) -> dict:
    """対応区分 and 市の考え方: the written row's, else (one item alone) its comment's response."""
    if entry.row is not None:
        return {
            "response_category": entry.row.category,
            "response_ja": _plain(entry.row.text_ja),
            "response_translation": None,
            "response_translation_language": None,
            "response_id": None,
            "row_id": entry.row.id,
            "translations": _translations(entry.row),
        }
    unit = entry.units[0]
    response = unit.response if not unit.explicit else None
    translated = response is not None and bool(response.translation)
    return {
        "response_category": response.category if response else None,
        "response_ja": _plain(response.text_ja) if response else None,
        "response_translation": _plain(response.translation) if translated else None,
        "response_translation_language": response.translation_language if translated else None,
        "response_id": response.id if response else None,
        "row_id": None,
        "translations": {},
    }


def _translations(row: ResultRow) -> dict:
    """A written row's translations a person wrote or reviewed, per locale."""
    return {
        t.locale: {
            "summary": _plain(t.summary),
            "response": _plain(t.response),
            "method": t.method,
        }
        for t in db.session.scalars(
            select(ResultRowTranslation)
            .where(ResultRowTranslation.row_id == row.id)
            .order_by(ResultRowTranslation.locale)
        )
        if t.method == TranslationMethod.HUMAN or t.reviewed_at is not None
    }


def results_document(measure: Measure) -> dict:
    """The results of `measure` as they are now, serialised (`snapshot.FORMAT`): what the
    draft shows and what `services.results` stores when it publishes.

    Only approved comments appear, redacted, counted per opinion item (`results.items`): a
    row is a 同趣旨 row staff made, or one item standing alone; items of comments sent on
    another measure and linked to this one follow as 再掲 rows.
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
    labels = result_rows.Labels(measure)
    entries, own_units, foreign = result_rows.entries(measure, list(own), list(linked), labels)
    texts = _redacted_texts([*own, *linked, *foreign])
    rows: list[dict] = []
    rows_of: dict[int, list[int]] = {}  # comment id -> the rows holding its items
    counted: dict[int, dict] = {}  # unit key -> its own row (where it counts)
    for number, entry in enumerate(entries, start=1):
        members = list(dict.fromkeys(m.id for unit in entry.units for m in unit.members))
        row = {
            "number": number,
            "measure_code": measure.code,
            "part": entry.part,
            "part_labels": labels.of(entry.part),
            "reposted_from": entry.reposted_from,
            **_summary(entry, texts),
            "count": sum(unit.count for unit in entry.units),
            **_answer(entry),
            "members": members,
            "items": [unit.key for unit in entry.units],
        }
        rows.append(row)
        for unit in entry.home:
            counted[unit.key] = row
        for member in members:
            rows_of.setdefault(member, []).append(number)
    by_category: dict[str, int] = {}
    by_part: dict[str, int] = {}
    for unit in own_units:
        row = counted.get(unit.key)
        if row is None:
            continue
        if row["response_category"]:
            by_category[row["response_category"]] = (
                by_category.get(row["response_category"], 0) + unit.count
            )
        by_part[row["part"]] = by_part.get(row["part"], 0) + unit.count
    annex = [
        {
            "row_number": min(rows_of[comment.id]),
            "row_numbers": sorted(set(rows_of[comment.id])),
            "measure_code": measure.code,
            "language": comment_language(comment),
            "comment": comment.id,
            "text": texts[comment.id].body,
            "text_spans": texts[comment.id].body_spans,
            "translation_ja": texts[comment.id].translation,
            "translation_spans": texts[comment.id].translation_spans,
            # A fingerprint only of a text with nothing withheld: a short hidden part would be
            # found by trying every value (fingerprint.py).
            "withheld": bool(texts[comment.id].body_spans),
            "fingerprint": None if texts[comment.id].body_spans else fingerprint(comment.body),
        }
        for comment in sorted(
            (c for c in own if c.id in rows_of), key=lambda c: (min(rows_of[c.id]),)
        )
    ]
    withheld = {entry["comment"] for entry in annex if entry["withheld"]}
    figures = _figures(measure, len(withheld))
    # M of "N人からM件" counts every opinion received, as N counts every person: the published
    # items, and each comment not published as one (it is counted, never split or shown).
    figures["items"] = sum(unit.count for unit in own_units) + figures["not_published"]
    figures["by_category"] = [
        [category.value, by_category[category.value]]
        for category in ResponseCategory
        if category.value in by_category
    ]
    figures["by_part"] = [
        [key, count] for key, count in sorted(by_part.items(), key=lambda kv: labels.place(kv[0]))
    ]
    return {
        "format": snapshot.FORMAT,
        "measure": _measure(measure),
        "figures": figures,
        "rows": rows,
        "annex": annex,
    }


def build_results(
    measure: Measure, placeholder: str = PLACEHOLDER_JA, locale: str = "ja"
) -> Results:
    """The results of `measure` as they would be published now (the admin's draft). Published
    results are read from their stored snapshot (`services.results.snapshots`), never here."""
    return snapshot.results_from(results_document(measure), placeholder, locale)
