"""Published results read per 同趣旨 row: grouped by 該当箇所 with a table of contents, a search
that works without JavaScript, pages whose row anchors hold, one notice for untranslated rows,
furigana in easy Japanese, and the same rows in the CSV, the JSON (valid against its schema),
the PDF and the API."""

from __future__ import annotations

import copy
import csv
import io
import json
import re

import jsonschema
import pytest
import sqlalchemy as sa
from conftest import csrf_token_from
from test_moderation_comment import _FakeLibreTranslate, fake_mt  # noqa: F401  (fixture)
from test_results import (  # noqa: F401  (closed_measure is a fixture)
    _pdf_text,
    _publish,
    closed_measure,
)

from portal.extensions import db
from portal.models import Comment, Measure
from portal.models.moderation import PublishedResults
from portal.services.content.parts import parts_for
from portal.services.results.files import results_schema

LIBRARY = "図書館の開館時間を夜九時まで延ばしてほしい"
LIBRARY_RESPONSE = "開館時間の延長は今後の参考とします。"
# Where the plain comment's row (the receipt of `closed_measure`) lands in the long table.
PLAIN_ROW = 75
SIZES = (40, 30, 25, 10)  # rows per part: 105 rows, two pages of 50 and a third
TOTAL = sum(SIZES)


@pytest.fixture
def app_config(tmp_path):
    """Drawn PDFs go to this test's own directory; a 105-row PDF is drawn while one waits."""
    return {
        "PORTAL_RESULTS_PDF_CACHE": str(tmp_path / "pdf-cache"),
        "PORTAL_RESULTS_PDF_INLINE_ROWS": 500,
    }


def _stored(app) -> PublishedResults:
    measure = db.session.scalar(sa.select(Measure).where(Measure.code == "1-(1)"))
    return db.session.scalar(
        sa.select(PublishedResults).where(PublishedResults.measure_id == measure.id)
    )


def _grow(app) -> list[str]:
    """Turn the published table of 1-(1) into a long one over four parts of the outline, as a
    city's real results are (the stored version is what every page reads). Returns the part
    keys in order."""
    with app.app_context():
        measure = db.session.scalar(sa.select(Measure).where(Measure.code == "1-(1)"))
        # 1-(1) itself, its area's introduction, then parts of the next measures (a row may
        # concern another part of the outline)
        parts = list(parts_for(measure))
        measures = sa.select(Measure).where(Measure.kind == "measure").order_by(Measure.id)
        for other in db.session.scalars(measures):
            parts += [part for part in parts_for(other) if part.key not in {p.key for p in parts}]
            if len(parts) >= len(SIZES):
                break
        parts = parts[: len(SIZES)]
        plain = db.session.scalar(
            sa.select(Comment).where(Comment.body.like("窓口の待ち時間を短く%"))
        )
        stored = _stored(app)
        document = json.loads(stored.document)
        originals = {tuple(row["members"]): row for row in document["rows"]}
        plain_row = next(row for key, row in originals.items() if plain.id in key)
        campaign = next(row for row in document["rows"] if row["count"] == 3)
        rows, by_part, by_category = [], [], {}
        for part, size in zip(parts, SIZES, strict=True):
            for _ in range(size):
                number = len(rows) + 1
                if number == PLAIN_ROW:
                    row = copy.deepcopy(plain_row)
                else:
                    row = copy.deepcopy(campaign)
                    row.update(
                        summary=[f"要旨その{number}について"],
                        summary_of=None,
                        summary_spans=None,
                        count=1 + number % 3,
                        members=[],
                        items=[],
                        response_id=None,
                        response_category="for_reference" if number % 2 else "not_reflected",
                        response_ja=[f"市の考え方その{number}です。"],
                        # every third row translated into Vietnamese
                        response_translation=[f"Phản hồi số {number}"] if number % 3 == 0 else None,
                        response_translation_language="vi" if number % 3 == 0 else None,
                    )
                    if number == 77:
                        row["summary"], row["response_ja"] = [LIBRARY], [LIBRARY_RESPONSE]
                row.update(number=number, part=part.key, part_labels=part.labels)
                row["reposted_from"] = None
                rows.append(row)
                by_category[row["response_category"]] = (
                    by_category.get(row["response_category"], 0) + row["count"]
                )
            by_part.append([part.key, sum(r["count"] for r in rows if r["part"] == part.key)])
        for entry in document["annex"]:
            entry["row_number"] = PLAIN_ROW
            entry["row_numbers"] = [PLAIN_ROW]
        document["rows"] = rows
        document["figures"].update(
            items=sum(row["count"] for row in rows),
            by_category=[[key, count] for key, count in by_category.items()],
            by_part=by_part,
        )
        stored.document = json.dumps(document, ensure_ascii=False)
        db.session.commit()
        return [part.key for part in parts]


