"""Personal-data suggestions: spans of a comment a moderator probably wants to hide.

These are suggestions, never decisions: the moderator sees them pre-marked and confirms each.
Offsets count code points in the text as stored (end exclusive), as `Redaction` does, so the
patterns match full-width digits and dashes directly instead of normalising the text first
(NFKC can change the length of a string and would shift every offset).

Japanese personal names cannot be found with a regular expression: SudachiPy's core dictionary
tags them 名詞・固有名詞・人名 (姓 / 名). The morphemes come from `portal.services.japanese`, the one
Sudachi pass that the committee's terms and the drafts of 要旨 read as well.

Every suggestion carries a confidence (0-1): the comment page ticks only those at or above
`PRETICK_CONFIDENCE`, and shows the others for the moderator to tick. Isesaki's districts and
town names (`isesaki_places.tsv`, with its source) are addresses, never names: a town given as
where someone lives is suggested, a district that is only the topic ("赤堀地区の児童館") is not.
Schools, nurseries and workplaces tied to a person ("息子が通う南小学校") are `affiliation`.
`bench/pii_suggestions.py` measures all of it on a labelled set (README).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import NamedTuple

from portal.services import japanese
from portal.services.japanese import Morpheme

# In priority order: of two overlapping suggestions, the kind named first is kept.
KINDS = (
    "email",
    "phone",
    "postal_code",
    "my_number",
    "address",
    "car_plate",
    "affiliation",
    "name",
)
# The comment page ticks suggestions from this confidence up; below it they are listed unticked.
# At 0.6 the ticked suggestions of the labelled set were right 9 times in 10 (README).
PRETICK_CONFIDENCE = 0.6
PLACES_FILE = Path(__file__).with_name("isesaki_places.tsv")

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
_RESIDENCE_WORD = re.compile(r"^.*?(?:住在|在住|住所|住)")
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
    r"\b(?:Mr|Mrs|Ms|Dr|Sr|Sra|Srta|Dona|Dom|Don|Ông|Bà|Anh|Chị|Ginang|Ginoo|Gng|G\.)\.?\s+"
    r"(?=[A-ZÀ-ÖØ-ÞĐ])"
)
# A letter's closing words, then the writer's name: "Best regards, Emily Johnson".
_SIGN_OFF_LATIN = re.compile(
    r"(?i:\b(?:regards|thank you|thanks|sincerely|trân trọng|xin cảm ơn|atenciosamente"
    r"|obrigad[oa]|saludos|gracias|maraming salamat|salamat))[,.!]?\s+"
)
_HONORIFIC_WORDS = frozenset(
    ("Mr", "Mrs", "Ms", "Dr", "Sr", "Sra", "Srta", "Dona", "Dom", "Don", "Ông", "Bà", "Anh", "Chị")
)
_NAME_PARTICLES = frozenset(("da", "de", "do", "dos", "das", "del", "della", "di", "van", "von"))
_LATIN_WORD = re.compile(r"[^\W\d_][^\W\d_'’\-]*")
_NAME_INTRO_HAN = re.compile(
    r"(?:我叫|我的名字是|我的名字叫|邻居|此致[，,]\s*)([一-龥]{2,4}?)(?=[也和是说的在很都就又还，。,、\s]|$)"
)
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
    "市議",
)
_NAME_ENDS = frozenset(".,;:!?()\"'")


@dataclass(frozen=True)
class Suggestion:
    """A span that looks like personal data, and how sure the suggester is (0-1)."""

    start: int
    end: int
    kind: str
    text: str
    confidence: float = 0.9

    @property
    def ticked(self) -> bool:
        """Whether the comment page ticks it in advance."""
        return self.confidence >= PRETICK_CONFIDENCE


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

    def add(match, kind: str, confidence: float) -> None:
        found.append(Suggestion(match.start(), match.end(), kind, match.group(), confidence))

    for match in _EMAIL.finditer(text):
        add(match, "email", 0.95)
    for match in _EMAIL_SPELLED.finditer(text):
        add(match, "email", 0.9)
    for match in _MY_NUMBER.finditer(text):
        if my_number_is_valid(_ascii_digits(match.group())):
            add(match, "my_number", 0.95)
    for match in _PHONE_INTL.finditer(text):
        if 8 <= len(_ascii_digits(match.group())) <= 15:
            add(match, "phone", 0.9)
    for match in _PHONE_JP.finditer(text):
        if len(_ascii_digits(match.group())) in (10, 11):
            add(match, "phone", 0.95)
    for match in _POSTAL.finditer(text):
        # 〒 says what it is; a bare 123-4567 may be another kind of number.
        add(match, "postal_code", 0.95 if match.group().startswith("〒") else 0.7)
    for match in _CAR_PLATE.finditer(text):
        add(match, "car_plate", 0.85)
    for match in _ADDRESS.finditer(text):
        # the kanji before a street address may be the sentence's own words (我住在, 住所)
        lead = _RESIDENCE_WORD.match(match.group())
        start = match.start() + (lead.end() if lead else 0)
        found.append(Suggestion(start, match.end(), "address", text[start : match.end()], 0.9))
    return found


def _latin_name_after(text: str, position: int) -> tuple[int, int] | None:
    """The capitalised words (up to four) starting at `position`, if any."""
    end = position
    words = 0
    for match in _LATIN_WORD.finditer(text, position):
        gap = text[end : match.start()]
        if (words and gap.strip()) or (not words and match.start() != position):
            break
        if words == 4:
            break
        if not match.group()[0].isupper():
            # da Silva, de la Cruz, van Dijk: a particle inside a name, never at its end
            following = _LATIN_WORD.match(text, match.end() + 1)
            if not (words and match.group() in _NAME_PARTICLES and following
                    and following.group()[0].isupper()
                    and text[match.end() : following.start()] == " "):  # fmt: skip
                break
            end = match.end()
            continue
        if not words and match.group().rstrip(".") in _HONORIFIC_WORDS:
            return None  # "my neighbour Mr. Tanaka": the honorific pattern takes the name
        end = match.end()
        words += 1
    return (position, end) if words else None


def _foreign_name_suggestions(text: str) -> list[Suggestion]:
    found: list[Suggestion] = []
    for pattern, confidence in (
        (_NAME_INTRO_LATIN, 0.9),
        (_SIGN_OFF_LATIN, 0.85),
        (_HONORIFIC_LATIN, 0.8),
    ):
        for match in pattern.finditer(text):
            span = _latin_name_after(text, match.end())
            if span:
                found.append(Suggestion(*span, "name", text[span[0] : span[1]], confidence))
    for pattern in (_NAME_INTRO_HAN, _NAME_INTRO_DEVANAGARI):
        for match in pattern.finditer(text):
            found.append(Suggestion(match.start(1), match.end(1), "name", match.group(1), 0.85))
    return found


# --- places -------------------------------------------------------------------------------


class Place(NamedTuple):
    """A district or town of Isesaki (isesaki_places.tsv)."""

    name: str
    kind: str  # district | town
    reading: str


@cache
def places() -> tuple[Place, ...]:
    """The city's districts and town names, from the data file kept beside this module."""
    found = []
    for line in PLACES_FILE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, kind, reading = (line.split("\t") + ["", ""])[:3]
            found.append(Place(name.strip(), kind.strip(), reading.strip()))
    return tuple(found)


