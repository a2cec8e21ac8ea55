"""The published results of a measure (行政手続法 Art. 43), built from what `rules` lets out:
figures (counts only), the table of opinions with the city's view, and the annex of full texts,
as a `snapshot` document (the form that is stored when the results are published).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Comment, CommentStatus
from portal.models.comments import ContactDetails
from portal.models.measures import Measure, MeasureText
from portal.models.moderation import CampaignGroup, CityResponse, CommentMeasureLink
from portal.services.disclosure import snapshot
from portal.services.disclosure.fingerprint import fingerprint
from portal.services.disclosure.rules import (
    PLACEHOLDER_JA,
    Redactions,
    hidden_strings,
    may_disclose_text,
    merge_spans,
    spans_of,
    stored_translation,
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


def _units(comments: list[Comment]) -> list[list[Comment]]:
    """Comments in order, a campaign group's members gathered where its first member stands."""
    units: dict[tuple[str, int], list[Comment]] = {}
    for comment in comments:
        key = ("group", comment.group_id) if comment.group_id else ("comment", comment.id)
        units.setdefault(key, []).append(comment)
    return list(units.values())


def _plain(text: str | None) -> list[str] | None:
    return None if text is None else [text]


def results_document(measure: Measure) -> dict:
    """The results of `measure` as they are now, serialised (`snapshot.FORMAT`): what the
    draft shows and what `services.results` stores when it publishes.

    Only approved comments appear, redacted; a campaign group is one row with its count;
    comments sent on another measure and linked to this one follow as 再掲 rows.
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
    texts = _redacted_texts(list(own) + list(linked))
    responses = _responses(list(own) + list(linked))
    representatives = dict(
        db.session.execute(
            select(CampaignGroup.id, CampaignGroup.representative_comment_id).where(
                CampaignGroup.id.in_(sorted({c.group_id for c in [*own, *linked] if c.group_id}))
            )
        ).all()
    )
    rows: list[dict] = []
    annex: list[dict] = []
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
            translated = response is not None and bool(response.translation)
            rows.append(
                {
                    "number": number,
                    "measure_code": measure.code,
                    "reposted_from": first.measure.code if reposted else None,
                    "summary": [summary] if summary else texts[standing.id].body,
                    "summary_language": "ja" if summary else comment_language(standing),
                    "summary_of": None if summary else standing.id,
                    "summary_spans": None if summary else texts[standing.id].body_spans,
                    "count": len(members),
                    "response_category": response.category if response else None,
                    "response_ja": _plain(response.text_ja) if response else None,
                    "response_translation": _plain(response.translation) if translated else None,
                    "response_translation_language": (
                        response.translation_language if translated else None
                    ),
                    "response_id": response.id if response else None,
                    "members": [m.id for m in members],
                }
            )
            if not reposted:
                annex.extend(
                    {
                        "row_number": number,
                        "measure_code": measure.code,
                        "language": comment_language(member),
                        "comment": member.id,
                        "text": texts[member.id].body,
                        "text_spans": texts[member.id].body_spans,
                        "translation_ja": texts[member.id].translation,
                        "translation_spans": texts[member.id].translation_spans,
                        # A fingerprint only of a text with nothing withheld: a short hidden
                        # part would be found by trying every value (fingerprint.py).
                        "withheld": bool(texts[member.id].body_spans),
                        "fingerprint": None
                        if texts[member.id].body_spans
                        else fingerprint(member.body),
                    }
                    for member in members
                )
    withheld = {entry["comment"] for entry in annex if entry["withheld"]}
    return snapshot.format_1_as_2(
        {
            "format": 1,
            "measure": _measure(measure),
            "figures": _figures(measure, len(withheld)),
            "rows": rows,
            "annex": annex,
        }
    )


def build_results(
    measure: Measure, placeholder: str = PLACEHOLDER_JA, locale: str = "ja"
) -> Results:
    """The results of `measure` as they would be published now (the admin's draft). Published
    results are read from their stored snapshot (`services.results.snapshots`), never here."""
    return snapshot.results_from(results_document(measure), placeholder, locale)


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


def rehidden(document: dict, comment: Comment) -> tuple[dict, list[int]]:
    """A published `document` after more of `comment` was hidden: its texts of the comment
    hidden again with every span hidden now (never fewer than before), and every word hidden
    in the comment taken out of the texts a moderator or the city wrote for its rows (a
    summary, a response may quote it). Returns the new document and the numbers of the rows
    whose texts changed; the document given is left as it was."""
    new = copy.deepcopy(document)
    body_spans = spans_of(comment.id, "body")
    words = hidden_strings(comment.body, body_spans)
    translation = stored_translation(comment.id)
    translation_hidden: list[tuple[int, int]] = []
    if translation is not None:
        translation_hidden = translation_spans(
            translation, spans_of(comment.id, "translation"), comment.body, body_spans
        )
        words = sorted(
            {*words, *hidden_strings(translation, translation_hidden)},
            key=lambda word: (-len(word), word),
        )
    changed: set[int] = set()
    for row in new["rows"]:
        if comment.id not in row["members"]:
            continue
        before = (row["summary"], row["response_ja"], row["response_translation"])
        if row["summary_of"] == comment.id:
            row["summary"], row["summary_spans"] = snapshot.rehidden_text(
                row["summary"], row["summary_spans"], comment.body, body_spans, words
            )
        else:
            row["summary"] = snapshot.hide_words(row["summary"], words)
        row["response_ja"] = snapshot.hide_words(row["response_ja"], words)
        row["response_translation"] = snapshot.hide_words(row["response_translation"], words)
        if (row["summary"], row["response_ja"], row["response_translation"]) != before:
            changed.add(row["number"])
    for entry in new["annex"]:
        if entry["comment"] != comment.id:
            continue
        before = (entry["text"], entry["translation_ja"])
        entry["text"], entry["text_spans"] = snapshot.rehidden_text(
            entry["text"], entry["text_spans"], comment.body, body_spans, words
        )
        if entry["translation_ja"] is not None:
            entry["translation_ja"], entry["translation_spans"] = snapshot.rehidden_text(
                entry["translation_ja"],
                entry["translation_spans"],
                translation,
                translation_hidden,
                words,
            )
        if (entry["text"], entry["translation_ja"]) != before:
            changed.add(entry["row_number"])
        if entry["text"] != before[0]:
            entry["withheld"], entry["fingerprint"] = True, None
    new["figures"]["partly_withheld"] = len(
        {entry["comment"] for entry in new["annex"] if entry.get("withheld")}
    )
    return new, sorted(changed)
