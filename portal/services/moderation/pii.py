"""Personal-data suggestions: spans of a comment a moderator probably wants to hide.

These are suggestions, never decisions: the moderator sees them pre-marked and confirms each.
Offsets count code points in the text as stored (end exclusive), as `Redaction` does, so the
patterns match full-width digits and dashes directly instead of normalising the text first
(NFKC can change the length of a string and would shift every offset).

Japanese personal names cannot be found with a regular expression: SudachiPy's core dictionary
tags them 名詞・固有名詞・人名 (姓 / 名). The dictionary takes about half a second and 100 MB to
load, so it is loaded once per process, on first use; a tokenizer is kept per thread because a
Sudachi tokenizer is not meant to be shared between threads.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

KINDS = ("email", "phone", "postal_code", "my_number", "address", "car_plate", "name")

_D = "[0-9０-９]"
_DASH = "[-‐‑–—―−－ー]"
_SEP = r"[-‐‑–—―−－ー\s 　]"
_NOT_DIGIT_BEFORE = "(?<![0-9０-９])"
_NOT_DIGIT_AFTER = "(?![0-9０-９])"

_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+[@＠][A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
# "name (at) example.com", written so that robots do not collect it.
_EMAIL_SPELLED = re.compile(
    r"[A-Za-z0-9._%+\-]+\s*[(\[]\s*at\s*[)\]]\s*[A-Za-z0-9\-]+"
    r"(?:\s*(?:\.|[(\[]\s*dot\s*[)\]])\s*[A-Za-z0-9\-]+)+",
    re.IGNORECASE,
)
# Japanese numbers start with 0 and have 10 or 11 digits; the area code may be in brackets.
_PHONE_JP = re.compile(
    _NOT_DIGIT_BEFORE
    + rf"[0０]{_D}{{1,4}}(?:{_DASH}|[(（]|[)）]|\s)?{_D}{{1,4}}(?:{_DASH}|[)）]|\s)?{_D}{{3,4}}"
    + _NOT_DIGIT_AFTER
)
_PHONE_INTL = re.compile(
    rf"[+＋]{_D}{{1,3}}(?:[\s 　]?[(（]?{_D}{{1,4}}[)）]?)(?:{_SEP}?{_D}{{1,4}}){{1,4}}"
    + _NOT_DIGIT_AFTER
)
_POSTAL = re.compile(
    rf"〒[\s 　]?{_D}{{3}}{_DASH}?{_D}{{4}}|"
    + _NOT_DIGIT_BEFORE
    + rf"{_D}{{3}}{_DASH}{_D}{{4}}"
    + _NOT_DIGIT_AFTER
)
_MY_NUMBER = re.compile(
    _NOT_DIGIT_BEFORE + rf"{_D}{{4}}{_SEP}?{_D}{{4}}{_SEP}?{_D}{{4}}" + _NOT_DIGIT_AFTER
)
_KANJI_NUM = "[0-9０-９一二三四五六七八九十〇]"
# A place name (kanji/katakana, no hiragana: that is where a sentence's own words begin), then
# 丁目・番地・番・号 or the 1-2-3 short form after 丁目.
_ADDRESS = re.compile(
    r"(?:[一-龥々ァ-ヶー]{1,20})?"
    rf"(?:{_KANJI_NUM}+丁目(?:{_D}+(?:番地?|{_DASH}))?(?:{_D}+(?:号|{_DASH}{_D}+)?)?"
    rf"|{_D}+番地(?:の?{_D}+(?:号)?)?"
    rf"|{_D}+番{_D}+号)"
    # the short form after a town's name: 今泉町2-410, 境百々村1-2-3
    rf"|[一-龥々ァ-ヶー]{{1,20}}[町村]{_D}+{_DASH}{_D}+(?:{_DASH}{_D}+)?" + _NOT_DIGIT_AFTER
)
_HIRAGANA_PLATE = "[あ-ん]"
# 群馬 300 あ 12-34 / 品川500さ・・12: region, class number, kana, serial.
_CAR_PLATE = re.compile(
    rf"[一-龥]{{1,4}}[\s 　]?{_D}{{2,3}}[\s 　]?{_HIRAGANA_PLATE}[\s 　]?"
    rf"(?:{_D}{{1,2}}{_DASH}{_D}{{2}}|[・･.]{{1,3}}{_D}{{1,3}})" + _NOT_DIGIT_AFTER
)

# Names introduced in other languages: the words after the phrase, while they are capitalised
# (Latin scripts) or up to the end of the clause (Han, Devanagari).
_NAME_INTRO_LATIN = re.compile(
    r"(?i:\bmy name is|\bTôi là|\bi am called|\bmy neighbou?r,?|\bTôi tên là|\btên tôi là|\bme chamo"
    r"|\bmeu nome é|\bmi nombre es|\bme llamo|\bang pangalan ko ay|\bako si|\bpangalan ko ay"
    r"|\bmeu vizinho|\bmi vecino|\bhàng xóm tôi là)\s+"
)
_HONORIFIC_LATIN = re.compile(
    r"\b(?:Mr|Mrs|Ms|Dr|Sr|Sra|Srta|Dona|Dom|Don|Ông|Bà|Anh|Chị|G\.)\.?\s+(?=[A-ZÀ-ÖØ-ÞĐ])"
)
_HONORIFIC_WORDS = frozenset(
    ("Mr", "Mrs", "Ms", "Dr", "Sr", "Sra", "Srta", "Dona", "Dom", "Don", "Ông", "Bà", "Anh", "Chị")
)
_LATIN_WORD = re.compile(r"[^\W\d_][^\W\d_'’\-]*")
_NAME_INTRO_HAN = re.compile(r"(?:我叫|我的名字是|我的名字叫|邻居)([一-龥]{2,4})")
_NAME_INTRO_DEVANAGARI = re.compile(r"मेरो नाम\s+([\u0900-\u097F]+(?:\s+[\u0900-\u097F]+)?)\s+हो")
_JP_HONORIFICS = (
    "さん",
    "様",
    "さま",
    "氏",
    "君",
    "くん",
    "ちゃん",
    "先生",
    "議員",
    "課長",
    "部長",
)
_NAME_ENDS = frozenset(".,;:!?()\"'")


@dataclass(frozen=True)
class Suggestion:
    """A span that looks like personal data."""

    start: int
    end: int
    kind: str
    text: str


def my_number_is_valid(digits: str) -> bool:
    """True when 12 digits carry a valid My Number check digit (the last one)."""
    if len(digits) != 12 or not digits.isdigit():
        return False
    body = [int(d) for d in digits[:11]]
    # P_n counts from the right of the 11 digits; Q_n = n+1 for n ≤ 6, n−5 for n ≥ 7.
    total = sum(body[11 - n] * (n + 1 if n <= 6 else n - 5) for n in range(1, 12))
    remainder = total % 11
    check = 0 if remainder <= 1 else 11 - remainder
    return check == int(digits[11])


def _ascii_digits(text: str) -> str:
    return "".join(str(int(ch)) for ch in text if ch.isdigit())


def _regex_suggestions(text: str) -> list[Suggestion]:
    found: list[Suggestion] = []
    for pattern in (_EMAIL, _EMAIL_SPELLED):
        for match in pattern.finditer(text):
            found.append(Suggestion(match.start(), match.end(), "email", match.group()))
    for match in _MY_NUMBER.finditer(text):
        if my_number_is_valid(_ascii_digits(match.group())):
            found.append(Suggestion(match.start(), match.end(), "my_number", match.group()))
    for match in _PHONE_INTL.finditer(text):
        if 8 <= len(_ascii_digits(match.group())) <= 15:
            found.append(Suggestion(match.start(), match.end(), "phone", match.group()))
    for match in _PHONE_JP.finditer(text):
        if len(_ascii_digits(match.group())) in (10, 11):
            found.append(Suggestion(match.start(), match.end(), "phone", match.group()))
    for match in _POSTAL.finditer(text):
        found.append(Suggestion(match.start(), match.end(), "postal_code", match.group()))
    for match in _CAR_PLATE.finditer(text):
        found.append(Suggestion(match.start(), match.end(), "car_plate", match.group()))
    for match in _ADDRESS.finditer(text):
        found.append(Suggestion(match.start(), match.end(), "address", match.group()))
    return found


def _latin_name_after(text: str, position: int) -> tuple[int, int] | None:
    """The capitalised words (up to four) starting at `position`, if any."""
    end = position
    words = 0
    for match in _LATIN_WORD.finditer(text, position):
        gap = text[end : match.start()]
        if (words and gap.strip()) or (not words and match.start() != position):
            break
        if not match.group()[0].isupper() or words == 4:
            break
        if not words and match.group().rstrip(".") in _HONORIFIC_WORDS:
            return None  # "my neighbour Mr. Tanaka": the honorific pattern takes the name
        end = match.end()
        words += 1
    return (position, end) if words else None


def _foreign_name_suggestions(text: str) -> list[Suggestion]:
    found: list[Suggestion] = []
    for pattern in (_NAME_INTRO_LATIN, _HONORIFIC_LATIN):
        for match in pattern.finditer(text):
            span = _latin_name_after(text, match.end())
            if span:
                found.append(Suggestion(*span, "name", text[span[0] : span[1]]))
    for pattern in (_NAME_INTRO_HAN, _NAME_INTRO_DEVANAGARI):
        for match in pattern.finditer(text):
            found.append(Suggestion(match.start(1), match.end(1), "name", match.group(1)))
    return found


_dictionary = None
_dictionary_lock = threading.Lock()
_local = threading.local()


def _tokenizer():
    """This thread's Sudachi tokenizer; the dictionary is loaded once per process."""
    global _dictionary
    tokenizer = getattr(_local, "tokenizer", None)
    if tokenizer is None:
        with _dictionary_lock:
            if _dictionary is None:
                from sudachipy import Dictionary

                _dictionary = Dictionary(dict="core")
        from sudachipy import SplitMode

        tokenizer = _local.tokenizer = _dictionary.tokenizer(mode=SplitMode.C)
    return tokenizer


