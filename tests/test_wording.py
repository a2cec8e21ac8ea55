"""Wording a resident can trust: options that cannot be mistaken, and the term lists kept.

The term lists (``translations/terms/<tag>.md``) are written for people who write new strings;
their table is also read here, so a catalog or content file that uses a rejected rendering of a
key term fails the suite.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa
from babel.messages.pofile import read_po
from conftest import post_form, set_period

from portal.database import utcnow
from portal.extensions import db
from portal.i18n import LOCALES, TRANSLATIONS_DIR, po_path
from portal.models import Measure, StaffUser
from portal.models.moderation import CityResponse
from portal.services.content.seed import CONTENT_DIR
from portal.services.moderation.decisions import decide
from portal.services.resident.submission import CommentInput, submit_comment

TAGS = [locale.tag for locale in LOCALES]
TERMS_DIR = TRANSLATIONS_DIR / "terms"
CHOICES = ("language", "respondent_type", "age_band", "district", "position")


class _FormChoices(HTMLParser):
    """The visible label of every option of every choice field of a page, by field name."""

    def __init__(self) -> None:
        super().__init__()
        self.choices: dict[str, list[str]] = {}
        self._field: str | None = None  # the field whose option text is being read
        self._text: list[str] = []
        self._in_choice_label = False
        self._select: str | None = None
        self._hidden = 0  # inside <rt>/<rp>: furigana readings are not what the eye scans first

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "select":
            self._select = attributes.get("name")
        elif tag == "option" and self._select:
            self._field, self._text = self._select, []
        elif tag == "label" and "choice" in (attributes.get("class") or "").split():
            self._in_choice_label, self._field, self._text = True, None, []
        elif tag == "input" and self._in_choice_label and attributes.get("type") == "radio":
            self._field = attributes.get("name")
        elif tag in ("rt", "rp"):
            self._hidden += 1

    def handle_endtag(self, tag):
        if tag in ("rt", "rp"):
            self._hidden -= 1
        elif tag == "select":
            self._select = None
        elif (tag == "option" or tag == "label" and self._in_choice_label) and self._field:
            label = " ".join("".join(self._text).split())
            self.choices.setdefault(self._field, []).append(label)
            self._field, self._in_choice_label = None, False
        elif tag == "label":
            self._in_choice_label = False

    def handle_data(self, data):
        if not self._hidden:
            self._text.append(data)


def _folded(label: str) -> str:
    # Case and the readings in parentheses (kept where ruby cannot go) do not change how a label
    # starts for the reader.
    return re.sub(r"[(（][\u3041-\u309f\u30a0-\u30ff]+[)）]", "", label).casefold().strip()


@pytest.mark.parametrize("tag", TAGS)
def test_no_option_begins_with_the_whole_text_of_another(client, open_measure, tag):
    page = client.get(f"/{tag}/measures/1-1").get_data(as_text=True)
    parser = _FormChoices()
    parser.feed(page)
    assert set(CHOICES) <= set(parser.choices), sorted(parser.choices)
    for field in CHOICES:
        labels = [_folded(label) for label in parser.choices[field]]
        assert len(labels) >= 3, (field, labels)
        assert all(labels), (field, labels)
        for i, label in enumerate(labels):
            for j, other in enumerate(labels):
                assert i == j or not label.startswith(other), (
                    f"{tag} {field}: {label!r} begins with {other!r}"
                )


def test_the_check_catches_an_option_that_begins_with_another():
    parser = _FormChoices()
    parser.feed(
        '<label class="choice"><input name="position" type="radio" value="d"> không đồng ý'
        '</label><label class="choice"><input name="position" type="radio" value="n"> '
        "Không đồng ý cũng không phản đối</label>"
        '<select name="district"><option value="">境(さかい)</option></select>'
        '<label class="choice"><input name="x" type="radio"> <ruby>市<rp>(</rp><rt>し</rt>'
        "<rp>)</rp></ruby> に すんで います</label>"
    )
    assert parser.choices == {
        "position": ["không đồng ý", "Không đồng ý cũng không phản đối"],
        "district": ["境(さかい)"],
        "x": ["市 に すんで います"],
    }
    first, second = (_folded(label) for label in parser.choices["position"])
    assert second.startswith(first)
    assert _folded("境(さかい)") == "境"


# The key terms every list must cover, by their Japanese form: issue 12's, then the results'
# (the five 対応区分, the table's columns, the counts) and the outline's general chapters.
KEY_TERMS = ("パブリックコメント", "意見", "受付番号", "アクセスキー", "施策", "市の考え方", "公表")
KEY_TERMS += ("非公開", "職員", "条例", "期間")
KEY_TERMS += ("反映する", "既に盛り込み済み", "今後の参考とする", "反映しない", "対象外")
KEY_TERMS += ("意見の要旨", "該当箇所", "同趣旨", "再掲", "件", "人")
KEY_TERMS += ("はじめに", "基本方針", "推進方法")
_CELL_SPLIT = re.compile(r"(?<!\\)\|")
_READING_IN_PARENTHESES = re.compile(
    r"([\u4e00-\u9fff\u3005][\u4e00-\u9fff\u3005\u3041-\u309f]*)[(（][\u3041-\u309f\u30a0-\u30ff]+[)）]"
)
_RUBY_MARK = re.compile(r"\{([^{}|]+)\|[^{}|]+\}")
_GLOSSARY_MARK = re.compile(r"\[\[[a-z-]+\|([^\]]+)\]\]")
_DEVANAGARI = re.compile(r"[\u0900-\u097f]")
_NO_SPACES = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")  # scripts written without word spaces
# In a rejected variant, # stands for a number or a count's placeholder: `#件` is 3件 or %(num)s件.
_NUMBER = r"(?:\d[\d,.]*|%\(\w+\)[sd])"


def term_list(tag: str) -> list[dict[str, str]]:
    """The rows of a locale's Terms table, by column name (the Rejected cell kept raw)."""
    lines = (TERMS_DIR / f"{tag}.md").read_text(encoding="utf-8").splitlines()
    start = lines.index("## Terms")
    table = [line for line in lines[start:] if line.startswith("|")]
    header = [cell.strip() for cell in _CELL_SPLIT.split(table[0].strip("|"))]
    return [
        dict(zip(header, (c.strip() for c in _CELL_SPLIT.split(row.strip("|"))), strict=True))
        for row in table[2:]
    ]


