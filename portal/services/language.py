"""Which language a comment is written in, detected offline (the one module that detects language).

lingua ships its models inside the package, so nothing is downloaded at run time; it covers
Japanese, English, Portuguese, Spanish, Vietnamese, Chinese and Tagalog, but not Nepali (a Nepali
sentence comes out as Marathi). Text written mostly in Devanagari therefore goes to langdetect,
whose profiles include Nepali, seeded so that the same text always gives the same answer.

Both are slow next to the rest of a comment's analysis (lingua ~0.8 ms for a paragraph of
Portuguese), so the script and the words settle what they can first: kana is Japanese, Hangul
Korean, Han alone Chinese; Vietnamese shows in its letters (ơ ư đ ă ạ ế ...), and English,
Spanish, Portuguese and Tagalog in their short function words when one of them clearly
outnumbers the others. A short text, or one where the words disagree, goes to lingua.
`bench/language_detection.py` compares both ways on the corpus.
"""

from __future__ import annotations

import re
import threading
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


# Letters only (what str.isalpha keeps, near enough), then counted by block in C, not per
# character in Python: the old per-character unicodedata.name() cost as much as lingua.
_LETTERS = re.compile(r"[^\W\d_]+")
_KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9d]")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff]")
_HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\ua960-\ua97f\uac00-\ud7ff\uffa0-\uffdc]")
_DEVANAGARI = re.compile(r"[\u0900-\u097f\ua8e0-\ua8ff]")


def _script_profile(text: str) -> dict[str, int]:
    letters = "".join(_LETTERS.findall(text))
    counts = {
        "kana": len(_KANA.findall(letters)),
        "han": len(_HAN.findall(letters)),
        "hangul": len(_HANGUL.findall(letters)),
        "devanagari": len(_DEVANAGARI.findall(letters)),
    }
    counts["other"] = len(letters) - sum(counts.values())
    return counts


# Letters only Vietnamese uses among the portal's Latin-script languages.
_VIETNAMESE = re.compile(r"[ăđơưĂĐƠƯ\u1ea0-\u1ef9]")
# Short words frequent in one of these languages and rare in the others (after case folding).
_FUNCTION_WORDS = {
    "en": frozenset(
        "the and of to is are for that this would please with we our it be have not should "
        "you they there more city".split()
    ),
    "es": frozenset(
        "el los las y del una es muy más pero también ciudad hay sus nuestro nuestra "
        "gracias son porque".split()
    ),
    "pt": frozenset(
        "o os e em uma é do da dos das não mais muito também cidade são ao às mas nossa "
        "nosso obrigado porque".split()
    ),
    "tl": frozenset(
        "ang ng mga sa ay ko po namin kami ito hindi nang sana natin tayo lang din rin "
        "naman kung".split()
    ),
}
_WORD = re.compile(r"[^\W\d_]+")
# Below these, lingua decides: too few words to vote, or no clear winner.
_MIN_WORDS, _MIN_VOTES, _MIN_SHARE = 8, 4, 0.8


def _by_words(text: str, letters: int) -> Detection | None:
    """The language a Latin-script text's letters and function words settle, or None."""
    if len(_VIETNAMESE.findall(text)) * 20 >= letters:
        return Detection("vi", 1.0)
    words = _WORD.findall(text.casefold())
    if len(words) < _MIN_WORDS:
        return None
    votes = {
        lang: sum(w in vocabulary for w in words) for lang, vocabulary in _FUNCTION_WORDS.items()
    }
    best = max(votes, key=votes.__getitem__)
    total = sum(votes.values())
    if votes[best] < _MIN_VOTES or votes[best] < _MIN_SHARE * total:
        return None
    return Detection(best, round(votes[best] / total, 3))


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
        # Han without any kana: Chinese (Japanese writes kana between its kanji).
        return Detection("zh", 1.0) if scripts["han"] >= 12 else UNDETERMINED
    if letters < _MIN_LETTERS["other"]:
        return UNDETERMINED
    if cjk == 0 and scripts["devanagari"] == 0:
        found = _by_words(text, letters)
        if found is not None:
            return found
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
