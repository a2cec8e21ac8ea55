"""Unresolved personal data: what stops a comment from being approved.

A suggestion (`pii.suggest`) of the comment's text is resolved
when a moderator hid it or confirmed it is not personal data (a district read as a surname).
Until every one is, the comment is not approved: not alone, not in a selection, not with its
group (`decisions.decide` asks `open_suggestions`). Low-confidence suggestions, which the
comment page does not tick in advance, count too: a person looks at each once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from portal.extensions import db
from portal.models import Comment, Redaction
from portal.models.staff import StaffUser
from portal.services import actions
from portal.services.disclosure import merge_spans
from portal.services.moderation import pii, redaction


@dataclass(frozen=True)
class OpenSuggestion:
    """A suggestion nobody resolved: in the body or in the translation."""

    field: str  # body | translation
    start: int
    end: int
    kind: str
    text: str


def kept_in_body(comment: Comment) -> set[tuple[int, int, str]]:
    """The body's suggestions confirmed not to be personal data, as (start, end, kind)."""
    if not comment.kept_suggestions:
        return set()
    return {(start, end, kind) for start, end, kind in json.loads(comment.kept_suggestions)}


def _hidden(comment_id: int, field: str) -> list[tuple[int, int]]:
    rows = db.session.execute(
        select(Redaction.start, Redaction.end).where(
            Redaction.comment_id == comment_id, Redaction.field == field
        )
    )
    return merge_spans([(start, end) for start, end in rows])


def open_in_body(comment: Comment) -> list[pii.Suggestion]:
    """The body's suggestions neither hidden nor confirmed harmless, in text order."""
    hidden = _hidden(comment.id, "body")
    kept = kept_in_body(comment)
    return [
        s
        for s in pii.suggest(comment.body)
        if (s.start, s.end, s.kind) not in kept
        and not any(h_start <= s.start and s.end <= h_end for h_start, h_end in hidden)
    ]


def open_suggestions(comment: Comment) -> list[OpenSuggestion]:
    """Everything in the comment's own text that still looks like personal data in view.

    The Japanese translation has its own gate, before anything of it is published: it is
    confirmed only with nothing left in view (`translation.problems`), and the results wait
    for every translation to be confirmed."""
    return [OpenSuggestion("body", s.start, s.end, s.kind, s.text) for s in open_in_body(comment)]


def open_counts(comments: list[Comment]) -> dict[int, int]:
    """Comment id → number of unresolved suggestions (for badges on lists)."""
    return {comment.id: len(open_suggestions(comment)) for comment in comments}


def keep(
    comment: Comment,
    spans: list[tuple[int, int, str]],
    *,
    actor: StaffUser,
    ip: str | None,
    now: datetime,
) -> int:
    """Confirm suggestions of the body are not personal data; returns how many were new.

    Only current suggestions can be kept (offsets of the stored text), audited with offsets
    and kinds, never the words."""
    current = {(s.start, s.end, s.kind) for s in pii.suggest(comment.body)}
    new = {tuple(span) for span in spans if tuple(span) in current} - kept_in_body(comment)
    if not new:
        return 0
    comment.kept_suggestions = json.dumps(
        sorted(kept_in_body(comment) | new), separators=(",", ":")
    )
    actions.record(
        "body_suggestions_kept",
        comment,
        actor=actor,
        ip=ip,
        now=now,
        spans=[{"start": s, "end": e, "kind": k} for s, e, k in sorted(new)],
    )
    db.session.flush()
    return len(new)


def apply_suggestions(
    comments: list[Comment], *, actor: StaffUser, ip: str | None, now: datetime
) -> tuple[int, int]:
    """Hide, in each comment, the suggestions the comment page ticks in advance (confidence
    from `pii.PRETICK_CONFIDENCE`); returns (comments changed, spans hidden). Suggestions below
    it stay open for a person to decide one by one."""
    changed = hidden = 0
    for comment in comments:
        spans = [(s.start, s.end, s.kind) for s in open_in_body(comment) if s.ticked]
        if not spans:
            continue
        added = redaction.add(comment, "body", spans, actor=actor, ip=ip, now=now)
        changed += 1 if added else 0
        hidden += added
    return changed, hidden