def rejected_variants(tag: str) -> list[tuple[str, str]]:
    """(Japanese term, rejected rendering) pairs of a locale's term list."""
    return [
        (row["Japanese"], variant)
        for row in term_list(tag)
        for variant in re.findall(r"`([^`]+)`", row["Rejected"])
    ]


def uses_variant(text: str, variant: str) -> bool:
    """True if `variant` occurs in `text` as words (anywhere, in scripts without spaces)."""
    text, variant = text.casefold(), variant.casefold()
    escaped = _NUMBER.join(re.escape(part) for part in variant.split("#"))
    if _NO_SPACES.search(variant):
        return re.search(escaped, text) is not None
    pattern = rf"(?<![\w\u0900-\u097f]){escaped}"
    # Nepali postpositions join the word they follow (प्रणालीको): only its start must match.
    if not _DEVANAGARI.search(variant):
        pattern += r"(?![\w\u0900-\u097f])"
    return re.search(pattern, text) is not None


def _as_read(text: str) -> str:
    # What the reader sees, readings aside: 意見(いけん) and {意見|いけん} are both 意見.
    text = _RUBY_MARK.sub(r"\1", _GLOSSARY_MARK.sub(r"\1", text))
    return _READING_IN_PARENTHESES.sub(r"\1", text)


def _strings(node) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for key, value in node.items() if key != "locale" for s in _strings(value)]
    if isinstance(node, list):
        return [s for value in node for s in _strings(value)]
    return []


