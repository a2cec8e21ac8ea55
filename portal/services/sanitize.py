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
_KEEP_CONTROLS = {"\n", "\t"}

_GLOSSARY_MARK = re.compile(r"\[\[([a-z0-9-]+)\|([^\]]+)\]\]")
_RUBY_MARK = re.compile(r"\{([^{}|]+)\|([^{}|]+)\}")

ALLOWED_TAGS = {"a", "ruby", "rt", "rp", "span"}
ALLOWED_ATTRIBUTES = {"a": ["href", "class", "id"], "span": ["class"]}


def clean_text(value: str | None) -> str:
    """Plain text safe to store: NFC, Unix newlines, no control or bidi-override characters."""
    if not value:
        return ""
    text = value.replace("\r\n", "\n").replace("\r", "\n").translate(_BIDI_CONTROLS)
    text = "".join(
        ch
        for ch in text
        if ch in _KEEP_CONTROLS or unicodedata.category(ch) not in ("Cc", "Cs", "Co")
    )
    return unicodedata.normalize("NFC", text).strip()


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