@pytest.fixture
def long_results(app, client, login_as, closed_measure):  # noqa: F811
    """1-(1)'s results published, then grown to 105 rows over four parts."""
    _publish(app, client, login_as)
    client.get("/staff/logout")
    return _grow(app)


def _anchor(key: str) -> str:
    return "part-" + re.sub(r"[^A-Za-z0-9]+", "-", key).strip("-").lower()


def test_results_are_grouped_by_part_with_a_table_of_contents(client, long_results):
    page = client.get("/en/measures/1-1/results").text
    contents = page[
        page.index('class="results-contents"') : page.index(
            "</nav>", page.index('class="results-contents"')
        )
    ]
    # one entry per part, each a jump link to the page holding its first row, with its count
    for key, expected_page in zip(long_results, (1, 1, 2, 2), strict=True):
        query = "" if expected_page == 1 else f"?page={expected_page}"
        assert f'href="/en/measures/1-1/results{query}#{_anchor(key)}"' in contents
    assert "opinions" in contents
    # the first page: the first part and the start of the second, under their headings
    assert f'<h3 id="{_anchor(long_results[0])}" class="part-heading">' in page
    assert f'<h3 id="{_anchor(long_results[1])}" class="part-heading">' in page
    assert 'id="row-50"' in page
    assert 'id="row-51"' not in page
    # the second part goes on over the page break, its heading repeated, marked as continued
    second = client.get("/en/measures/1-1/results?page=2").text
    heading = second[second.index(f'id="{_anchor(long_results[1])}"') :][:400]
    assert "(continued)" in heading
    assert 'id="row-51"' in second
    assert 'id="row-100"' in second
    assert 'id="row-101"' not in second


def test_headline_counts_opinion_items_and_each_response_category(client, long_results):
    page = client.get("/ja/measures/1-1/results").text
    items = sum(1 + number % 3 for number in range(1, TOTAL + 1) if number != PLAIN_ROW) + 1
    assert f"5人から{items}件の意見が提出されました。" in page
    assert "対応区分ごとの意見の件数" in page
    assert "今後の参考とする" in page
    english = client.get("/en/measures/1-1/results").text
    assert f"5 people sent {items} opinions." in english


def test_resident_searches_the_rows_without_javascript(client, long_results):
    found = client.get("/ja/measures/1-1/results?q=図書館 開館").text
    assert 'id="row-77"' in found
    assert found.count('<tr id="row-') == 1
    assert "検索に一致する行は1行です。" in found
    assert 'value="図書館 開館"' in found
    # full-width and half-width letters alike, case folded
    assert 'id="row-77"' in client.get("/en/measures/1-1/results?q=%EF%BC%97%EF%BC%97").text
    nothing = client.get("/en/measures/1-1/results?q=zzzz").text
    assert "No row matches your search." in nothing
    assert '<tr id="row-' not in nothing
    # the response category in the reader's language is searched too
    noted = client.get("/en/measures/1-1/results?q=noted+for+future").text
    expected = sum(1 for number in range(1, TOTAL + 1) if number % 2 and number != PLAIN_ROW)
    assert f"{expected} rows match your search." in noted
    assert noted.count('<tr id="row-') == 50  # a page of them
    # the pages of a search keep the search words
    assert 'href="/en/measures/1-1/results?page=2&amp;q=noted+for+future" rel="next"' in noted