@cache
def _place_names() -> frozenset[str]:
    return frozenset(p.name for p in places())


@cache
def _town_pattern() -> re.Pattern:
    towns = sorted((p.name for p in places() if p.kind == "town"), key=len, reverse=True)
    return re.compile(
        # not inside a longer kanji word (環境 is not 境), 伊勢崎市 taken along when written
        r"(?<![一-龥々])(?:群馬県)?(?:伊勢崎市)?(?:" + "|".join(map(re.escape, towns)) + ")"
        rf"(?:{_KANJI_NUM}+丁目)?(?:{_D}+(?:番地?|{_DASH})?(?:{_D}+(?:号|{_DASH}{_D}+)?)?)?"
    )


@cache
def _not_a_home() -> frozenset[str]:
    """What a residence phrase may name without naming a home: the city and its districts."""
    names = {p.name for p in places() if p.kind == "district"}
    names |= {p.reading.casefold() for p in places() if p.kind == "district"}
    return frozenset(names | {"伊勢崎市", "伊势崎", "伊势崎市", "东", "isesaki city", "japan"})


# A town is someone's home when the words around it say so; otherwise it may be the topic.
_HOME_AFTER = re.compile(r"\s?(?:在住|に住|に暮ら|の者|の住民|から参|住まい|に在住|です)")
_HOME_BEFORE = re.compile(r"(?:住所|住まい|在住|私は|自宅は?|の家|実家は?)[：:は]?\s?$")
_SIGN_OFF_LINE = 14  # a line this short holding a town is a sign-off ("境百々 関口ゆうと")