def resident_texts(locale) -> list[tuple[str, str]]:
    """(where, text) of every translated message and content string residents read in a locale."""
    with po_path(locale.catalog).open("rb") as handle:
        catalog = read_po(handle, locale=locale.babel_code)
    texts = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        texts += [(f"{locale.catalog} catalog: {msgid!r}", s) for s in strings if s]
    content = CONTENT_DIR / f"{locale.tag}.json"
    if content.exists():
        doc = json.loads(content.read_text(encoding="utf-8"))
        texts += [(f"portal/content/{content.name}", s) for s in _strings(doc)]
    return [(where, _as_read(text)) for where, text in texts]


@pytest.mark.parametrize("tag", TAGS)
def test_every_locale_has_a_term_list_with_the_key_terms(tag):
    rows = term_list(tag)
    # a row's Japanese cell names one term, or several apart ("受付開始 / 受付締切", "法律 (…)")
    japanese = {
        part.strip()
        for row in rows
        for part in re.split(r"\s*/\s*|\s*[(（]", row["Japanese"].rstrip(")）"))
    }
    missing = [term for term in KEY_TERMS if term not in japanese]
    assert not missing, f"translations/terms/{tag}.md lacks {missing}"
    language_column = list(rows[0])[2]
    assert all(row[language_column] for row in rows), f"{tag}: a term without its rendering"


@pytest.mark.parametrize("locale", LOCALES, ids=TAGS)
def test_no_string_uses_a_rejected_rendering_of_a_key_term(locale):
    variants = rejected_variants(locale.tag)
    found = [
        f"{where} uses {variant!r} (for {term}; see translations/terms/{locale.tag}.md)"
        for where, text in resident_texts(locale)
        for term, variant in variants
        if uses_variant(text, variant)
    ]
    assert not found, "\n".join(found[:10])


def test_rejected_renderings_are_found_as_a_reader_would_see_them():
    assert uses_variant("Chỉ cán bộ thành phố mới xem được", "cán bộ")
    assert uses_variant("Ý kiến của bạn.", "bạn")
    assert not uses_variant("The comment was deleted.", "delete")
    assert not uses_variant("Ý kiến của quý vị.", "bạn")
    assert uses_variant("तपाईंको पाठ तल सुरक्षित छ", "तपाईंको पाठ")
    assert uses_variant("स्वघोषणा प्रणालीको उपयोग", "स्वघोषणा प्रणाली")
    assert not uses_variant("इसेसाकी", "Isesaki")
    assert uses_variant("(Isesaki)", "isesaki")
    assert uses_variant(_as_read("この 施策(しさく) に ついて"), "施策")
    assert uses_variant(_as_read("あなた の いけん"), "いけん")
    assert not uses_variant(_as_read("あなたの 意見(いけん)"), "いけん")
    assert not uses_variant(_as_read("{意見|いけん}を [[npo|NPO]]に"), "いけん")
    assert ("vi", "cán bộ") in [("vi", v) for _term, v in rejected_variants("vi")]
    # a count: # stands for a number or a placeholder, and only for them
    assert uses_variant("相同要点的意见 %(num)s件", "#件")
    assert uses_variant("共3件", "#件")
    assert not uses_variant("请通过电子邮件联系", "#件")
    assert uses_variant(_as_read("%(comments)s こ の 意見(いけん)"), "# こ")
    assert not uses_variant(_as_read("%(num)s件(けん)"), "# こ")
    assert uses_variant("तपाईं ३० सेकेन्डपछि", "३")
    assert not uses_variant("तपाईं 30 सेकेन्डपछि", "३")


