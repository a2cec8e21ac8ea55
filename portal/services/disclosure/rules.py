"""The rule itself: which words of a comment may leave the staff side, redacted how, and the
allow-lists that name the only keys an audience may receive.

Everything that shows or exports a comment's text outside the staff screens gets it from a
function of this module; `results` and `committee` only arrange what these functions return.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar, NamedTuple

from sqlalchemy import bindparam, select

from portal.extensions import db
from portal.models import Comment, CommentStatus, CommentTranslation, Redaction
from portal.models.measures import Measure
from portal.services.disclosure.fingerprint import fingerprint

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
# What the open data of a measure's results (行政手続法 Art. 43) holds for each row of the
# table, and for each comment of the annex: these keys and no others.
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
    "part",
    "part_label",
)
# `withheld`: part of the text is hidden; `fingerprint`: of the text as published, only when
# nothing is withheld (see fingerprint.py).
PUBLIC_ANNEX_FIELDS = (
    "row_number",
    "measure_code",
    "language",
    "text",
    "translation_ja",
    "withheld",
    "fingerprint",
    "row_numbers",
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


def occurrences(text: str, needle: str) -> list[tuple[int, int]]:
    """Every place `needle` appears in `text` (non-overlapping), as code-point spans."""
    spans, start = [], 0
    if not needle:
        return spans
    while (found := text.find(needle, start)) >= 0:
        spans.append((found, found + len(needle)))
        start = found + len(needle)
    return spans


def hidden_strings(body: str, spans: list[tuple[int, int]]) -> list[str]:
    """The words a moderator hid in a comment's body, each once, longest first."""
    words = {body[start:end] for start, end in merge_spans(spans) if body[start:end].strip()}
    return sorted(words, key=lambda word: (-len(word), word))


def translation_spans(
    translation: str,
    own: list[tuple[int, int]],
    body: str,
    body_spans: list[tuple[int, int]],
) -> list[tuple[int, int]]:
    """What is hidden in a translation: its own hidden spans, and every place it repeats a
    word hidden in the body (a name or a number reads the same in both texts)."""
    carried = [
        span for word in hidden_strings(body, body_spans) for span in occurrences(translation, word)
    ]
    return merge_spans(list(own) + carried)


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


def stored_translation(comment_id: int) -> str | None:
    """The text of a comment's Japanese translation as stored (reviewed or not), or None."""
    return db.session.scalar(
        select(CommentTranslation.text).where(
            CommentTranslation.comment_id == comment_id, CommentTranslation.language == "ja"
        )
    )


def may_disclose_text(comment: Comment) -> bool:
    """Only an approved comment's words ever leave the staff side."""
    return comment.status == CommentStatus.PUBLISHED


def results_are_public(measure: Measure, now: datetime) -> bool:
    """Nothing of a measure's comments is public until an admin has published its results."""
    return measure.results_published_at is not None and measure.results_published_at <= now


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
    spans = translation_spans(
        translation.text,
        spans_of(comment.id, "translation"),
        comment.body,
        spans_of(comment.id, "body"),
    )
    return redact(translation.text, spans, placeholder)


def fingerprint_for_author(comment: Comment) -> str | None:
    """The fingerprint of the comment as received, for its author's receipt pages; None once
    a moderator has hidden part of it (the fingerprint would reveal the hidden words)."""
    if spans_of(comment.id, "body"):
        return None
    return fingerprint(comment.body)


def own_text_for_author(comment: Comment, placeholder: str) -> str:
    """What the receipt page shows of the comment: its text with every span a moderator hid.

    The key holder wrote the text, but a key can be shared or stolen: a hidden span (a
    neighbour's name, a phone number) leaves the staff side nowhere, this page included.
    """
    return redact(comment.body, spans_of(comment.id, "body"), placeholder)


def author_receipt_view(
    body: str, hidden: list[tuple[int, int]], placeholder: str
) -> tuple[str, str | None]:
    """`own_text_for_author` and `fingerprint_for_author` from a body and its hidden spans
    already read (the fresh receipt reads both in the statement that checks the key)."""
    return redact(body, hidden, placeholder), (None if hidden else fingerprint(body))