def _line_of(text: str, start: int, end: int) -> str:
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    return text[line_start : len(text) if line_end < 0 else line_end]


def _town_suggestions(text: str) -> list[Suggestion]:
    found = []
    for match in _town_pattern().finditer(text):
        start, end = match.start(), match.end()
        after, before = text[end : end + 6], text[max(0, start - 8) : start]
        numbered = any(ch.isdigit() for ch in match.group()) or "丁目" in match.group()
        line = _line_of(text, start, end).strip(" 　()（）")
        home = (
            numbered
            or _HOME_AFTER.match(after)
            or _HOME_BEFORE.search(before)
            or len(line) <= _SIGN_OFF_LINE
        )
        found.append(Suggestion(start, end, "address", match.group(), 0.85 if home else 0.4))
    return found


_LIVE_INTRO = re.compile(
    r"(?i:\b(?:I|we|they|he|she) (?:live|lives|lived) (?:in|at)|\bmoro (?:em|no|na)"
    r"|\bmoramos (?:em|no|na)|\bvivo en|\bvivimos en|\bsống ở|\bnakatira (?:ako |kami )?sa)\s+"
)
_LIVE_INTRO_HAN = re.compile(r"住在([一-龥々ヶ]{2,10}(?:[0-9０-９]+(?:[-－][0-9０-９]+)*)?)")
_ADDRESS_TOKEN = re.compile(r"[0-9]+(?:-[0-9]+)+|[A-ZÀ-Þ][\w'’]*(?:-[\w'’]+)*")


def _foreign_address_suggestions(text: str) -> list[Suggestion]:
    """ "I live in Sakai-Hiraizuka", "moro no Renjaku-machi 3-20-1", "住在境百々"."""
    found = []
    for match in _LIVE_INTRO.finditer(text):
        position, end = match.end(), match.end()
        for token in _ADDRESS_TOKEN.finditer(text, position):
            if token.start() != position or token.end() - match.end() > 40:
                break
            end = position = token.end()
            while position < len(text) and text[position] == " ":
                position += 1
        span = text[match.end() : end]
        if (
            span
            and span.casefold() not in _not_a_home()
            and ("-" in span or any(ch.isdigit() for ch in span))
        ):
            found.append(Suggestion(match.end(), end, "address", span, 0.85))
    for match in _LIVE_INTRO_HAN.finditer(text):
        if match.group(1) not in _not_a_home():
            found.append(Suggestion(match.start(1), match.end(1), "address", match.group(1), 0.85))
    return found


# --- schools and workplaces ---------------------------------------------------------------

_SCHOOL_WORDS = (
    "小学校|中学校|義務教育学校|高等学校|高校|特別支援学校|認定こども園|こども園|保育園|保育所"
    "|幼稚園|専門学校|大学"
)
_SCHOOL = re.compile(rf"(?:[一-龥々ァ-ヶー]{{1,12}}|[ぁ-ゖ]{{2,8}})(?:{_SCHOOL_WORDS})")
_WORKPLACE = re.compile(
    r"(?:株式会社|有限会社|合同会社|[(（][株有][)）])[一-龥々ァ-ヶーA-Za-z0-9・]{1,20}"
    r"|[一-龥々ァ-ヶーA-Za-z0-9・]{1,20}(?:株式会社|有限会社|工業|製作所|精工|商事|産業|病院|医院"
    r"|クリニック|市役所|役場|工場)"
)
# A school or workplace says who someone is when the sentence ties it to a person.
_TIED_TO_PERSON = re.compile(
    r"通う|通って|通わせ|通学|在学|在籍|年生|[一二三四五六1-6１-６]年|預け|勤め|勤務|働い|働き|職員|社員"
    r"|息子|娘|子ども|子供|孫|妻|夫|先生|園児|児童の親|の母|の父"
)
_GENERIC_PREFIX = frozenset(
    (
        "市立",
        "県立",
        "私立",
        "国立",
        "公立",
        "各",
        "全",
        "市内",
        "近隣",
        "地域",
        "市",
        "同じ",
        "地元",
    )
)
_PARTICLES = "のがはをにでもとへや"


