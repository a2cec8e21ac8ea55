"""Property-based tests: arbitrary Unicode through every resident form and the sanitiser.

For any input: no 500, nothing the visitor typed comes back as markup, and what is stored is
exactly the documented cleaning of what was sent (`clean_text` for the comment, `clean_line`
for contact fields). Example counts are kept small so the suite stays fast; the HTTP
properties share one app per test (hence the suppressed function-scoped-fixture check: the
database only grows, and each example looks at its own newest row).
"""

import re
import unicodedata

import pytest
import sqlalchemy as sa
from conftest import csrf_token_from, valid_comment
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.extensions import db
from portal.models import Comment, ContactDetails
from portal.services.sanitize import (
    ALLOWED_TAGS,
    clean_line,
    clean_text,
    has_visible_text,
    private_use_characters,
    render_content,
)

HTTP = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
PURE = settings(max_examples=300, deadline=None)

# A tag no template ever writes: if it appears unescaped in a page, input was reflected.
PROBE = '<x-probe onmouseover="alert(1)">'
texts = st.text(max_size=200)
probed = st.tuples(texts, texts).map(lambda parts: parts[0] + PROBE + parts[1])
hostile = st.one_of(texts, probed, st.sampled_from(["", " ", "\u200b", "\x00", "\r\n", "\ue000"]))

FORBIDDEN = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\r")
COMPATIBILITY = re.compile("[\uf900-\ufaff\U0002f800-\U0002fa1f]")


@pytest.fixture
def app_config():
    return {"PORTAL_SUBMIT_LIMIT": "100000 per minute", "PORTAL_LOOKUP_LIMIT": "100000 per minute"}


def _removed(ch: str) -> bool:
    return ch in FORBIDDEN or (unicodedata.category(ch) in ("Cc", "Cs") and ch not in "\n\t")


# The sanitiser on its own.


@PURE
@given(st.text())
def test_clean_text_keeps_everything_but_the_documented_removals(value):
    cleaned = clean_text(value)
    assert clean_text(cleaned) == cleaned
    assert not any(_removed(ch) for ch in cleaned)
    kept = value.replace("\r\n", "\n").replace("\r", "\n")
    kept = "".join(ch for ch in kept if not _removed(ch))
    # Only normalisation and the outer whitespace differ from the input minus the removals.
    assert unicodedata.normalize("NFC", cleaned) == unicodedata.normalize("NFC", kept).strip()
    assert COMPATIBILITY.findall(cleaned) == COMPATIBILITY.findall(kept)
    assert private_use_characters(cleaned) == private_use_characters(kept)


@PURE
@given(st.text())
def test_clean_line_is_one_line(value):
    line = clean_line(value)
    assert "\n" not in line
    assert line == line.strip()


@PURE
@given(st.one_of(st.text(), probed))
def test_content_rendering_never_lets_markup_through(markup):
    html = str(render_content(markup))
    assert "<x-probe" not in html
    assert set(re.findall(r"</?\s*([a-zA-Z][a-zA-Z0-9-]*)", html)) <= ALLOWED_TAGS


# The forms, through HTTP.


def _token(client, path):
    return csrf_token_from(client.get(path).get_data(as_text=True))


def _newest(model):
    return db.session.scalars(sa.select(model).order_by(model.id.desc()).limit(1)).first()


@HTTP
@given(body=hostile)
def test_comment_body_is_stored_as_documented_or_refused_clearly(app, client, open_measure, body):
    path = "/en/measures/1-1"
    response = client.post(
        path, data=valid_comment(body=body, csrf_token=_token(client, path)), follow_redirects=True
    )
    html = response.get_data(as_text=True)
    assert "<x-probe" not in html
    cleaned = clean_text(body)
    acceptable = has_visible_text(cleaned) and not private_use_characters(cleaned)
    if acceptable:
        assert response.status_code == 200, html[:500]
        with app.app_context():
            assert _newest(Comment).body == cleaned
    else:
        assert response.status_code == 422


@HTTP
@given(
    name=hostile,
    address=hostile,
    email=hostile,
    phone=hostile,
    language=hostile,
    respondent_type=hostile,
    district=hostile,
    consent=hostile,
)
def test_any_field_gives_a_page_never_a_500(app, client, open_measure, **fields):
    path = "/en/measures/1-1"
    data = valid_comment(csrf_token=_token(client, path), **fields)
    response = client.post(path, data=data, follow_redirects=True)
    assert response.status_code in (200, 422)
    assert "<x-probe" not in response.get_data(as_text=True)
    if response.status_code == 200:
        with app.app_context():
            contact = _newest(ContactDetails)
            given_any = any(clean_line(fields[k]) for k in ("name", "address", "email", "phone"))
            if given_any:
                assert contact.name == (clean_line(fields["name"]) or None)
                assert contact.address == (clean_line(fields["address"]) or None)


@HTTP
@given(receipt_number=hostile, access_key=hostile)
def test_receipt_lookup_answers_any_input(client, receipt_number, access_key):
    data = {
        "receipt_number": receipt_number,
        "access_key": access_key,
        "csrf_token": _token(client, "/en/receipts"),
    }
    response = client.post("/en/receipts", data=data)
    assert response.status_code in (404, 422)
    assert "<x-probe" not in response.get_data(as_text=True)


@HTTP
@given(receipt_number=hostile, access_key=hostile, confirm=hostile)
def test_withdrawal_answers_any_input(client, receipt_number, access_key, confirm):
    data = {
        "receipt_number": receipt_number,
        "access_key": access_key,
        "confirm": confirm,
        "csrf_token": _token(client, "/en/receipts"),
    }
    response = client.post("/en/receipts/withdraw", data=data)
    assert response.status_code == 404
    assert "<x-probe" not in response.get_data(as_text=True)
