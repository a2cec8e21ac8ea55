"""Japanese translations of comments written in other languages.

A moderator writes or edits the translation (a human translation, with who and when). A
machine-translation provider can be configured (`PORTAL_MT_URL`, a self-hosted LibreTranslate);
without it nothing offers to translate. A machine translation is marked as such, and
`portal.services.disclosure` refuses to publish it until a person has reviewed it.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from datetime import datetime
from typing import Protocol

from sqlalchemy import select

from portal.extensions import db
from portal.models import Comment, CommentTranslation
from portal.models.moderation import TranslationMethod
from portal.models.staff import StaffUser
from portal.services import actions, audit
from portal.services.moderation import redaction

log = logging.getLogger(__name__)

JAPANESE = ("ja", "ja-x-easy")


class TranslationUnavailable(Exception):
    """The provider could not translate (down, refused, or answered nonsense)."""


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
    translation = japanese_translation(comment)
    old_text = translation.text if translation else None
    if translation is None:
        translation = CommentTranslation(comment_id=comment.id, language="ja", text=text)
        db.session.add(translation)
    if old_text is not None and old_text != text:
        redaction.carry_over_translation_spans(comment, old_text, text, actor=actor, ip=ip, now=now)
    before = {"method": translation.method if old_text is not None else None}
    translation.text = text
    translation.method = method
    translation.translated_by_id = actor.id
    translation.translated_at = now
    # A person who writes or edits the text has read it; a machine's text waits for review.
    translation.reviewed_by_id = actor.id if method == TranslationMethod.HUMAN else None
    translation.reviewed_at = now if method == TranslationMethod.HUMAN else None
    actions.record(
        action,
        comment,
        actor=actor,
        ip=ip,
        now=now,
        changes=audit.changes(before, {"method": method}),
        text_changed=old_text != text,
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
    """Ask the provider for a Japanese translation, stored as a machine one awaiting review."""
    text = provider.translate(comment.body, source_language(comment), "ja")
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
    actor: StaffUser,
    ip: str | None,
    now: datetime,
) -> None:
    """A person confirms a machine translation as it stands: it may then be published."""
    translation.reviewed_by_id = actor.id
    translation.reviewed_at = now
    actions.record(
        "translation_reviewed", comment, actor=actor, ip=ip, now=now, method=translation.method
    )
    db.session.flush()