def _sentence_of(text: str, start: int, end: int) -> str:
    left = max(text.rfind(mark, 0, start) for mark in "。！？!?\n")
    rights = [i for i in (text.find(mark, end) for mark in "。！？!?\n") if i >= 0]
    return text[left + 1 : min(rights) if rights else len(text)]


def _japanese_affiliations(text: str) -> list[Suggestion]:
    found = []
    for pattern in (_SCHOOL, _WORKPLACE):
        for match in pattern.finditer(text):
            start, name = match.start(), match.group()
            if "\u3041" <= name[0] <= "\u3096":
                # a hiragana name begins after the sentence's last particle (娘のひまわり保育園)
                cut = max(name.rfind(p) for p in _PARTICLES)
                head = re.match(r"[ぁ-ゖ]+", name).group()
                if cut >= 0 and cut < len(head):
                    start, name = start + cut + 1, name[cut + 1 :]
                if len(re.match(r"[ぁ-ゖ]*", name).group()) < 2:
                    continue
            prefix = re.match(r"[^小中義高特認こ保幼専大株有合(（]*", name).group()
            if prefix in _GENERIC_PREFIX:
                continue
            end = start + len(name)
            tied = _TIED_TO_PERSON.search(_sentence_of(text, start, end))
            found.append(Suggestion(start, end, "affiliation", name, 0.8 if tied else 0.4))
    return found


_AFFILIATION_INTRO = re.compile(
    r"(?i:\b(?:attends|goes to|go to|studies at|study at|(?:a )?student at|works? (?:at|for)"
    r"|employed (?:at|by)|estuda n[oa]|estudia en (?:la|el)|vai [àa]|vai ao|trabalh[oa] n[oa]"
    r"|trabalha n[oa]|trabalho meio período n[oa]|trabaj[oa] en (?:la|el)|học ở|làm việc tại"
    r"|làm việc ở|làm ở|đi|nag-aaral sa|nagtatrabaho (?:ako )?sa|nasa|(?:is|are) in))\s+"
)
# After a word this generic ("đi", "nasa", "is in") it must be a school or a workplace.
_GENERIC_INTRO = ("đi", "nasa", "is in", "are in", "go to", "goes to", "vai à", "vai a", "vai ao")
_INSTITUTION = re.compile(
    r"(?i:school|elementary|nursery|kindergarten|university|college|factory|plant|company|office"
    r"|hospital|escola|creche|fábrica|loja|empresa|universidade|escuela|guardería|trường|nhà trẻ"
    r"|công ty|nhà máy|bệnh viện|paaralan|pabrika|kompanya|ospital)"
)
_CLAUSE_END = re.compile(
    r"[.,;:!?。，、]|\s(?:and|but|on|in|since|for|e|em|mas|y|en|và|nhưng|at|kaya|pero|with|com)\s"
)
_NEAR = re.compile(r"(?i:\b(?:near|gần|perto|cerca|malapit)\b)")
_AFFILIATION_HAN = re.compile(r"在([一-龥々]{2,12}?)(?:上学|读书|工作|上班)")


def _foreign_affiliations(text: str) -> list[Suggestion]:
    found = []
    for match in _AFFILIATION_INTRO.finditer(text):
        rest = text[match.end() : match.end() + 80]
        stop = _CLAUSE_END.search(rest)
        phrase = rest[: stop.start() if stop else len(rest)].rstrip()
        words = phrase.split()
        if not words or len(words) > 6:
            continue
        intro = match.group().strip().casefold()
        if intro in _GENERIC_INTRO and not _INSTITUTION.search(phrase):
            continue
        # a named place ("Himawari Nursery", "Subaru"), not "a factory near the station"
        if not any(word[0].isupper() for word in words) or _NEAR.search(phrase):
            continue
        end = match.end() + len(phrase)
        found.append(Suggestion(match.end(), end, "affiliation", phrase, 0.8))
    for match in _AFFILIATION_HAN.finditer(text):
        if match.group(1) in _not_a_home():
            continue  # 在伊势崎工作: works in the city
        found.append(Suggestion(match.start(1), match.end(1), "affiliation", match.group(1), 0.8))
    return found