def test_easy_japanese_messages_give_every_kanji_word_its_own_reading():
    [easy] = [locale for locale in LOCALES if locale.tag == "ja-x-easy"]
    with po_path(easy.catalog).open("rb") as handle:
        catalog = read_po(handle, locale=easy.babel_code)
    # Kanji, then okurigana only, then the reading: 市の意見(いけん) would put いけん over 市の意見.
    word_with_reading = re.compile(
        r"[\u4e00-\u9fff\u3005]+[\u3041-\u309f]*[(（][\u3041-\u309f\u30a0-\u30ff]+[)）]"
    )
    kanji = re.compile(r"[\u4e00-\u9fff\u3005]")
    strings = [
        string
        for message in catalog
        if message.id
        for string in (message.string if isinstance(message.string, tuple) else (message.string,))
    ]
    assert any("日(にち)" in string for string in strings)  # plural forms are read too
    bare = [string for string in strings if kanji.search(word_with_reading.sub("", string))]
    assert not bare, bare[:3]
    assert kanji.search(word_with_reading.sub("", "市の意見(いけん)"))


# --- Easy Japanese: one spelling per word, particles with their word ---------------------------

EASY = next(locale for locale in LOCALES if locale.tag == "ja-x-easy")
# Strings used only as aria-label are in kana on purpose (rule 5 of the convention): a screen
# reader would read a parenthesised reading twice.
ARIA_LABEL_ONLY = {"Language", "Glossary", "Breadcrumb"}
# Kana spellings that are another word than the kanji word with the same reading, so the
# convention keeps them in kana.
KEPT_IN_KANA = {
    "した": "the past of する after a word written apart (コピー した), not 下(した)",
    "して": "the te-form of する after a word written apart (メモ して), not 下(した) + て",
    "みる": "〜て みる (try doing) is an auxiliary verb, in kana as official writing has it",
}
PARTICLES = ("には", "では", "にも", "への", "との", "での", "のは", "のが", "のを", "からの")
PARTICLES += ("から", "まで", "より", "だけ", "など", "です", "を", "が", "は", "に", "の", "で")
PARTICLES += ("と", "へ", "も", "や")
# A word written 漢字(かな), its okurigana and any particles joined to it: 取(と)り組(く)みに.
_EASY_WORD = re.compile(r"(?:[\u4e00-\u9fff\u3005]+[(（][\u3041-\u309f]+[)）][\u3041-\u309f]*)+")
_NOT_KANA = re.compile(r"[^\u3041-\u309f]")
_BUNSETSU_SPLIT = re.compile(r"[\s、。,.:：;!?！？()（）「」『』/／・〜~\[\]]+")
_DETACHED_PARTICLE = re.compile(
    r"(?<=\S)[ \u3000]+(" + "|".join(PARTICLES) + r")(?=[ \u3000、。,.:：)）」]|$)"
)
_PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")
# A number and its counter are one phrase too: 30日(にち), %(num)s件(けん), not %(num)s 日(にち).
_DETACHED_COUNTER = re.compile(r"(?:\d|%\(\w+\)[sd])[ \u3000]+[\u4e00-\u9fff]")


def _without_particles(kana: str, keep: int = 0) -> str:
    """`kana` without the particles at its end (keeping its first `keep` letters): いけんを -> いけん."""
    stripped = True
    while stripped:
        stripped = False
        for particle in PARTICLES:
            if kana.endswith(particle) and len(kana) - len(particle) >= max(keep, 1):
                kana, stripped = kana[: -len(particle)], True
                break
    return kana


def kana_spelling(word: str) -> str:
    """How a 漢字(かな) word reads in kana alone, particles aside: 取(と)り組(く)みに -> とりくみ.

    Only what follows the last reading can be a particle: 外(そと) keeps its と.
    """
    head, tail = word[: word.rindex(")") + 1], word[word.rindex(")") + 1 :]
    head = _NOT_KANA.sub("", re.sub(r"[\u4e00-\u9fff\u3005]", "", head))
    return _without_particles(head + tail, keep=len(head))


def kanji_words_by_reading(strings: list[str], content: str = "") -> dict[str, str]:
    """Every word written with kanji and its reading, keyed by its spelling in kana.

    From the catalog (漢字(かな)) and from the content's compound words ({意見|いけん}); a
    content word of one kanji is left out, as its reading there is only a stem ({送|おく}る).
    """
    words = {}
    for string in strings:
        for match in _EASY_WORD.finditer(string):
            words.setdefault(kana_spelling(match[0]), match[0])
    for kanji, reading in re.findall(
        r"\{([\u4e00-\u9fff\u3005]{2,})\|([\u3041-\u309f]+)\}", content
    ):
        words.setdefault(reading, kanji)
    return words


