"""Hiding spans of a comment (or of its translation) before anything of it leaves the staff side.

What is hidden is applied in one place only, `portal.services.disclosure`; this module records
which spans a moderator chose. A span can be hidden at any time, also after the measure's
results are published (a new version of them, under a dated correction); a hidden span is
shown again only until then. Every change writes an audit record (offsets and kind, never the
hidden words).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from portal.extensions import db
from portal.models import Comment, CommentTranslation, Redaction
from portal.models.staff import StaffUser
from portal.services import actions
from portal.services.disclosure import hidden_strings, merge_spans, occurrences
from portal.services.results import snapshots

__all__ = ["occurrences"]  # the view finds "every occurrence of a text" with the same rule

FIELDS = ("body", "translation")


class RedactionRefused(actions.Refused):
    """The change is not allowed; `code` says why (for a message in the staff's language)."""


@dataclass(frozen=True)
class Segment:
    """A piece of text, hidden or not, for showing the staff what the public will not see."""

    text: str
    hidden: bool


def field_text(comment: Comment, field: str) -> str | None:
    """The stored text of `field`: the comment itself or its Japanese translation."""
    if field == "body":
        return comment.body
    translation = db.session.scalar(
        select(CommentTranslation).where(
            CommentTranslation.comment_id == comment.id, CommentTranslation.language == "ja"
        )
    )
    return translation.text if translation else None


def redactions_of(comment: Comment, field: str) -> list[Redaction]:
    """The spans hidden in one field, in text order."""
    return list(
        db.session.scalars(
            select(Redaction)
            .where(Redaction.comment_id == comment.id, Redaction.field == field)
            .order_by(Redaction.start, Redaction.end)
        )
    )


def segments(text: str, spans: list[tuple[int, int]]) -> list[Segment]:
    """`text` cut into visible and hidden pieces (overlapping spans merged)."""
    pieces, position = [], 0
    for start, end in merge_spans([(s, e) for s, e in spans if e > s]):
        if start > position:
            pieces.append(Segment(text[position:start], False))
        pieces.append(Segment(text[start:end], True))
        position = end
    if position < len(text):
        pieces.append(Segment(text[position:], False))
    return pieces


def _check_changeable(comment: Comment, now: datetime) -> None:
    results = comment.measure.results_published_at
    if results is not None and results <= now:
        raise RedactionRefused("results_published")


def add(
    comment: Comment,
    field: str,
    spans: list[tuple[int, int, str]],
    *,
    actor: StaffUser,
    ip: str | None,
    now: datetime,
) -> int:
    """Hide each (start, end, kind) span of `field`; returns how many were new.

    Also after the results are published (privacy wins over the rule that published results
    stay as published): the published results that show the text get a new version, under a
    dated correction (`snapshots.after_redaction`).
    """
    if field not in FIELDS:
        raise RedactionRefused("field")
    text = field_text(comment, field)
    if text is None:
        raise RedactionRefused("no_text")
    existing = {(r.start, r.end) for r in redactions_of(comment, field)}
    published = snapshots.before_redaction(comment, now)
    added = []
    for start, end, kind in spans:
        if not (0 <= start < end <= len(text)):
            raise RedactionRefused("bad_span")
        if (start, end) in existing:
            continue
        existing.add((start, end))
        db.session.add(
            Redaction(
                comment_id=comment.id,
                field=field,
                start=start,
                end=end,
                kind=(kind or "other")[:20],
                created_by_id=actor.id,
                created_at=now,
            )
        )
        added.append({"start": start, "end": end, "kind": kind})
    if added:
        actions.record(
            "redaction_added", comment, actor=actor, ip=ip, now=now, field=field, spans=added
        )
        db.session.flush()
        if field == "body":
            hide_body_words_in_translation(comment, actor=actor, ip=ip, now=now)
        snapshots.after_redaction(comment, published, actor=actor, ip=ip, now=now)
    return len(added)


def hide_body_words_in_translation(
    comment: Comment, *, actor: StaffUser, ip: str | None, now: datetime
) -> int:
    """Hide in the Japanese translation every place it repeats a word hidden in the body (a
    name, a number, an address reads the same in both), so the moderator sees it hidden there
    too. Returns how many spans were added."""
    translation = field_text(comment, "translation")
    if translation is None:
        return 0
    body_spans = [(r.start, r.end) for r in redactions_of(comment, "body")]
    existing = merge_spans([(r.start, r.end) for r in redactions_of(comment, "translation")])
    added = []
    for word in hidden_strings(comment.body, body_spans):
        for start, end in occurrences(translation, word):
            if any(s <= start and end <= e for s, e in existing):
                continue
            existing = merge_spans([*existing, (start, end)])
            db.session.add(
                Redaction(
                    comment_id=comment.id,
                    field="translation",
                    start=start,
                    end=end,
                    kind="hidden_in_body",
                    created_by_id=actor.id,
                    created_at=now,
                )
            )
            added.append({"start": start, "end": end, "kind": "hidden_in_body"})
    if added:
        actions.record(
            "redaction_added",
            comment,
            actor=actor,
            ip=ip,
            now=now,
            field="translation",
            reason="hidden_in_body",
            spans=added,
        )
        db.session.flush()
    return len(added)


def remove(
    comment: Comment, redaction_id: int, *, actor: StaffUser, ip: str | None, now: datetime
) -> None:
    """Show a hidden span again (until the measure's results are published)."""
    _check_changeable(comment, now)
    redaction = db.session.get(Redaction, redaction_id)
    if redaction is None or redaction.comment_id != comment.id:
        raise RedactionRefused("not_found")
    actions.record(
        "redaction_removed",
        comment,
        actor=actor,
        ip=ip,
        now=now,
        field=redaction.field,
        spans=[{"start": redaction.start, "end": redaction.end, "kind": redaction.kind}],
    )
    field = redaction.field
    db.session.delete(redaction)
    db.session.flush()
    if field == "translation":
        # imported here: translation builds on this module
        from portal.services.moderation.translation import withdraw_confirmation_if_exposed

        withdraw_confirmation_if_exposed(comment, actor=actor, ip=ip, now=now)


def carry_over_translation_spans(
    comment: Comment,
    old_text: str,
    new_text: str,
    *,
    actor: StaffUser,
    ip: str | None,
    now: datetime,
) -> int:
    """After the translation's text changed, hide again every word hidden before, wherever it
    now stands, so an edit cannot bring a hidden name back into view. Returns spans kept."""
    old = redactions_of(comment, "translation")
    if not old:
        return 0
    hidden_words = {old_text[r.start : r.end]: r.kind for r in old}
    for redaction in old:
        field = redaction.field
    db.session.delete(redaction)
    db.session.flush()
    if field == "translation":
        # imported here: translation builds on this module
        from portal.services.moderation.translation import withdraw_confirmation_if_exposed

        withdraw_confirmation_if_exposed(comment, actor=actor, ip=ip, now=now)
    spans = [
        (start, end, kind)
        for word, kind in hidden_words.items()
        for start, end in occurrences(new_text, word)
    ]
    actions.record(
        "redaction_removed",
        comment,
        actor=actor,
        ip=ip,
        now=now,
        field="translation",
        reason="translation_changed",
        count=len(old),
    )
    # The new translation is not saved yet when this runs: offsets are checked against it here.
    for start, end, kind in spans:
        db.session.add(
            Redaction(
                comment_id=comment.id,
                field="translation",
                start=start,
                end=end,
                kind=kind,
                created_by_id=actor.id,
                created_at=now,
            )
        )
    if spans:
        actions.record(
            "redaction_added",
            comment,
            actor=actor,
            ip=ip,
            now=now,
            field="translation",
            reason="translation_changed",
            spans=[{"start": s, "end": e, "kind": k} for s, e, k in spans],
        )
    db.session.flush()
    return len(spans)