def test_long_table_has_numbered_pages_and_rows_keep_their_anchor(client, long_results):
    first = client.get("/en/measures/1-1/results").text
    assert first.count('<tr id="row-') == 50
    assert 'href="/en/measures/1-1/results?page=2" rel="next"' in first
    assert 'href="/en/measures/1-1/results?page=3">3</a>' in first
    assert 'aria-current="page">1</a>' in first
    third = client.get("/en/measures/1-1/results?page=3").text
    assert 'href="/en/measures/1-1/results?page=2" rel="prev"' in third
    assert client.get("/en/measures/1-1/results?page=4").status_code == 404
    # the annex links each comment to the page of the table that holds its row
    annex = client.get("/en/measures/1-1/results/comments").text
    assert f'href="/en/measures/1-1/results?page=2#row-{PLAIN_ROW}"' in annex
    assert f'id="row-{PLAIN_ROW}"' in client.get("/en/measures/1-1/results?page=2").text


def test_receipt_links_straight_to_the_row_on_its_page(app, client, long_results, closed_measure):  # noqa: F811
    form = client.get("/en/receipts").text
    page = client.post(
        "/en/receipts",
        data={
            "receipt_number": closed_measure["number"],
            "access_key": closed_measure["key"],
            "csrf_token": csrf_token_from(form),
        },
    ).text
    assert f'href="/en/measures/1-1/results?page=2#row-{PLAIN_ROW}"' in page


def test_missing_translation_is_said_once_above_the_table(client, long_results):
    page = client.get("/vi/measures/1-1/results").text
    notice = "Những dòng thành phố chưa dịch sang ngôn ngữ này được hiển thị bằng tiếng Nhật"
    assert page.count(notice) == 1
    assert page.index(notice) < page.index('<table class="results-table">')
    assert "chỉ có bằng tiếng Nhật" not in page  # the old sentence under every row
    # translated rows read in Vietnamese, the others in Japanese with their lang
    assert '<div class="city-view" lang="vi" data-verbatim>Phản hồi số 3</div>' in page
    assert '<div class="city-view" lang="ja" data-verbatim>市の考え方その1です。</div>' in page
    # Japanese readers are not told about translations
    assert "翻訳されていない" not in client.get("/ja/measures/1-1/results").text


def test_easy_japanese_cards_carry_ruby_not_parentheses(client, long_results):
    page = client.get("/ja-x-easy/measures/1-1/results").text
    body = page[page.index("<main") :]
    # the labels each card shows on a phone are text, so they get furigana like the rest
    assert '<span class="cell-label"><ruby>番号<rp>(</rp><rt>ばんごう</rt><rp>)</rp></ruby>' in body
    assert "番号(ばんごう)" not in body
    assert "data-label=" not in body
    # headings, the table of contents and the notices too: no reading left in parentheses
    visible = re.sub(r"<(title|option|textarea)[^>]*>.*?</\1>", "", body, flags=re.S)
    visible = re.sub(r"<[^>]+>", "", re.sub(r"<rp>[^<]*</rp>|<rt>[^<]*</rt>", "", visible))
    assert not re.search(r"[\u4e00-\u9fff][(（][\u3041-\u309f]+[)）]", visible)
    # the city's own text stays as written
    assert '<div class="opinion" lang="ja" dir="auto" data-verbatim>要旨その1について</div>' in body


def test_response_category_column_is_not_squeezed(client, long_results):
    with client.get("/static/portal.css") as response:
        css = response.text
    rule = re.search(
        r"\.results-table \.col-category, \.results-table td\.category \{([^}]*)\}", css
    )
    assert rule
    assert "min-width" in rule[1]
    assert "keep-all" in rule[1]
    page = client.get("/ja/measures/1-1/results").text
    assert (
        '<td class="category"><span class="cell-label">対応区分</span>今後の参考とする</td>' in page
    )


