"""The one place that cleans text from outside and turns content markup into HTML.

Residents' comments are plain text: they are cleaned here on the way in and rendered escaped by
Jinja on the way out. Measure content carries two small notations, ``[[key|term]]`` for glossary
terms and ``{漢字|かんじ}`` for furigana; they become HTML here and the result passes bleach's
allow-list before anything marks it safe.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import bleach
from markupsafe import Markup, escape

# Explicit bidi embeddings, overrides and isolates: invisible, and able to make text read
# differently from how it is stored ("Trojan Source"). None of the portal's languages needs them.
_BIDI_CONTROLS = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))

_GLOSSARY_MARK = re.compile(r"\[\[([a-z0-9-]+)\|([^\]]+)\]\]")
_RUBY_MARK = re.compile(r"\{([^{}|]+)\|([^{}|]+)\}")

ALLOWED_TAGS = {"a", "ruby", "rt", "rp", "span"}
ALLOWED_ATTRIBUTES = {"a": ["href", "class", "id"], "span": ["class"]}


def clean_text(value: str | None) -> str:
    """Plain text safe to store, otherwise as the resident typed it.

    Unix newlines; no control characters (tab and newline kept), lone surrogates or bidi
    overrides; NFC, so a letter typed as base + accent is stored as the one letter it looks
    like, except that CJK compatibility ideographs (U+F900-FAFF, U+2F800-2FA1F: variant forms
    used in names) are kept as typed, which NFC alone would replace; leading and trailing
    whitespace removed. Private-use characters are kept: the forms refuse them with a message
    (see `private_use_characters`) rather than dropping them silently.
    """
    if not value:
        return ""
    text = value.replace("\r\n", "\n").replace("\r", "\n").translate(_BIDI_CONTROLS)
    text = _CONTROLS_AND_SURROGATES.sub("", text)
    return _nfc_keeping_ideograph_variants(text).strip()


# Unicode's Cc (C0 and C1 controls) but tab and newline, and Cs (lone surrogates): as one
# regular expression, a 600-character comment is cleaned in microseconds, not a millisecond.
_CONTROLS_AND_SURROGATES = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
# Unicode's Co (private use): the BMP's area and planes 15 and 16.
_PRIVATE_USE = re.compile("[\ue000-\uf8ff\U000f0000-\U000ffffd\U00100000-\U0010fffd]")


_COMPATIBILITY_IDEOGRAPHS = re.compile("([\uf900-\ufaff\U0002f800-\U0002fa1f]+)")


def _nfc_keeping_ideograph_variants(text: str) -> str:
    # Compatibility ideographs are starters that nothing composes with, so normalising the
    # text between them gives NFC everywhere else.
    parts = _COMPATIBILITY_IDEOGRAPHS.split(text)
    return "".join(
        part if index % 2 else unicodedata.normalize("NFC", part)
        for index, part in enumerate(parts)
    )


# Characters that draw nothing: Unicode's Default_Ignorable_Code_Point set (zero-width spaces
# and joiners, word joiner, variation selectors, tag characters, Hangul fillers...) and the
# blank Braille pattern, often used to fake an empty-looking text.
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f"
    "\u202a-\u202e\u2060-\u206f\u2800\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff]"
)


def has_visible_text(text: str) -> bool:
    """True when `text` has at least one character that shows on screen."""
    return any(not ch.isspace() for ch in _INVISIBLE.sub("", text))


def private_use_characters(text: str) -> list[str]:
    """The private-use characters in `text` (外字 and the like: only the writer's device has
    a glyph for them, so nobody else can read them)."""
    return _PRIVATE_USE.findall(text)


def clean_line(value: str | None) -> str:
    """A single-line field (name, phone...): cleaned text with line breaks turned into spaces."""
    return " ".join(clean_text(value).split())


def glossary_keys(markup: str) -> list[str]:
    """Glossary keys referred to by ``[[key|term]]`` marks, in order of first use."""
    return list(dict.fromkeys(match[1] for match in _GLOSSARY_MARK.finditer(markup)))


def strip_marks(markup: str) -> str:
    """Content markup as plain text (for titles in `<title>`, exports and summaries)."""
    text = _GLOSSARY_MARK.sub(r"\2", markup)
    return _RUBY_MARK.sub(r"\1", text)


def _ruby_html(escaped: str) -> str:
    return _RUBY_MARK.sub(r"<ruby>\1<rp>(</rp><rt>\2</rt><rp>)</rp></ruby>", escaped)


def ruby_only(markup: str) -> Markup:
    """A content title where it is itself a link or a heading (a results part's label):
    escaped, its readings as ruby, its glossary marks as plain words (no link in a link)."""
    return Markup(_ruby_html(str(escape(_GLOSSARY_MARK.sub(r"\2", markup)))))  # noqa: S704


@lru_cache(maxsize=4096)
def render_content(markup: str) -> Markup:
    """HTML for one paragraph of measure content: escaped text, furigana and glossary links.

    Content changes only when the outline is re-seeded, and the same paragraphs are shown on
    every page view, so results are cached by their source text.
    """
    escaped = str(escape(markup))

    def link(match: re.Match) -> str:
        return f'<a class="glossary-term" href="#glossary-{match[1]}">{match[2]}</a>'

    html = _ruby_html(_GLOSSARY_MARK.sub(link, escaped))
    return Markup(  # noqa: S704 - the string has just passed bleach's allow-list
        bleach.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, strip=True)
    )