def bare_kana_words(string: str, words: dict[str, str]) -> list[str]:
    """The phrases of `string` written in kana alone that the catalog elsewhere writes in kanji."""
    text = _EASY_WORD.sub("\0", _PLACEHOLDER.sub(" ", string))
    found = []
    for phrase in _BUNSETSU_SPLIT.split(text):
        if not phrase or _NOT_KANA.search(phrase):
            continue  # empty, or not kana alone (a kanji word, katakana, digits)
        # この is not 個(こ) + の: what is left once particles are taken off is two letters or more
        for kana in {phrase, _without_particles(phrase, keep=2)}:
            if kana in words and kana not in KEPT_IN_KANA:
                found.append(f"{phrase} ({words[kana]})")
                break
    return found


def detached_particles(string: str) -> list[str]:
    """Particles (or counters) apart from their word: `意見(いけん) を`, `だけ です`, `%(num)s 日`."""
    return [
        string[string.rfind(" ", 0, match.start()) + 1 : match.end()]
        for pattern in (_DETACHED_PARTICLE, _DETACHED_COUNTER)
        for match in pattern.finditer(string)
    ]


def _easy_catalog_strings() -> list[tuple[str, str]]:
    with po_path(EASY.catalog).open("rb") as handle:
        catalog = read_po(handle, locale=EASY.babel_code)
    return [
        (message.id if isinstance(message.id, str) else message.id[0], string)
        for message in catalog
        if message.id
        for string in (message.string if isinstance(message.string, tuple) else (message.string,))
        if string
    ]


def test_easy_japanese_writes_a_word_the_same_way_everywhere():
    strings = _easy_catalog_strings()
    content = (CONTENT_DIR / "ja-x-easy.json").read_text(encoding="utf-8")
    words = kanji_words_by_reading([string for _msgid, string in strings], content)
    assert {"いけん", "けっか", "おくる", "ことば"} <= set(words)  # the list is built, not empty
    found = [
        f"{msgid!r}: {word}"
        for msgid, string in strings
        if msgid not in ARIA_LABEL_ONLY
        for word in bare_kana_words(string, words)
    ]
    assert not found, "written in kana, in kanji elsewhere:\n" + "\n".join(found)


def test_easy_japanese_particles_and_counters_stay_with_their_word():
    found = [
        f"{msgid!r}: {excerpt}"
        for msgid, string in _easy_catalog_strings()
        for excerpt in detached_particles(string)
    ]
    assert not found, "particles apart from their word:\n" + "\n".join(found)


def test_the_easy_japanese_checks_catch_what_the_review_found():
    words = kanji_words_by_reading(
        ["結果(けっか)を 知(し)らせました", "意見(いけん)を 送(おく)る", "取(と)り組(く)みに"],
        '{"p": "{言葉|ことば}で {送|おく}る"}',
    )
    assert kana_spelling("取(と)り組(く)みに") == "とりくみ"
    assert set(words) == {"けっか", "しらせました", "いけん", "おくる", "とりくみ", "ことば"}
    assert bare_kana_words("けっか を 見(み)る", words) == ["けっか (結果(けっか)を)"]
    assert bare_kana_words("あなたの ことばで おくる", words) == [
        "ことばで (言葉)",
        "おくる (送(おく)る)",
    ]
    assert bare_kana_words("%(num)s けっか", words) == ["けっか (結果(けっか)を)"]
    assert bare_kana_words("結果(けっか)を 見(み)る。いま、とりくみ中", words) == []
    assert bare_kana_words("コピー して ください", {"して": "x", "ください": "y"}) == [
        "ください (y)"
    ]
    assert detached_particles("意見(いけん) を 送(おく)る") == ["意見(いけん) を"]
    assert detached_particles("日本語(にほんご) だけ です。") == [
        "日本語(にほんご) だけ",
        "だけ です",
    ]
    assert detached_particles("%(mark)s と 書(か)いて") == ["%(mark)s と"]
    assert detached_particles("少(すこ)し 待(ま)って から、") == ["待(ま)って から"]
    assert detached_particles("見(み)る ことが できる のは") == ["できる のは"]
    assert detached_particles("あと %(num)s 日(にち)") == ["%(num)s 日"]
    assert detached_particles("あと %(num)s日(にち)。2020年(ねん) 3月(がつ)") == []
    assert detached_particles("意見(いけん)を 送(おく)る。この ページは のせて") == []