def test_csv_lists_every_row_with_its_part(client, long_results):
    response = client.get("/ja/measures/1-1/results.csv")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert header[:4] == ["番号", "該当箇所", "再掲(元の施策)", "意見の要旨"]
    assert header[-1] == "該当箇所の識別子"
    assert len(body) == TOTAL
    library = body[76]
    assert library[0] == "77"
    assert library[3] == LIBRARY
    assert library[-1] == long_results[2]
    assert library[1] == "1-(2) 民間活力の活用"  # the part in Japanese, no markup
    assert library[6] == "今後の参考とする"


def test_json_follows_its_schema_row_by_row(client, long_results):
    data = json.loads(client.get("/ja/measures/1-1/results.json").data)
    schema = results_schema()
    jsonschema.validate(data, schema, format_checker=jsonschema.FormatChecker())
    assert client.get(data["schema"]).get_json() == schema
    assert len(data["rows"]) == TOTAL
    assert data["rows"][76]["part"] == long_results[2]
    assert data["figures"]["items"] == sum(row["count"] for row in data["rows"])
    assert [p["part"] for p in data["figures"]["by_part"]] == long_results
    assert {c["category_ja"] for c in data["figures"]["by_category"]} == {
        "反映する",
        "今後の参考とする",
        "反映しない",
    }
    # a row without its part fails the schema: the test would notice a serialiser drifting
    broken = copy.deepcopy(data)
    del broken["rows"][0]["part"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


def test_api_gives_the_figures_and_rows_per_part(client, long_results):
    results = client.get("/api/v1/consultations/1-1/results").get_json()
    assert results["figures"]["items"] > TOTAL
    assert [p["part"] for p in results["figures"]["by_part"]] == long_results
    rows = client.get("/api/v1/consultations/1-1/results/rows?limit=200").get_json()["items"]
    assert len(rows) == TOTAL
    assert rows[76]["part"] == long_results[2]
    assert rows[76]["summary"] == LIBRARY


def test_pdf_shows_the_rows_under_their_parts(client, long_results, tmp_path):
    response = client.get("/ja/measures/1-1/results.pdf")
    assert response.status_code == 200
    path = tmp_path / "results.pdf"
    path.write_bytes(response.data)
    text = _pdf_text(path)
    assert LIBRARY[:14] in text  # cells wrap: the start of the summary
    assert f"要旨その{TOTAL}について" in text
    assert "対応区分ごとの意見の件数" in text
    assert "今後の参考とする" in text


ROW_SUMMARY = "窓口の待ち時間を短くしてほしい"
ROW_RESPONSE = "土曜日の窓口開設を検討します。"
VI_SUMMARY = "Mong rút ngắn thời gian chờ ở quầy"
VI_RESPONSE = "Thành phố sẽ xem xét mở quầy vào thứ Bảy."
ROWS_PAGE = "/staff/moderation/measures/1-(1)/row-translations"


@pytest.fixture
def written_rows(app, closed_measure, make_staff):  # noqa: F811
    """Two 同趣旨 rows written by staff on 1-(1): the plain comment's first point, and the
    Vietnamese comment. Returns their ids."""
    from portal.models import StaffUser
    from portal.models.items import ResultRow
    from portal.services.results import items

    moderator = make_staff("moderator")
    with app.app_context():
        actor = db.session.get(StaffUser, moderator["id"])
        measure = db.session.scalar(sa.select(Measure).where(Measure.code == "1-(1)"))
        plain = db.session.scalar(sa.select(Comment).where(Comment.body.like("窓口の待ち時間%")))
        vietnamese = db.session.scalar(sa.select(Comment).where(Comment.declared_language == "vi"))
        now = plain.received_at
        ids = []
        for position, (comment, summary, response) in enumerate(
            [
                (plain, ROW_SUMMARY, ROW_RESPONSE),
                (vietnamese, "多言語の案内", "今後の参考とします。"),
            ],
            start=1,
        ):
            [item] = items.split(
                comment,
                [items.ItemInput(spans=[[0, 10]], part="measure:1-(1)", summary=summary)],
                actor=actor,
                ip=None,
                now=now,
            )
            row = ResultRow(measure_id=measure.id, position=position, part="measure:1-(1)")
            row.answer(summary, "for_reference", response)
            db.session.add(row)
            db.session.flush()
            item.row_id = row.id
            ids.append(row.id)
        db.session.commit()
        return ids


def test_staff_translate_every_row_on_one_page_and_residents_read_it(
    app, client, login_as, written_rows
):
    first, second = written_rows
    login_as("moderator")
    page = client.get(ROWS_PAGE + "?locale=vi").text
    # one form holds every row: the Japanese beside a field per text
    assert page.count('<fieldset class="row-translation"') == 2
    assert f'name="summary-{first}"' in page
    assert f'name="response-{second}"' in page
    assert ROW_RESPONSE in page
    assert "Draft the untranslated rows by machine" not in page  # no server configured
    saved = client.post(
        ROWS_PAGE,
        data={
            "csrf_token": csrf_token_from(page),
            "locale": "vi",
            f"summary-{first}": VI_SUMMARY,
            f"response-{first}": VI_RESPONSE,
            f"summary-{second}": "",
            f"response-{second}": "",
        },
    )
    assert saved.status_code == 302
    again = client.get(ROWS_PAGE + "?locale=vi").text
    assert VI_RESPONSE in again
    client.get("/staff/logout")
    _publish(app, client, login_as)
    results = client.get("/vi/measures/1-1/results").text
    row = results[results.index(f"{VI_SUMMARY}") - 600 :]
    assert f'<div class="opinion" lang="vi" dir="auto" data-verbatim>{VI_SUMMARY}</div>' in row
    assert f'<div class="city-view" lang="vi" data-verbatim>{VI_RESPONSE}</div>' in results
    # Japanese stays at hand, authoritative
    assert f'<div class="city-view" lang="ja" data-verbatim>{ROW_RESPONSE}</div>' in results
    assert results.count("hiển thị bằng tiếng Nhật") == 1  # the other row: said once
    # another language has no translation: the Japanese, and the notice once
    english = client.get("/en/measures/1-1/results").text
    assert VI_RESPONSE not in english
    assert english.count("shown in Japanese. The Japanese text is authoritative.") == 1


def test_machine_drafts_are_marked_until_a_person_saves_them(
    app,
    client,
    login_as,
    written_rows,
    fake_mt,  # noqa: F811
):
    first, _second = written_rows
    app.config["PORTAL_MT_URL"] = fake_mt
    login_as("moderator")
    page = client.get(ROWS_PAGE + "?locale=en").text
    drafted = client.post(
        ROWS_PAGE + "/machine", data={"csrf_token": csrf_token_from(page), "locale": "en"}
    )
    assert drafted.status_code == 302
    assert {r["target"] for r in _FakeLibreTranslate.requests} == {"en"}
    assert {r["source"] for r in _FakeLibreTranslate.requests} == {"ja"}
    page = client.get(ROWS_PAGE + "?locale=en").text
    assert page.count("Machine draft: not published until saved") == 2
    # a draft nobody saved is not published
    client.get("/staff/logout")
    _publish(app, client, login_as)
    english = client.get("/en/measures/1-1/results").text
    assert "機械翻訳:土曜日も窓口を開けて" not in english
    assert english.count("shown in Japanese. The Japanese text is authoritative.") == 1


def test_row_translations_freeze_with_the_published_results(app, client, login_as, written_rows):
    first, _second = written_rows
    _publish(app, client, login_as)
    client.get("/staff/logout")
    login_as("moderator")
    page = client.get(ROWS_PAGE + "?locale=vi").text
    refused = client.post(
        ROWS_PAGE,
        data={"csrf_token": csrf_token_from(page), "locale": "vi", f"summary-{first}": "x"},
    )
    assert refused.status_code == 409
    assert "The results of this measure are published" in refused.text
