"""What screen readers, phone keyboards and easy-Japanese readers get from the pages' markup.

The browser tests (tests/e2e) prove the same in chromium; these run everywhere in milliseconds.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from portal.i18n import LOCALES


class _Elements(HTMLParser):
    """Every element's attributes, by id."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.by_id: dict[str, dict] = {}
        self.tags: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if "id" in attributes:
            self.by_id[attributes["id"]] = {"tag": tag, **attributes}


def test_each_mistake_is_one_message_linked_from_the_summary(submit, open_measure):
    response = submit(
        open_measure.replace("/ja/", "/en/"), body="", respondent_type="", consent=None
    )
    page = response.get_data(as_text=True)
    elements = _Elements(page)
    assert response.status_code == 422
    assert "<title>Error: 1-(1)" in page
    assert "Please correct the 3 problems marked below." in page
    # the connection question used to add "Please choose one of the options." as well
    assert "Please choose one of the options." not in page
    links = re.findall(r'<a href="#([\w-]+)" data-field-link>([^<]+)</a>', page)
    assert links == [
        ("body", "Please write your comment."),
        ("respondent_type-0", "Please choose how you are connected to the city."),
        ("consent", "Please agree to the privacy notice to send your comment."),
    ]
    summary = elements.by_id["form-errors"]
    assert summary["tabindex"] == "-1"
    assert "autofocus" in summary


def test_error_messages_describe_their_fields(submit, open_measure):
    page = submit(open_measure, body="", respondent_type="", consent=None, email="nope")
    elements = _Elements(page.get_data(as_text=True))
    for field_id, hint in [
        ("body", "body-counter"),
        ("respondent_type-0", None),
        ("respondent_type-4", None),
        ("email", None),
        ("consent", None),
    ]:
        field = elements.by_id[field_id]
        errors = field_id.split("-")[0] + "-errors"
        assert field["aria-invalid"] == "true", field_id
        assert field["aria-describedby"].split() == [h for h in (hint, errors) if h], field_id
        assert errors in elements.by_id
    assert "aria-invalid" not in elements.by_id["name"]


def test_contact_fields_bring_up_the_right_phone_keyboard(client, open_measure):
    elements = _Elements(client.get(open_measure).get_data(as_text=True))
    email, phone, address = (elements.by_id[i] for i in ("email", "phone", "address"))
    assert (email["tag"], email["type"], email["inputmode"], email["autocomplete"]) == (
        "input",
        "email",
        "email",
        "email",
    )
    assert (phone["type"], phone["inputmode"], phone["autocomplete"]) == ("tel", "tel", "tel")
    # street-address is valid only on a multi-line control
    assert (address["tag"], address["autocomplete"]) == ("textarea", "street-address")


def test_counter_is_not_announced_on_every_key(client, open_measure):
    elements = _Elements(client.get(open_measure).get_data(as_text=True))
    assert "aria-live" not in elements.by_id["body-counter"]
    assert elements.by_id["body-announcer"]["aria-live"] == "polite"
    assert "{left}" in elements.by_id["body-counter"]["data-near"]


def test_comment_form_posts_without_a_fragment(client, open_measure):
    """A #fragment in the action would stay on the receipt's URL after the redirect."""
    page = client.get(open_measure).get_data(as_text=True)
    assert 'action="/ja/measures/1-1"' in page
    assert "#comment-heading" not in page


@pytest.mark.parametrize("path", ["/", "/measures/1-1", "/receipts", "/privacy", "/nowhere"])
def test_every_page_has_a_description_in_its_language(client, path):
    for locale in LOCALES:
        page = client.get(f"/{locale.tag}{path}").get_data(as_text=True)
        match = re.search(r'<meta name="description" content="([^"]+)">', page)
        assert match, f"{locale.tag}{path}"
        assert len(match[1]) > 10
    english = client.get(f"/en{path}").get_data(as_text=True)
    japanese = client.get(f"/ja{path}").get_data(as_text=True)
    assert re.search(r'name="description" content="[^"]*[\u3040-\u30ff\u4e00-\u9fff]', japanese)
    assert not re.search(r'name="description" content="[^"]*[\u3040-\u30ff\u4e00-\u9fff]', english)


def test_easy_japanese_dates_and_original_link_have_furigana(client, open_measure):
    page = client.get(open_measure.replace("/ja/", "/ja-x-easy/")).get_data(as_text=True)
    assert "<ruby>日本時間<rp>(</rp><rt>にほんじかん</rt><rp>)</rp></ruby>" in page
    assert re.search(
        r'hreflang="ja" lang="ja"><ruby>日本語<rp>\(</rp><rt>にほんご</rt>.*?<rt>げんぶん</rt>',
        page,
    )
