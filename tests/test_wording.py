"""Wording a resident can trust: options that cannot be mistaken, and the term lists kept.

The term lists (``translations/terms/<tag>.md``) are written for people who write new strings;
their table is also read here, so a catalog or content file that uses a rejected rendering of a
key term fails the suite.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from portal.i18n import LOCALES, TRANSLATIONS_DIR, po_path
from portal.services.content import CONTENT_DIR

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
