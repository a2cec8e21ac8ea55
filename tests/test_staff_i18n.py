"""Staff screens are in Japanese, with English second; residents' catalogs stay residents'."""

from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po

from portal.i18n import BY_TAG, STAFF_CATALOGS, po_path
from portal.services.content.catalogs import catalog_stats, extract_template, split_template

PLACEHOLDER = re.compile(r"%\(\w+\)s")


def _staff_catalog(catalog: str):
    with po_path(catalog, "staff").open("rb") as handle:
        return read_po(handle, locale=BY_TAG["ja" if catalog == "ja" else "en"].babel_code)


@pytest.mark.parametrize("catalog", STAFF_CATALOGS)
def test_staff_catalog_is_complete(catalog):
    [stats] = [s for s in catalog_stats("staff") if s.catalog == catalog]
    assert stats.complete, f"{catalog}: {stats.translated}/{stats.total}, {stats.fuzzy} fuzzy"


@pytest.mark.parametrize("catalog", STAFF_CATALOGS)
def test_every_staff_message_in_the_code_is_in_the_staff_catalogs(catalog):
    _resident, staff = split_template(extract_template())
    in_code = {m.id if isinstance(m.id, str) else m.id[0] for m in staff if m.id}
    in_catalog = {
        m.id if isinstance(m.id, str) else m.id[0]
        for m in _staff_catalog(catalog)
        if m.id and m.string
    }
    missing = in_code - in_catalog
    assert not missing, f"staff {catalog} lacks {sorted(missing)[:3]}: `portal translate update`"


def test_staff_translations_keep_their_placeholders():
    for message in _staff_catalog("ja"):
        if not (message.id and message.string):
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = set(PLACEHOLDER.findall(ids[-1]))  # Japanese has one form: the plural's
        for string in strings:
            assert set(PLACEHOLDER.findall(string)) == expected, message.id


def test_staff_only_messages_are_not_asked_of_residents_translators():
    resident, staff = split_template(extract_template())
    assert "Staff login" in {m.id for m in staff}
    assert "Staff login" not in {m.id for m in resident}


def test_staff_pages_are_japanese_with_english_on_request(client):
    page = client.get("/staff/login")
    assert '<html lang="ja">' in page.text
    assert "職員ログイン" in page.text
    client.get("/staff/language/en")
    english = client.get("/staff/login")
    assert '<html lang="en">' in english.text
    assert "Staff login" in english.text
    # the resident's own language choice is not touched by the staff switch
    assert '<html lang="vi">' in client.get("/vi/").text


def test_language_switch_only_returns_to_staff_pages(client):
    response = client.get("/staff/language/en", query_string={"next": "//evil.example/"})
    assert response.location == "/staff/"
