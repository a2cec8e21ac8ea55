"""Japanese translations of comments written in other languages.

A moderator writes or edits the translation (a human translation, with who and when). A
machine-translation provider can be configured (`PORTAL_MT_URL`, a self-hosted LibreTranslate);
without it nothing offers to translate. A machine translation is marked as such, and
`portal.services.disclosure` refuses to publish it until a person has reviewed it.

A redaction holds for the translation too:
- the machine is sent the redacted text (a placeholder for every hidden span), never the words
  a moderator hid;
- every word hidden in the body is hidden wherever the translation repeats it, when the
  translation is saved and when the body's word is hidden later;
- a translation is confirmed (publishable) only while it shows no personal data: no word hidden
  in the body, and no personal-data suggestion (`pii.suggest` on the translation) that is
  neither hidden nor confirmed by a moderator as not personal data (`problems`). A moderator's
  own translation is confirmed on saving when it is clean, and otherwise waits for a review.
- once the measure's results are published a translation no longer changes (the published
  results keep the one they hold).
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import select

from portal.extensions import db
from portal.models import Comment, CommentTranslation
from portal.models.moderation import TranslationMethod
from portal.models.staff import StaffUser
from portal.services import actions, audit
from portal.services.disclosure import (
    PLACEHOLDER_JA,
    hidden_strings,
    merge_spans,
    occurrences,
    redact,
    spans_of,
)
from portal.services.moderation import pii, redaction

log = logging.getLogger(__name__)

JAPANESE = ("ja", "ja-x-easy")


class TranslationUnavailable(Exception):
    """The provider could not translate (down, refused, or answered nonsense)."""


HIDDEN_IN_BODY = "hidden_in_body"


@dataclass(frozen=True)
class Problem:
    """What keeps a translation from being published: a word hidden in the body, or a
    personal-data suggestion neither hidden nor kept (offsets in the translation's text)."""

    start: int
    end: int
    kind: str  # HIDDEN_IN_BODY, or a kind of `pii.KINDS`
    text: str


class TranslationRefused(actions.Refused):
    """The translation cannot change or be confirmed; `problems` lists what is in the way."""

    def __init__(self, code: str, problems: list[Problem] | None = None) -> None:
        super().__init__(code)
        self.problems = problems or []


class TranslationProvider(Protocol):
    """Anything that turns text in `source` into text in `target`."""

    name: str

    def translate(self, text: str, source: str, target: str) -> str:
        """The translated text; raises TranslationUnavailable."""


# LibreTranslate names some languages differently from the portal's locale tags.
_LIBRE_CODES = {"pt-BR": "pt", "zh-Hans": "zh", "ja-x-easy": "ja", "other": "auto"}


class LibreTranslate:
    """A LibreTranslate server (https://libretranslate.com API: POST /translate)."""

    name = "LibreTranslate"

    def __init__(self, url: str, api_key: str | None = None, timeout: float = 20.0) -> None:
        self.url = url.rstrip("/") + "/translate"
        self.api_key = api_key
        self.timeout = timeout

    def translate(self, text: str, source: str, target: str) -> str:
        """Ask the server for a translation of `text`."""
        payload = {
            "q": text,
            "source": _LIBRE_CODES.get(source, source or "auto"),
            "target": _LIBRE_CODES.get(target, target),
            "format": "text",
        }
        if self.api_key:
            payload["api_key"] = self.api_key
        request = urllib.request.Request(  # noqa: S310 (the URL is the city's own setting)
            self.url,
            data=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json", "Accept": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                answer = json.loads(response.read().decode("utf-8"))
        except (urllib.error.URLError, TimeoutError, ValueError, OSError) as error:
            log.warning("machine translation failed: %s", type(error).__name__)
            raise TranslationUnavailable from error
        translated = answer.get("translatedText") if isinstance(answer, dict) else None
        if not isinstance(translated, str) or not translated.strip():
            raise TranslationUnavailable
        return translated


def provider_from_config(config) -> TranslationProvider | None:
    """The configured provider, or None when machine translation is off (the default)."""
    url = config.get("PORTAL_MT_URL")
    if not url:
        return None
    return LibreTranslate(url, api_key=config.get("PORTAL_MT_API_KEY") or None)


def needs_translation(comment: Comment) -> bool:
    """A comment not written in Japanese gets a Japanese translation for the committee."""
    language = comment.declared_language
    if language == "other":
        language = comment.detected_language or "other"
    return language not in JAPANESE


def source_language(comment: Comment) -> str:
    """The comment's language as best known (declared, else detected)."""
    if comment.declared_language != "other":
        return comment.declared_language
    return comment.detected_language or "other"


def japanese_translation(comment: Comment) -> CommentTranslation | None:
    """The comment's Japanese translation, if any."""
    return db.session.scalar(
        select(CommentTranslation).where(
            CommentTranslation.comment_id == comment.id, CommentTranslation.language == "ja"
        )
    )


def kept_suggestions(translation: CommentTranslation) -> set[tuple[int, int, str]]:
    """The suggestions a moderator confirmed are not personal data, as (start, end, kind)."""
    if not translation.kept_suggestions:
        return set()
    return {(start, end, kind) for start, end, kind in json.loads(translation.kept_suggestions)}


def problems(comment: Comment, translation: CommentTranslation | None = None) -> list[Problem]:
    """Everything in the comment's Japanese translation that must not be published as it
    stands, in text order: empty when it may be confirmed."""
    translation = translation or japanese_translation(comment)
    if translation is None:
        return []
    text = translation.text
    hidden = merge_spans(spans_of(comment.id, "translation"))

    def covered(start: int, end: int) -> bool:
        return any(s <= start and end <= e for s, e in hidden)

    found = [
        Problem(start, end, HIDDEN_IN_BODY, word)
        for word in hidden_strings(comment.body, spans_of(comment.id, "body"))
        for start, end in occurrences(text, word)
        if not covered(start, end)
    ]
    kept = kept_suggestions(translation)
    for suggestion in pii.suggest(text):
        if covered(suggestion.start, suggestion.end):
            continue
        if (suggestion.start, suggestion.end, suggestion.kind) in kept:
            continue
        if any(p.start < suggestion.end and suggestion.start < p.end for p in found):
            continue
        found.append(Problem(suggestion.start, suggestion.end, suggestion.kind, suggestion.text))
    return sorted(found, key=lambda p: (p.start, p.end))


def _check_open(comment: Comment, now: datetime) -> None:
    published = comment.measure.results_published_at
    if published is not None and published <= now:
        raise TranslationRefused("results_published")


def _store(
    comment: Comment,
    text: str,
    method: str,
    *,
    actor: StaffUser,
    ip: str | None,
    now: datetime,
    action: str,
) -> CommentTranslation:
    _check_open(comment, now)
    translation = japanese_translation(comment)
    old_text = translation.text if translation else None
    if translation is None:
        translation = CommentTranslation(comment_id=comment.id, language="ja", text=text)
        db.session.add(translation)
    if old_text is not None and old_text != text:
        redaction.carry_over_translation_spans(comment, old_text, text, actor=actor, ip=ip, now=now)
        translation.kept_suggestions = None  # offsets of another text
    before = {"method": translation.method if old_text is not None else None}
    translation.text = text
    translation.method = method
    translation.translated_by_id = actor.id
    translation.translated_at = now
    db.session.flush()
    redaction.hide_body_words_in_translation(comment, actor=actor, ip=ip, now=now)
    # A person who writes or edits the text has read it, and confirms it unless personal data
    # is still in view; a machine's text always waits for a person's review.
    left = problems(comment, translation)
    confirmed = method == TranslationMethod.HUMAN and not left
    translation.reviewed_by_id = actor.id if confirmed else None
    translation.reviewed_at = now if confirmed else None
    actions.record(
        action,
        comment,
        actor=actor,
        ip=ip,
        now=now,
        changes=audit.changes(before, {"method": method}),
        text_changed=old_text != text,
        confirmed=confirmed,
        problems=len(left),
    )
    db.session.flush()
    return translation


def save_human(
    comment: Comment, text: str, *, actor: StaffUser, ip: str | None, now: datetime
) -> CommentTranslation:
    """Store the moderator's own (or edited) Japanese translation."""
    return _store(
        comment,
        text,
        TranslationMethod.HUMAN,
        actor=actor,
        ip=ip,
        now=now,
        action="translation_saved",
    )


def machine_translate(
    comment: Comment,
    provider: TranslationProvider,
    *,
    actor: StaffUser,
    ip: str | None,
    now: datetime,
) -> CommentTranslation:
    """Ask the provider for a Japanese translation of the redacted text (a placeholder where
    a moderator hid something: the words never leave for the provider), stored as a machine
    translation awaiting review."""
    _check_open(comment, now)
    redacted = redact(comment.body, spans_of(comment.id, "body"), PLACEHOLDER_JA)
    text = provider.translate(redacted, source_language(comment), "ja")
    return _store(
        comment,
        text,
        TranslationMethod.MACHINE,
        actor=actor,
        ip=ip,
        now=now,
        action="translation_machine",
    )


def review(
    translation: CommentTranslation,
    comment: Comment,
    *,
    kept: list[tuple[int, int, str]] = (),
    actor: StaffUser,
    ip: str | None,
    now: datetime,
) -> None:
    """A person confirms the translation as it stands: it may then be published.

    `kept` names suggestions the person confirms are not personal data (a place read as a
    name); refused, with the list, while anything else of `problems` is left in view.
    """
    _check_open(comment, now)
    left = problems(comment, translation)
    keep = {
        (p.start, p.end, p.kind)
        for p in left
        if p.kind != HIDDEN_IN_BODY and (p.start, p.end, p.kind) in set(kept)
    }
    remaining = [p for p in left if (p.start, p.end, p.kind) not in keep]
    if remaining:
        raise TranslationRefused("personal_data", remaining)
    if keep:
        translation.kept_suggestions = json.dumps(
            sorted(kept_suggestions(translation) | keep), separators=(",", ":")
        )
        # offsets and kinds, never the words
        actions.record(
            "translation_suggestions_kept",
            comment,
            actor=actor,
            ip=ip,
            now=now,
            spans=[{"start": s, "end": e, "kind": k} for s, e, k in sorted(keep)],
        )
    translation.reviewed_by_id = actor.id
    translation.reviewed_at = now
    actions.record(
        "translation_reviewed", comment, actor=actor, ip=ip, now=now, method=translation.method
    )
    db.session.flush()


def withdraw_confirmation_if_exposed(
    comment: Comment, *, actor: StaffUser, ip: str | None, now: datetime
) -> bool:
    """After a span of the translation is shown again: a confirmed translation that now shows
    personal data waits for a new review. Returns whether it was withdrawn."""
    translation = japanese_translation(comment)
    if translation is None or translation.reviewed_at is None or not problems(comment, translation):
        return False
    translation.reviewed_by_id = None
    translation.reviewed_at = None
    actions.record("translation_review_withdrawn", comment, actor=actor, ip=ip, now=now)
    db.session.flush()
    return True