# --- Japanese names -----------------------------------------------------------------------


# Kana marks Japanese: Chinese text (all Han) would otherwise be read as Japanese names. An
# address line may have no kana at all ("〒372-0801 伊勢崎市宮子町3456番地 田中一郎").
_HAS_JAPANESE = re.compile(r"[\u3040-\u30ff]|〒|丁目|番地")


def warm_up() -> None:
    """Load the dictionary now, so the first resident after a restart does not wait for it."""
    japanese.warm_up()


def _is_name(pos: tuple) -> bool:
    return pos[1] == "固有名詞" and pos[2] == "人名"


# What follows a name and is not part of it.
_NAME_TAILS = (
    "でした", "です", "さん", "さま", "くん", "ちゃん", "から", "より", "だ",
    *(p for p in _PARTICLES if p != "と"),  # と ends many names (ゆうと); taken off before 申す
)  # fmt: skip
_NOT_A_GIVEN_NAME = ("さん", "さま", "くん", "ちゃん", "せんせい", "です", "でした", "から", "より")
_KANA_RUN = re.compile(r"[ぁ-ゖァ-ヺー]+")
_SELF_INTRO = re.compile(r"^\s?(?:と申し|といい|と言い|です|でした|と申す)")
_INTRO_BEFORE = re.compile(r"(?:名前は|氏名[：:]?|署名[：:]?)\s?$")


def _given_name_end(text: str, surname_end: int, given: Morpheme | None) -> int:
    """Where a name's kana given name ends: 関口ゆうと (Sudachi reads ゆう + と), 伊藤そうた."""
    start = given.begin if given is not None else surname_end
    run = _KANA_RUN.match(text, start)
    if run is None:
        return given.end if given is not None else surname_end
    name = run.group()
    following = text[run.end() : run.end() + 2]
    if name.endswith("と") and following[:1] in ("申", "言", "い"):
        name = name[:-1]  # 吉田ゆうこと申します
    tagged = given.end - start if given is not None else 0
    for tail in _NAME_TAILS:
        if name.endswith(tail) and len(name) - len(tail) >= max(tagged, 2):
            name = name[: -len(tail)]
            break
    if given is None and (
        name.startswith(_NOT_A_GIVEN_NAME) or name[:1] in _PARTICLES or not 2 <= len(name) <= 5
    ):
        return surname_end
    return max(start + len(name), given.end if given is not None else surname_end)


def _is_place(morphemes: Sequence[Morpheme], index: int) -> bool:
    """A name-tagged word that is a place here: a district or town of the city (赤堀地区)."""
    if morphemes[index].surface in _place_names():
        return True
    following = morphemes[index + 1].surface if index + 1 < len(morphemes) else ""
    return following in ("町", "村", "市") or following.startswith(
        ("地区", "地域", "駅", "公民館", "小学校", "中学校")
    )


_PERSONAL_HONORIFICS = ("さん", "様", "さま", "先生", "君", "くん", "ちゃん")


def _named_by_honorific(morphemes: Sequence[Morpheme], index: int) -> bool:
    """A word the dictionary takes for a place, followed by さん or 先生, is a surname (松本先生)."""
    word = morphemes[index]
    following = morphemes[index + 1].surface if index + 1 < len(morphemes) else ""
    return (
        word.pos[1] == "固有名詞"
        and word.pos[2] == "地名"
        and word.surface not in _place_names()
        and following.startswith(_PERSONAL_HONORIFICS)
    )


