"""The part of a measure (or general chapter) a resident says their comment is about.

On a text of several paragraphs the comment form offers "the whole measure" or one paragraph;
the choice is stored on the comment as a key, ``measure:<code>`` or ``paragraph:<code>:<n>``
(n counted from 1 in the Japanese text, which every translation follows paragraph for
paragraph), and the moderator sees it as the resident's proposal for the 該当箇所.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from portal.models import Measure
from portal.models.measures import SOURCE_LOCALE
from portal.services.sanitize import strip_marks

_RUBY_MARK = re.compile(r"\{([^{}|]+)\|([^{}|]+)\}")
_GLOSSARY_MARK = re.compile(r"\[\[[a-z0-9-]+\|([^\]]+)\]\]")
# How much of a paragraph names it in a list: enough to recognise, short enough for a phone
# (a Chinese or Japanese character carries about as much as a word of four or five letters).
FIRST_WORDS = 24
FIRST_WORDS_SPACED = 48
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")


class UnknownPart(ValueError):
    """The proposed part is not a part of this measure's text."""


@dataclass(frozen=True)
class ProposedPart:
    """A stored proposal read back: the whole text, or paragraph `number` beginning `start`."""

    key: str
    number: int | None
    start: str


def whole_key(measure: Measure) -> str:
    """The key for the whole measure or chapter."""
    return f"measure:{measure.code}"


def paragraph_key(measure: Measure, number: int) -> str:
    """The key for paragraph `number` (from 1) of the measure's text."""
    return f"paragraph:{measure.code}:{number}"


def offers_parts(measure: Measure) -> bool:
    """True when the Japanese text has more than one paragraph to choose from."""
    return len(measure.text(SOURCE_LOCALE).paragraphs) > 1


def first_words(paragraph: str, locale: str) -> str:
    """The opening of a paragraph as plain text; easy Japanese keeps its readings in
    parentheses (a drop-down option cannot show ruby)."""
    text = _GLOSSARY_MARK.sub(r"\1", paragraph)
    text = _RUBY_MARK.sub(r"\1(\2)", text) if locale == "ja-x-easy" else strip_marks(text)
    text = " ".join(text.split())
    limit = FIRST_WORDS if _CJK.search(text[:FIRST_WORDS]) else FIRST_WORDS_SPACED
    if len(text) <= limit:
        return text
    cut = text[:limit]
    # Latin and Devanagari scripts: end on a whole word when there is one to end on.
    if " " in cut[limit // 2 :]:
        cut = cut.rsplit(" ", 1)[0]
    # Never cut inside an easy-Japanese reading.
    if cut.count("(") > cut.count(")"):
        cut = cut[: cut.rindex("(")]
    return cut + "…"


def paragraphs_in(measure: Measure, locale: str) -> list[str]:
    """The paragraphs in `locale`, or the Japanese ones when the translation does not have the
    same number of paragraphs (so a number always means the same paragraph)."""
    japanese = measure.text(SOURCE_LOCALE).paragraphs
    translated = measure.text(locale).paragraphs
    return translated if len(translated) == len(japanese) else japanese


def choices(measure: Measure, locale: str, whole_label: str, label) -> list[tuple[str, str]]:
    """The form's options: the whole text first, then each paragraph as `label(n, start)`."""
    text_locale = measure.text(locale).locale
    return [(whole_key(measure), whole_label)] + [
        (paragraph_key(measure, n), label(n, first_words(paragraph, text_locale)))
        for n, paragraph in enumerate(paragraphs_in(measure, locale), start=1)
    ]


def check(measure: Measure, key: str | None) -> str | None:
    """`key` if it names the whole measure or one of its paragraphs, None when empty; else
    UnknownPart (a form that was tampered with, or a measure whose text changed)."""
    if not key:
        return None
    if key == whole_key(measure):
        return key
    prefix = f"paragraph:{measure.code}:"
    number = key[len(prefix) :] if key.startswith(prefix) else ""
    count = len(measure.text(SOURCE_LOCALE).paragraphs)
    if number.isascii() and number.isdigit() and len(number) <= 3 and 1 <= int(number) <= count:
        return paragraph_key(measure, int(number))
    raise UnknownPart(key[:60])


def proposed_part_of(comment) -> ProposedPart | None:
    """What a comment's resident proposed as its part, for the moderator's page."""
    return describe(comment.measure, comment.proposed_part)


def describe(measure: Measure, key: str | None) -> ProposedPart | None:
    """A stored key read back for staff, with the Japanese paragraph's first words; None for
    no proposal, or for a key that no longer fits the text (it is then shown as it is)."""
    if not key:
        return None
    try:
        checked = check(measure, key)
    except UnknownPart:
        return ProposedPart(key, None, key)
    if checked == whole_key(measure):
        return ProposedPart(key, None, "")
    number = int(checked.rsplit(":", 1)[1])
    paragraph = measure.text(SOURCE_LOCALE).paragraphs[number - 1]
    return ProposedPart(key, number, first_words(paragraph, SOURCE_LOCALE))