# Kana marks Japanese: Chinese text (all Han) would otherwise be read as Japanese names.
def warm_up() -> None:
    """Load the dictionary now, so the first resident after a restart does not wait for it."""
    _tokenizer()


_HAS_JAPANESE = re.compile(r"[\u3040-\u30ff]")
# Sudachi works on text up to about 49,000 bytes; comments are limited to 10,000 characters,
# but paper comments pasted in by staff could be longer, so analyse in slices at line breaks.
_SLICE = 4000


def _slices(text: str):
    start = 0
    while start < len(text):
        end = min(len(text), start + _SLICE)
        if end < len(text):
            cut = text.rfind("\n", start, end)
            end = cut + 1 if cut > start else end
        yield start, text[start:end]
        start = end


def _japanese_name_suggestions(text: str) -> list[Suggestion]:
    if not _HAS_JAPANESE.search(text):
        return []
    found: list[Suggestion] = []
    tokenizer = _tokenizer()
    for offset, piece in _slices(text):
        morphemes = list(tokenizer.tokenize(piece))
        i = 0
        while i < len(morphemes):
            pos = morphemes[i].part_of_speech()
            if pos[1] != "固有名詞" or pos[2] != "人名":
                i += 1
                continue
            start, end = morphemes[i].begin(), morphemes[i].end()
            kinds = [pos[3]]
            j = i + 1
            # 姓 + 名, possibly with a space between, is one name.
            while j < len(morphemes):
                next_pos = morphemes[j].part_of_speech()
                if next_pos[1] == "固有名詞" and next_pos[2] == "人名":
                    end = morphemes[j].end()
                    kinds.append(next_pos[3])
                    j += 1
                elif morphemes[j].surface() in (" ", "　") and j + 1 < len(morphemes):
                    after = morphemes[j + 1].part_of_speech()
                    if after[1] == "固有名詞" and after[2] == "人名":
                        j += 1
                        continue
                    break
                else:
                    break
            following = morphemes[j].surface() if j < len(morphemes) else ""
            # A lone given name or surname is often an ordinary word tagged as a name (e.g. a
            # shop or a season); it counts with a full name, an honorific, or in katakana-free
            # kanji of two characters or more next to one.
            if len(kinds) > 1 or following.startswith(_JP_HONORIFICS) or (end - start >= 2):
                found.append(Suggestion(offset + start, offset + end, "name", piece[start:end]))
            i = j
    return found


def _without_overlaps(suggestions: list[Suggestion]) -> list[Suggestion]:
    """Keep the first of overlapping suggestions in priority order (KINDS order), then sort."""
    priority = {kind: index for index, kind in enumerate(KINDS)}
    kept: list[Suggestion] = []
    for suggestion in sorted(
        suggestions, key=lambda s: (priority[s.kind], -(s.end - s.start), s.start)
    ):
        if all(suggestion.end <= k.start or suggestion.start >= k.end for k in kept):
            kept.append(suggestion)
    return sorted(kept, key=lambda s: (s.start, s.end))


def suggest(text: str) -> list[Suggestion]:
    """Every span of `text` that looks like personal data, without overlaps, in text order."""
    found = _regex_suggestions(text) + _foreign_name_suggestions(text)
    found += _japanese_name_suggestions(text)
    return _without_overlaps(found)
