"""Parse Isesaki City's administrative reform outline (行政改革大綱, 2020) into areas, measures and glossary.

The outline is plain text as published. Chapter IV holds five priority areas ("1 効率的で…"), each
with numbered measures ("(1) 行政運営の効率化の推進") and glossary notes ("※「ICT」" followed by its
explanation). Terms explained by a note are marked in the running text with ``^{*}``, ``[※]`` or
``※``; the parser turns each marked term into ``[[key|term]]`` so every locale's content can link
glossary terms the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from portal.models.measures import CHAPTER_CODES
from portal.services.sanitize import strip_marks

OUTLINE_PATH = Path(__file__).resolve().parents[2] / "content" / "outline-2020.ja.txt"

# Stable keys for the glossary notes: they name anchors and join the locale content files.
GLOSSARY_KEYS = {
    "PDCAサイクル": "pdca",
    "ICT": "ict",
    "ICTガバナンス": "ict-governance",
    "AI": "ai",
    "RPA": "rpa",
    "情報セキュリティポリシー": "security-policy",
    "グリーン購入": "green-purchasing",
    "循環型社会": "recycling-society",
    "温室効果ガス": "greenhouse-gas",
    "低炭素型のまちづくり": "low-carbon",
    "NPO（民間非営利組織）": "npo",
    "地域コミュニティ": "community",
    "ソーシャルメディア": "social-media",
}

_AREA_RE = re.compile(r"^([1-5]) (\S.*)$")
_MEASURE_RE = re.compile(r"^\((\d)\) (\S.*)$")
_NOTE_RE = re.compile(r"^※「(.+)」$")
_MARKER_RE = re.compile(r"\^\{\*\}|\[※\]|※")
_CHAPTER_IV_START = "<概念図>"
# The general chapters: "I はじめに", "Ⅱ 基本方針", "Ⅲ 推進方法" (the outline mixes Latin letters
# and Roman numeral characters), up to chapter IV. Their <見出し> lines head the next paragraph.
_CHAPTER_RE = re.compile(r"^(I|Ⅰ|II|Ⅱ|III|Ⅲ|IV|Ⅳ) (\S.*)$")
_CHAPTER_NUMERALS = {"I": 1, "Ⅰ": 1, "II": 2, "Ⅱ": 2, "III": 3, "Ⅲ": 3, "IV": 4, "Ⅳ": 4}
_SUBHEADING_RE = re.compile(r"^<(.+)>$")


@dataclass
class GlossaryNote:
    """A ※ note: the term as written in the outline and its explanation."""

    key: str
    term: str
    definition: str


@dataclass
class Section:
    """An area's introduction or a measure: paragraphs plus the notes printed after them."""

    title: str
    paragraphs: list[str] = field(default_factory=list)
    notes: list[GlossaryNote] = field(default_factory=list)


@dataclass
class Measure(Section):
    """A numbered measure such as 1-(1)."""

    area: int = 0
    number: int = 0

    @property
    def code(self) -> str:
        """The code the outline uses, e.g. ``1-(1)``."""
        return f"{self.area}-({self.number})"


@dataclass
class Chapter(Section):
    """A general chapter before the priority areas (I はじめに, II 基本方針, III 推進方法)."""

    number: int = 0

    @property
    def code(self) -> str:
        """The chapter's number as the outline writes it: ``I``, ``II``, ``III``."""
        return CHAPTER_CODES[self.number - 1]


@dataclass
class Area(Section):
    """A priority area (重点項目)."""

    number: int = 0
    measures: list[Measure] = field(default_factory=list)


def _mark_terms(paragraph: str) -> str:
    """Replace each ※-marked term with ``[[key|term]]``; the longest known term wins."""
    terms = sorted(GLOSSARY_KEYS, key=len, reverse=True)
    out: list[str] = []
    position = 0
    for marker in _MARKER_RE.finditer(paragraph):
        before = paragraph[position : marker.start()]
        term = next((t for t in terms if before.endswith(t)), None)
        if term is None:
            raise ValueError(f"glossary marker without a known term: {before[-20:]!r}")
        out.append(before[: -len(term)])
        out.append(f"[[{GLOSSARY_KEYS[term]}|{term}]]")
        position = marker.end()
    out.append(paragraph[position:])
    return "".join(out)


def parse_outline(text: str) -> list[Area]:
    """Return the five areas of chapter IV with their measures and glossary notes."""
    start = text.index(_CHAPTER_IV_START)
    lines = [line.strip() for line in text[start + len(_CHAPTER_IV_START) :].splitlines()]
    lines = [line for line in lines if line]
    areas: list[Area] = []
    current: Section | None = None
    pending_note: str | None = None
    for line in lines:
        if pending_note is not None:
            current.notes.append(GlossaryNote(GLOSSARY_KEYS[pending_note], pending_note, line))
            pending_note = None
        elif match := _AREA_RE.match(line):
            current = Area(title=match[2], number=int(match[1]))
            areas.append(current)
        elif match := _MEASURE_RE.match(line):
            current = Measure(title=match[2], area=areas[-1].number, number=int(match[1]))
            areas[-1].measures.append(current)
        elif match := _NOTE_RE.match(line):
            if match[1] not in GLOSSARY_KEYS:
                raise ValueError(f"unknown glossary note: {match[1]}")
            pending_note = match[1]
        elif current is not None:
            current.paragraphs.append(_mark_terms(line))
    return areas


def parse_chapters(text: str) -> list[Chapter]:
    """Return the general chapters I-III: their titles and paragraphs; a sub-heading such as
    <推進方法> is kept in 〈〉 at the start of the paragraph it heads (one with no text under
    it, a diagram's caption, is left out)."""
    lines = [line.strip() for line in text[: text.index(_CHAPTER_IV_START)].splitlines()]
    chapters: list[Chapter] = []
    heading: str | None = None
    for line in lines:
        if not line:
            continue
        if match := _CHAPTER_RE.match(line):
            number = _CHAPTER_NUMERALS[match[1]]
            if number > 3:
                break
            chapters.append(Chapter(title=match[2], number=number))
            heading = None
        elif not chapters:
            continue  # the cover and the table of contents
        elif match := _SUBHEADING_RE.match(line):
            heading = match[1]
        else:
            chapters[-1].paragraphs.append(f"〈{heading}〉{line}" if heading else line)
            heading = None
    return chapters


def load_chapters(path: Path = OUTLINE_PATH) -> list[Chapter]:
    """The general chapters of the outline file shipped with the portal."""
    return parse_chapters(path.read_text(encoding="utf-8"))


def load_outline(path: Path = OUTLINE_PATH) -> list[Area]:
    """Parse the outline file shipped with the portal."""
    return parse_outline(path.read_text(encoding="utf-8"))


def first_sentence(paragraph: str) -> str:
    """The opening sentence of a paragraph, used as the Japanese summary of a measure."""
    plain = strip_marks(paragraph)
    end = plain.find("。")
    return plain if end < 0 else plain[: end + 1]