def _japanese_name_suggestions(text: str, lines: Sequence[Sequence[Morpheme]]) -> list[Suggestion]:
    found: list[Suggestion] = []
    for morphemes in lines:
        i = 0
        while i < len(morphemes):
            if _named_by_honorific(morphemes, i):
                word = morphemes[i]
                found.append(Suggestion(word.begin, word.end, "name", word.surface, 0.85))
                i += 1
                continue
            if not _is_name(morphemes[i].pos) or _is_place(morphemes, i):
                i += 1
                continue
            start, end = morphemes[i].begin, morphemes[i].end
            kinds = [morphemes[i].pos[3]]
            given = None
            j = i + 1
            # 姓 + 名, possibly with a space between, is one name.
            while j < len(morphemes):
                if _is_name(morphemes[j].pos) and not _is_place(morphemes, j):
                    end = morphemes[j].end
                    kinds.append(morphemes[j].pos[3])
                    given = morphemes[j]
                    j += 1
                elif morphemes[j].surface in (" ", "　") and j + 1 < len(morphemes):
                    if _is_name(morphemes[j + 1].pos) and not _is_place(morphemes, j + 1):
                        j += 1
                        continue
                    break
                else:
                    break
            if kinds[-1] == "姓" or (given is not None and _KANA_RUN.fullmatch(given.surface)):
                end = _given_name_end(text, end, given if kinds[-1] != "姓" else None)
                while j < len(morphemes) and morphemes[j].begin < end:
                    j += 1
            following = text[end : end + 8]
            line = _line_of(text, start, end)
            if len(kinds) > 1 or end - start > len(morphemes[i].surface):
                confidence = 0.9
            elif (
                following.startswith(_JP_HONORIFICS)
                or _SELF_INTRO.match(following)
                or _INTRO_BEFORE.search(text[max(0, start - 6) : start])
                or len(line.strip()) <= _SIGN_OFF_LINE
            ):
                confidence = 0.85
            else:
                confidence = 0.5
            # A lone given name or surname is often an ordinary word tagged as a name (e.g. a
            # shop or a season); it counts with a full name, an honorific, or in kanji of two
            # characters or more.
            if len(kinds) > 1 or following.startswith(_JP_HONORIFICS) or (end - start >= 2):
                found.append(Suggestion(start, end, "name", text[start:end], confidence))
            i = j
    return found


def _without_overlaps(suggestions: list[Suggestion]) -> list[Suggestion]:
    """Keep the first of overlapping suggestions in priority order (KINDS order), then sort."""
    priority = {kind: index for index, kind in enumerate(KINDS)}
    kept: list[Suggestion] = []
    for suggestion in sorted(
        suggestions, key=lambda s: (priority[s.kind], -s.confidence, -(s.end - s.start), s.start)
    ):
        if all(suggestion.end <= k.start or suggestion.start >= k.end for k in kept):
            kept.append(suggestion)
    return sorted(kept, key=lambda s: (s.start, s.end))


def _next_to_a_name(found: list[Suggestion]) -> list[Suggestion]:
    """A town beside a name (a sign-off, "高橋みゆき（連取町）") is that person's home."""
    names = [s for s in found if s.kind == "name" and s.ticked]
    result = []
    for suggestion in found:
        if suggestion.kind == "address" and not suggestion.ticked:
            if any(0 <= n.start - suggestion.end <= 2 or 0 <= suggestion.start - n.end <= 2
                   for n in names):  # fmt: skip
                suggestion = Suggestion(
                    suggestion.start, suggestion.end, suggestion.kind, suggestion.text, 0.85
                )
        result.append(suggestion)
    return result


def suggest(text: str, morphemes: Sequence[Sequence[Morpheme]] | None = None) -> list[Suggestion]:
    """Every span of `text` that looks like personal data, without overlaps, in text order.

    `morphemes` is `japanese.analyse(text)` when the caller has it already; it is read only when the
    text holds kana (Japanese)."""
    found = _regex_suggestions(text) + _foreign_name_suggestions(text)
    found += _town_suggestions(text) + _foreign_address_suggestions(text)
    found += _japanese_affiliations(text) + _foreign_affiliations(text)
    if _HAS_JAPANESE.search(text):
        lines = morphemes if morphemes is not None else japanese.analyse(text)
        found += _japanese_name_suggestions(text, lines)
    return _next_to_a_name(_without_overlaps(found))