# Built once (a statement built per batch spends longer on its IN list than the database).
_BATCH_SPANS = select(Redaction.comment_id, Redaction.field, Redaction.start, Redaction.end).where(
    Redaction.comment_id.in_(bindparam("ids", expanding=True))
)
_BATCH_TRANSLATIONS = select(
    CommentTranslation.comment_id, CommentTranslation.text, CommentTranslation.reviewed_at
).where(
    CommentTranslation.comment_id.in_(bindparam("ids", expanding=True)),
    CommentTranslation.language == "ja",
)


class _Translation(NamedTuple):
    """A stored Japanese translation as `Redactions` needs it."""

    text: str
    publishable: bool


class Redactions:
    """`public_text` and `public_translation` for many approved comments at once: the hidden
    spans and Japanese translations of each batch are read in one query each (`load`).

    Callers pass the ids of approved comments only (`may_disclose_text`).
    """

    def __init__(self, placeholder: str = PLACEHOLDER_JA) -> None:
        self.placeholder = placeholder
        self._spans: dict[tuple[int, str], list[tuple[int, int]]] = {}
        self._translations: dict[int, _Translation] = {}

    def load(self, ids: list[int]) -> None:
        """Read the spans and the Japanese translations of `ids` (a few hundred at a time)."""
        for cid, field, start, end in db.session.execute(_BATCH_SPANS, {"ids": ids}):
            self._spans.setdefault((cid, field), []).append((start, end))
        # Columns, not ORM objects: an export reads this for a million comments.
        for cid, text, reviewed_at in db.session.execute(_BATCH_TRANSLATIONS, {"ids": ids}):
            self._translations[cid] = _Translation(text, reviewed_at is not None)

    def spans(self, comment_id: int, field: str) -> list[tuple[int, int]]:
        """The hidden spans of one field ("body" or "translation") of a loaded comment."""
        return list(self._spans.get((comment_id, field), []))

    def publishable_translation(self, comment_id: int) -> str | None:
        """The stored text of the translation, if a person confirmed it (not yet redacted)."""
        translation = self._translations.get(comment_id)
        if translation is None or not translation.publishable:
            return None
        return translation.text

    def text(self, comment_id: int, body: str) -> str:
        """The comment's text with every hidden span a placeholder."""
        return redact(body, self._spans.get((comment_id, "body"), []), self.placeholder)

    def withheld(self, comment_id: int) -> bool:
        """True when part of the comment's text is hidden."""
        return bool(self._spans.get((comment_id, "body")))

    def translation(self, comment_id: int, body: str) -> str | None:
        """The reviewed Japanese translation, redacted the same way (its own hidden spans and
        every word hidden in the `body`), or None."""
        translation = self._translations.get(comment_id)
        if translation is None or not translation.publishable:
            return None
        spans = translation_spans(
            translation.text,
            self._spans.get((comment_id, "translation"), []),
            body,
            self._spans.get((comment_id, "body"), []),
        )
        return redact(translation.text, spans, self.placeholder)


@dataclass(frozen=True)
class Disclosure:
    """One approved comment as an audience may receive it (keys from the allow-list only)."""

    fields: dict

    def __getitem__(self, key: str):
        return self.fields[key]


def disclose(values: dict, audience: str) -> Disclosure:
    """Keep only the keys `audience` may receive ("committee" or "public")."""
    allowed = _ALLOWED[audience]
    if values.keys() == allowed:  # exactly the allow-list (a set comparison, in C): as is
        return Disclosure(dict(values))
    return Disclosure({key: values.get(key) for key in _ORDER[audience]})


_ORDER = {"committee": COMMITTEE_FIELDS, "public": PUBLIC_FIELDS}
_ALLOWED = {audience: frozenset(fields) for audience, fields in _ORDER.items()}


class OpenData:
    """A record of the published results whose open data is its allow-list `FIELDS` and
    nothing else it carries."""

    FIELDS: ClassVar[tuple[str, ...]] = ()

    def public_fields(self) -> dict:
        """The record as open data (allow-list only)."""
        return {key: getattr(self, key) for key in self.FIELDS}
