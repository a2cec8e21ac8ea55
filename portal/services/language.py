"""Which language a comment is written in, detected offline (the one module that detects language).

lingua ships its models inside the package, so nothing is downloaded at run time; it covers
Japanese, English, Portuguese, Spanish, Vietnamese, Chinese and Tagalog, but not Nepali (a Nepali
sentence comes out as Marathi). Text written mostly in Devanagari therefore goes to langdetect,
whose profiles include Nepali, seeded so that the same text always gives the same answer.
"""

from __future__ import annotations

import threading
import unicodedata
from dataclasses import dataclass
from functools import cache

# Below this confidence a detection is kept for the record but never contradicts the resident.
CONFIDENT = 0.7
# Fewer letters than this say too little about the language (e.g. "ok", "賛成").
_MIN_LETTERS = {"cjk": 4, "other": 12}

_SAMPLE_LENGTH = 2000

_lock = threading.Lock()


@dataclass(frozen=True)
class Detection:
    """The detected language (ISO 639-1) and how sure the detector is, or None when it cannot tell."""

    language: str | None
    confidence: float

    @property
    def confident(self) -> bool:
        """True when the detection is sure enough to flag a mismatch."""
        return self.language is not None and self.confidence >= CONFIDENT


UNDETERMINED = Detection(None, 0.0)


def primary_language(tag: str) -> str:
    """The ISO 639-1 language of a portal tag: ``pt-BR`` → ``pt``, ``ja-x-easy`` → ``ja``."""
    primary = tag.split("-")[0].lower()
    return "tl" if primary == "fil" else primary


def _script_profile(text: str) -> dict[str, int]:
    counts = {"kana": 0, "han": 0, "hangul": 0, "devanagari": 0, "other": 0}
    for ch in text:
        if not ch.isalpha():
            continue
        name = unicodedata.name(ch, "")
        if name.startswith(("HIRAGANA", "KATAKANA")):
            counts["kana"] += 1
        elif name.startswith("CJK"):
            counts["han"] += 1
        elif name.startswith("HANGUL"):
            counts["hangul"] += 1
        elif name.startswith("DEVANAGARI"):
            counts["devanagari"] += 1
        else:
            counts["other"] += 1
    return counts


@cache
def _lingua_detector():
    from lingua import Language, LanguageDetectorBuilder

    languages = [
        Language.JAPANESE,
        Language.ENGLISH,
        Language.PORTUGUESE,
        Language.SPANISH,
        Language.VIETNAMESE,
        Language.CHINESE,
        Language.TAGALOG,
        Language.KOREAN,
        Language.INDONESIAN,
        Language.THAI,
        Language.FRENCH,
        Language.GERMAN,
        Language.RUSSIAN,
    ]
    return (
        LanguageDetectorBuilder.from_languages(*languages).with_preloaded_language_models().build()
    )


def warm_up() -> None:
    """Load the language models now (e.g. in gunicorn's master with --preload, shared by workers)."""
    _lingua_detector()
    _detect_devanagari("नगरपालिकाको सेवा सुधार गर्नुहोस्।")


def _detect_devanagari(text: str) -> Detection:
    from langdetect import DetectorFactory, detect_langs
    from langdetect.lang_detect_exception import LangDetectException

    with _lock:  # langdetect's seed is global state
        DetectorFactory.seed = 0
        try:
            best = detect_langs(text)[0]
        except LangDetectException:
            return UNDETERMINED
    return Detection(best.lang, round(best.prob, 3))


def detect_language(text: str) -> Detection:
    """Detect the language of a comment; undetermined for text too short to tell."""
    # The first couple of thousand characters settle the language; the rest only costs time.
    text = text[:_SAMPLE_LENGTH]
    scripts = _script_profile(text)
    letters = sum(scripts.values())
    cjk = scripts["kana"] + scripts["han"] + scripts["hangul"]
    if letters == 0:
        return UNDETERMINED
    if scripts["devanagari"] * 2 > letters:
        if scripts["devanagari"] < _MIN_LETTERS["other"]:
            return UNDETERMINED
        return _detect_devanagari(text)
    if cjk * 2 > letters:
        if cjk < _MIN_LETTERS["cjk"]:
            return UNDETERMINED
        # Japanese text nearly always carries kana; kanji alone (「賛成」) cannot tell ja from zh.
        if scripts["kana"]:
            return Detection("ja", 1.0) if scripts["kana"] * 10 >= cjk else _lingua(text)
        if scripts["hangul"] * 2 > cjk:
            return Detection("ko", 1.0)
        return _lingua(text) if scripts["han"] >= 12 else UNDETERMINED
    if letters < _MIN_LETTERS["other"]:
        return UNDETERMINED
    return _lingua(text)


def _lingua(text: str) -> Detection:
    values = _lingua_detector().compute_language_confidence_values(text)
    if not values:
        return UNDETERMINED
    best = values[0]
    return Detection(best.language.iso_code_639_1.name.lower(), round(best.value, 3))


def contradicts(declared_tag: str, detection: Detection) -> bool:
    """True when a confident detection names another language than the one the resident chose."""
    if declared_tag == "other" or not detection.confident:
        return False
    return primary_language(declared_tag) != detection.language
