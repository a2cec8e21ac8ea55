"""Wording a resident can trust: options that cannot be mistaken, and the term lists kept.

The term lists (``translations/terms/<tag>.md``) are written for people who write new strings;
their table is also read here, so a catalog or content file that uses a rejected rendering of a
key term fails the suite.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
from babel.messages.pofile import read_po

from portal.i18n import LOCALES, TRANSLATIONS_DIR, po_path
from portal.services.content.seed import CONTENT_DIR

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


# The key terms every list must cover (issue 12), by their Japanese form.
KEY_TERMS = ("パブリックコメント", "意見", "受付番号", "アクセスキー", "施策", "市の考え方", "公表")
KEY_TERMS += ("非公開", "職員", "条例", "期間")
_CELL_SPLIT = re.compile(r"(?<!\\)\|")
_READING_IN_PARENTHESES = re.compile(
    r"([\u4e00-\u9fff\u3005][\u4e00-\u9fff\u3005\u3041-\u309f]*)[(（][\u3041-\u309f\u30a0-\u30ff]+[)）]"
)
_RUBY_MARK = re.compile(r"\{([^{}|]+)\|[^{}|]+\}")
_GLOSSARY_MARK = re.compile(r"\[\[[a-z-]+\|([^\]]+)\]\]")
_DEVANAGARI = re.compile(r"[\u0900-\u097f]")
_NO_SPACES = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")  # scripts written without word spaces


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
    if _NO_SPACES.search(variant):
        return variant in text
    pattern = rf"(?<![\w\u0900-\u097f]){re.escape(variant)}"
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
    japanese = " ".join(row["Japanese"] for row in rows)
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