# --- Counts are plural messages ------------------------------------------------------------------

# Placeholders that name or place one thing rather than count things; any other is a count.
NOT_COUNTS = {
    "code": "a measure's code, 1-(2)",
    "date": "a date",
    "number": "a row's or a receipt's number: it names one thing",
    "first": "a position in a list (the count is the list's total)",
    "last": "a position in a list",
    "mark": "the mark shown for withheld words",
    "page": "a page's title",
    "comments_sent": "a count already put into words by its own plural message",
    "row": "a results row's number: it names one row",
    "measure": "a measure's code and title",
    "title": "a measure's title",
    "paragraph": "the first words of a paragraph, naming it",
    "axe": "the version of axe-core a test run used",
    "browser": "the version of the browser a test run used",
}


def count_placeholders(message) -> set[str]:
    """The placeholders of a message that count something."""
    ids = message.id if isinstance(message.id, tuple) else (message.id,)
    return {name for text in ids for name in re.findall(r"%\((\w+)\)[sd]", text)} - set(NOT_COUNTS)


def test_every_count_message_is_a_plural_message():
    from portal.services.content.catalogs import extract_template, split_template

    resident, _staff = split_template(extract_template())
    counts = [message for message in resident if message.id and count_placeholders(message)]
    assert len(counts) >= 5  # the check sees the count messages
    singular = [
        f"{message.id!r} ({', '.join(sorted(count_placeholders(message)))}) at "
        f"{message.locations[0][0]}"
        for message in counts
        if not message.pluralizable
    ]
    assert not singular, "a count in a message that is not ngettext:\n" + "\n".join(singular)


def test_the_count_check_tells_counts_from_codes_and_dates():
    from babel.messages.catalog import Message

    assert count_placeholders(Message("%(people)s people sent %(comments)s comments.")) == {
        "people",
        "comments",
    }
    assert count_placeholders(Message("Corrected on %(date)s")) == set()
    assert count_placeholders(Message("Repeated: first sent on measure %(code)s")) == set()
    assert count_placeholders(Message("Row %(number)s of the results")) == set()
    assert count_placeholders(Message("Comments %(first)s to %(last)s of %(total)s")) == {"total"}
    assert count_placeholders(Message(("%(num)s day left", "%(num)s days left"))) == {"num"}


_COUNTER = re.compile(r'<p class="counter" id="body-counter"(.*?)>', re.S)
ANNOUNCEMENTS = {
    "near": (
        "%(num)s character left before the limit.",
        "%(num)s characters left before the limit.",
    ),
    "over": (
        "Your comment is over the limit by %(num)s character. Please shorten it.",
        "Your comment is over the limit by %(num)s characters. Please shorten it.",
    ),
}


@pytest.mark.parametrize("locale", LOCALES, ids=TAGS)
def test_counter_announcements_read_right_for_every_count(app, client, open_measure, locale):
    """The browser picks the "one" or the other form by the language's CLDR rule (as
    Intl.PluralRules does); that must read as the catalog's own plural rule would, for any count."""
    from html import unescape

    from portal.i18n import catalog_translations

    page = client.get(f"/{locale.tag}/measures/1-1").get_data(as_text=True)
    attributes = dict(re.findall(r'data-([a-z-]+)="([^"]*)"', _COUNTER.search(page)[1]))
    translations = catalog_translations(locale.catalog)
    rule = locale.babel.plural_form
    for name, (singular, plural) in ANNOUNCEMENTS.items():
        placeholder = "{left}" if name == "near" else "{over}"
        one, other = unescape(attributes[f"{name}-one"]), unescape(attributes[name])
        for count in range(0, 1201):
            shown = one if rule(count) == "one" else other
            expected = translations.ngettext(singular, plural, count) % {"num": placeholder}
            assert shown == expected, (locale.tag, name, count, shown, expected)


