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

from dataclasses import dataclass

from sqlalchemy import select

from portal.extensions import db
from portal.models import Comment, CommentStatus, CommentTranslation, Redaction

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