def _publish_with_comments(app, client, login_as, make_staff, bodies: list[str]) -> None:
    """Measure 1-(1) after its period, one approved comment per body (each from another
    resident, each with the city's response), its results published by an admin."""
    set_period(app, "1-(1)", timedelta(days=-40), timedelta(days=5))
    moderator = make_staff("moderator")
    with app.app_context():
        actor, now = db.session.get(StaffUser, moderator["id"]), utcnow()
        measure = db.session.scalar(sa.select(Measure).where(Measure.code == "1-(1)"))
        for body in bodies:
            comment, _key = submit_comment(
                measure,
                CommentInput(body=body, declared_language="ja", respondent_type="lives"),
                now,
            )
            db.session.flush()
            decide(comment, "approve", actor=actor, ip=None, now=now)
            db.session.add(
                CityResponse(comment_id=comment.id, category="reflected", text_ja="検討します。")
            )
        db.session.commit()
    set_period(app, "1-(1)", timedelta(days=-40), timedelta(days=-1))
    login_as("admin")
    page = "/staff/admin/measures/1-(1)"
    response = post_form(client, page, page + "/results/publish", {"confirm": "y"})
    assert response.status_code == 302, response.text


def _figures(page: str) -> str:
    """The sentence of the results page that counts people and comments, ruby back in brackets."""
    sentence = re.search(r'<p class="results-total">(.*?)</p>', page, re.S)[1]
    sentence = re.sub(
        r"<ruby>(.*?)<rp>\(</rp><rt>(.*?)</rt><rp>\)</rp></ruby>", r"\1(\2)", sentence
    )
    return " ".join(sentence.split())


@pytest.mark.parametrize(
    ("tag", "sentence"),
    [
        ("en", "1 person sent 1 opinion."),
        ("pt-BR", "1 pessoa enviou 1 opinião."),
        ("es", "1 persona envió 1 opinión."),
        ("ja", "1人から1件の意見が提出されました。"),
        ("zh-Hans", "共有1人提交了1条意见。"),
    ],
)
def test_one_comment_is_counted_in_the_singular(app, client, login_as, make_staff, tag, sentence):
    _publish_with_comments(app, client, login_as, make_staff, ["窓口を土曜日も開けてください。"])
    assert _figures(client.get(f"/{tag}/measures/1-1/results").text) == sentence


@pytest.mark.parametrize(
    ("tag", "sentence"),
    [
        ("en", "2 people sent 2 opinions."),
        ("pt-BR", "2 pessoas enviaram 2 opiniões."),
        ("ne", "2 जनाले 2 वटा राय पठाउनुभयो।"),
        (
            "ja-x-easy",
            "2件(けん)の 意見(いけん)が 届(とど)きました。送(おく)った 人(ひと)の 数(かず)は 2です。",
        ),
    ],
)
def test_several_comments_are_counted_in_the_plural(
    app, client, login_as, make_staff, tag, sentence
):
    bodies = ["窓口を土曜日も開けてください。", "手続をオンラインでできるようにしてください。"]
    _publish_with_comments(app, client, login_as, make_staff, bodies)
    assert _figures(client.get(f"/{tag}/measures/1-1/results").text) == sentence


def test_results_without_comments_say_so(app, client, login_as, make_staff):
    _publish_with_comments(app, client, login_as, make_staff, [])
    assert _figures(client.get("/en/measures/1-1/results").text) == "No comments were received."
    assert _figures(client.get("/pt-BR/measures/1-1/results").text) == (
        "Nenhum comentário foi recebido."
    )
