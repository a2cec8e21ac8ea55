"""Opinion items and 同趣旨 rows: a moderator splits letters into points, staff join points of
one gist from different residents into rows and answer each row once, the results count
"N人からM件", and nothing changes once the results are published."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import timedelta

import pytest
import sqlalchemy as sa
from conftest import csrf_token_from, set_period

from portal.database import utcnow
from portal.extensions import db
from portal.models import Comment, Measure, StaffUser
from portal.models.items import OpinionItem, ResultRow
from portal.models.moderation import PublishedResults, Redaction
from portal.services.disclosure import build_results, results_document, results_from
from portal.services.moderation.decisions import decide
from portal.services.resident.submission import CommentInput, ContactInput, submit_comment
from portal.services.results import items as opinion_items
from portal.services.results import rows as result_rows

HIDDEN_NAME = "山田太郎"
LETTER_A = (
    "図書館の開館時間を夜九時まで延ばしてください。"
    f"私は{HIDDEN_NAME}と申しますが、窓口の案内が分かりにくいです。"
    "公民館を存続してほしいです。"
    "バスの本数を増やしてください。"
)
LETTER_B = (
    "公民館を残してください。子どもの遊び場を増やしてください。夜間の街灯を増やしてください。"
)
ADMIN_RESULTS = "/staff/admin/measures/1-(1)/results"
ROWS_PAGE = "/staff/moderation/measures/1-(1)/rows"


def _comment(measure, body, now, email):
    comment, _key = submit_comment(
        measure,
        CommentInput(
            body=body,
            declared_language="ja",
            respondent_type="lives",
            contact=ContactInput(email=email),
        ),
        now,
    )
    return comment


@pytest.fixture
def letters(app, make_staff):
    """1-(1) after its period with two approved letters from two residents (4 and 3 points);
    a name is hidden inside the second point of the first. Returns their receipt numbers."""
    set_period(app, "1-(1)", timedelta(days=-40), timedelta(days=5))
    moderator = make_staff("moderator")
    with app.app_context():
        actor = db.session.get(StaffUser, moderator["id"])
        now = utcnow()
        measure = db.session.scalar(sa.select(Measure).where(Measure.code == "1-(1)"))
        a = _comment(measure, LETTER_A, now, "a@example.jp")
        b = _comment(measure, LETTER_B, now, "b@example.jp")
        db.session.flush()
        for comment in (a, b):
            decide(comment, "approve", actor=actor, ip=None, now=now)
        start = LETTER_A.index(HIDDEN_NAME)
        db.session.add(
            Redaction(
                comment_id=a.id,
                field="body",
                start=start,
                end=start + len(HIDDEN_NAME),
                kind="name",
            )
        )
        db.session.commit()
        numbers = {"a": a.receipt_number, "b": b.receipt_number}
    set_period(app, "1-(1)", timedelta(days=-40), timedelta(days=-1))
    return numbers


def _post(client, page, action, data):
    token = csrf_token_from(client.get(page).text)
    return client.post(action, data={**data, "csrf_token": token})


def _split_every_sentence(client, receipt, count, parts=None):
    """Split a letter on its page: each sentence its own point."""
    page = f"/staff/moderation/comments/{receipt}/items"
    data = {f"sentence-{i}": str(i + 1) for i in range(count)}
    for n, part in (parts or {}).items():
        data[f"part-{n}"] = part
    for n in range(1, count + 1):
        data.setdefault(f"part-{n}", "measure:1-(1)")
    return _post(client, page, page, {**data, "action": "split"})


def _items(app, receipt):
    with app.app_context():
        comment = db.session.scalar(sa.select(Comment).where(Comment.receipt_number == receipt))
        return [
            (i.id, i.position, i.text_of(comment.body), i.part, i.row_id)
            for i in opinion_items.items_of(comment)
        ]


def _measure(app_context_measure_code="1-(1)"):
    return db.session.scalar(sa.select(Measure).where(Measure.code == app_context_measure_code))


def _figures(app):
    with app.app_context():
        return build_results(_measure()).figures


def _answer_all_rows(client):
    """Put every loose point into a row of its own and answer every row, through the page."""
    page = client.get(ROWS_PAGE).text
    loose = re.findall(r'name="item" value="(-?\d+)"', page.split('id="merge-form"')[0])
    for key in loose:
        response = _post(client, ROWS_PAGE, ROWS_PAGE + "/join", {"item": key, "action": "new"})
        assert response.status_code == 303
    page = client.get(ROWS_PAGE).text
    for row_id in sorted(set(re.findall(r'id="row-(\d+)"', page))):
        response = _post(
            client,
            ROWS_PAGE,
            f"{ROWS_PAGE}/{row_id}",
            {
                "action": "save",
                "category": "for_reference",
                "text_ja": "今後の参考とします。",
                "summary": "",
                "part": "measure:1-(1)",
            },
        )
        assert response.status_code == 303


def test_a_letter_in_vietnamese_offers_one_line_per_sentence(app, client, login_as):
    """Latin full stops end sentences too (not inside "3.5" or an address), so a Vietnamese
    letter of three points can be split into three."""
    letter = "Xin hãy mở quầy vào thứ Bảy. Xe buýt 3.5 lần nhiều hơn. Xem www.city.isesaki.lg.jp!"
    set_period(app, "1-(1)", timedelta(days=-40), timedelta(days=5))
    moderator = login_as("moderator")
    with app.app_context():
        comment = _comment(_measure(), letter, utcnow(), "vi@example.jp")
        db.session.flush()
        actor = db.session.get(StaffUser, moderator["id"])
        decide(comment, "approve", actor=actor, ip=None, now=utcnow())
        db.session.commit()
        receipt = comment.receipt_number
    page = client.get(f"/staff/moderation/comments/{receipt}/items").text
    assert 'name="sentence-2"' in page
    assert 'name="sentence-3"' not in page
    assert ">Xe buýt 3.5 lần nhiều hơn.</label>" in page
    assert _split_every_sentence(client, receipt, 3).status_code == 303
    assert [text for _id, _n, text, *_ in _items(app, receipt)] == [
        "Xin hãy mở quầy vào thứ Bảy.",
        "Xe buýt 3.5 lần nhiều hơn.",
        "Xem www.city.isesaki.lg.jp!",
    ]


def test_moderator_splits_a_letter_into_points_on_its_page(app, client, login_as, letters):
    login_as("moderator")
    page = client.get(f"/staff/moderation/comments/{letters['a']}/items")
    assert page.status_code == 200
    assert "バスの本数を増やしてください。" in page.text
    assert 'name="sentence-3"' in page.text  # four sentences, numbered from 0
    response = _split_every_sentence(client, letters["a"], 4, parts={3: "area:1"})
    assert response.status_code == 303
    found = _items(app, letters["a"])
    assert [position for _id, position, *_ in found] == [1, 2, 3, 4]
    assert found[2][2] == "公民館を存続してほしいです。"
    assert found[2][3] == "area:1"
    # splitting again: sentences 1 and 4 make one point, the rest another, greetings none
    page_path = f"/staff/moderation/comments/{letters['a']}/items"
    response = _post(
        client,
        page_path,
        page_path,
        {
            "sentence-0": "1",
            "sentence-1": "0",
            "sentence-2": "2",
            "sentence-3": "1",
            "part-1": "measure:1-(1)",
            "part-2": "measure:1-(1)",
            "summary-1": "開館時間とバスの便",
            "action": "split",
        },
    )
    assert response.status_code == 303
    found = _items(app, letters["a"])
    assert [text for _id, _p, text, *_ in found] == [
        "図書館の開館時間を夜九時まで延ばしてください。 … バスの本数を増やしてください。",
        "公民館を存続してほしいです。",
    ]
    assert "開館時間とバスの便" in client.get(page_path).text
    # and back to one point
    response = _post(client, page_path, page_path, {"action": "unsplit"})
    assert response.status_code == 303
    assert _items(app, letters["a"]) == []


def test_results_count_people_and_points(app, client, login_as, letters):
    login_as("moderator")
    assert (_figures(app).people, _figures(app).items) == (2, 2)  # unsplit: one point each
    _split_every_sentence(client, letters["a"], 4)
    _split_every_sentence(client, letters["b"], 3)
    figures = _figures(app)
    assert (figures.people, figures.items) == (2, 7)  # 2人から7件


def test_rows_join_split_merge_and_resplit_before_publication(app, client, login_as, letters):
    login_as("moderator")
    _split_every_sentence(client, letters["a"], 4)
    _split_every_sentence(client, letters["b"], 3)
    a, b = _items(app, letters["a"]), _items(app, letters["b"])
    hall_a, hall_b, bus = a[2][0], b[0][0], a[3][0]
    # two residents ask to keep the community hall: one row of 2
    response = _post(
        client, ROWS_PAGE, ROWS_PAGE + "/join", {"item": [hall_a, hall_b, bus], "action": "new"}
    )
    assert response.status_code == 303
    page = client.get(ROWS_PAGE).text
    assert "Row: 3 points" in page
    [row_id] = re.findall(r'id="row-(\d+)"', page)
    # the bus is another gist: split it out into a row of its own
    response = _post(client, ROWS_PAGE, f"{ROWS_PAGE}/{row_id}", {"item": bus, "action": "split"})
    assert response.status_code == 303
    page = client.get(ROWS_PAGE).text
    assert "Row: 2 points" in page
    assert "Row: 1 point" in page
    row_ids = re.findall(r'id="row-(\d+)"', page)
    assert len(row_ids) == 2
    # merged back, then taken apart again
    response = _post(client, ROWS_PAGE, ROWS_PAGE + "/merge", {"merge": row_ids})
    assert response.status_code == 303
    assert "Row: 3 points" in client.get(ROWS_PAGE).text
    _post(client, ROWS_PAGE, f"{ROWS_PAGE}/{row_ids[0]}", {"item": bus, "action": "remove"})
    # answer the row once: 同趣旨 2件 in the results
    _post(
        client,
        ROWS_PAGE,
        f"{ROWS_PAGE}/{row_ids[0]}",
        {
            "action": "save",
            "summary": "公民館を存続してほしい",
            "category": "for_reference",
            "text_ja": "地域の皆様のご意見を伺いながら検討します。",
            "part": "measure:1-(1)",
        },
    )
    with app.app_context():
        results = build_results(_measure())
        [hall] = [row for row in results.rows if row.summary == "公民館を存続してほしい"]
        assert hall.count == 2
        assert hall.response_category == "for_reference"
        assert hall.part == "measure:1-(1)"
        assert hall.part_label.startswith("1-(1) ")
        annex_a = next(e for e in results.annex if LETTER_A[:10] in e.text)
        assert hall.number in annex_a.row_numbers
        assert len(annex_a.row_numbers) == 4
        assert dict(results.figures.by_category) == {"for_reference": 2}
    # re-splitting letter b takes its points out of their rows: the row keeps only a's point
    _split_every_sentence(client, letters["b"], 3)
    with app.app_context():
        [hall] = [
            r for r in build_results(_measure()).rows if r.summary == "公民館を存続してほしい"
        ]
        assert hall.count == 1


def test_publication_lists_points_missing_a_row(app, client, login_as, letters):
    login_as("moderator")
    _split_every_sentence(client, letters["a"], 4)
    login_as("admin", "moderator")
    page = client.get(ADMIN_RESULTS).text
    assert "5 points (opinion items) are not in a row" in page
    assert f"/staff/moderation/comments/{letters['a']}/items" in page
    assert "not in a row" in page
    assert "its row has no response category or answer" in page
    token = csrf_token_from(client.get("/staff/admin/measures/1-(1)").text)
    response = client.post(ADMIN_RESULTS + "/publish", data={"confirm": "y", "csrf_token": token})
    assert response.status_code == 409
    with app.app_context():
        assert _measure().results_published_at is None
    _answer_all_rows(client)
    assert "not in a row" not in client.get(ADMIN_RESULTS).text
    token = csrf_token_from(client.get("/staff/admin/measures/1-(1)").text)
    response = client.post(ADMIN_RESULTS + "/publish", data={"confirm": "y", "csrf_token": token})
    assert response.status_code == 302


def _pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "results.pdf"
    path.write_bytes(data)
    text = subprocess.run(  # noqa: S603 - fixed arguments
        ["pdftotext", str(path), "-"],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return re.sub(r"(?<=[^\x00-\x7f])\n(?=[^\x00-\x7f])", "", text)


@pytest.fixture
def published(app, client, login_as, letters):
    """The letters split into points, every point in an answered row, the results published."""
    login_as("admin", "moderator")
    _split_every_sentence(client, letters["a"], 4)
    _split_every_sentence(client, letters["b"], 3)
    _answer_all_rows(client)
    token = csrf_token_from(client.get("/staff/admin/measures/1-(1)").text)
    response = client.post(ADMIN_RESULTS + "/publish", data={"confirm": "y", "csrf_token": token})
    assert response.status_code == 302
    return letters


def test_hidden_words_inside_a_point_are_hidden_in_every_output(app, client, published, tmp_path):
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext (poppler-utils) is not installed: .ci/run installs it")
    outputs = {
        "page": client.get("/ja/measures/1-1/results").text,
        "annex": client.get("/ja/measures/1-1/results/comments").text,
        "csv": client.get("/ja/measures/1-1/results.csv").data.decode("utf-8-sig"),
        "json": client.get("/ja/measures/1-1/results.json").data.decode("utf-8"),
        "pdf": _pdf_text(client.get("/ja/measures/1-1/results.pdf").data, tmp_path),
    }
    for name, text in outputs.items():
        assert HIDDEN_NAME not in text, name
    # the point's own text stands as its 要旨, with the name hidden
    assert "私は[非公開]と申しますが" in outputs["csv"]
    assert "私は[非公開]と申しますが" in outputs["pdf"]
    data = json.loads(outputs["json"])
    point = next(row for row in data["rows"] if "窓口の案内" in row["summary"])
    assert point["count"] == 1
    assert point["part"] == "measure:1-(1)"
    assert not {"items", "members", "row_id"} & set(point)


def test_rows_and_items_are_refused_after_publication(app, client, published):
    files = {
        path: client.get(path).data
        for path in (
            "/ja/measures/1-1/results.csv",
            "/ja/measures/1-1/results.json",
            "/ja/measures/1-1/results.pdf",
            "/ja/measures/1-1/results",
        )
    }
    page = client.get(ROWS_PAGE).text
    assert "its rows can no longer change" in page
    row_id = re.findall(r'id="row-(\d+)"', page)[0]
    response = _post(
        client,
        ROWS_PAGE,
        f"{ROWS_PAGE}/{row_id}",
        {"action": "save", "category": "reflected", "text_ja": "変えた", "summary": "x"},
    )
    assert response.status_code == 303
    assert "its rows can no longer change" in client.get(ROWS_PAGE).text
    response = _split_every_sentence(client, published["a"], 2)
    assert response.status_code == 409
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OpinionItem)) == 7
        assert "変えた" not in {row.text_ja for row in db.session.scalars(sa.select(ResultRow))}
        measure = _measure()
        row = db.session.get(ResultRow, int(row_id))
        with pytest.raises(result_rows.RowRefused):
            result_rows.delete_row(row, actor=None, ip=None, now=utcnow())
        assert measure.results_published_at is not None
    for path, before in files.items():
        assert client.get(path).data == before, path


def test_campaign_copies_share_the_points_of_their_group(app, client, login_as, letters):
    from portal.models.moderation import CampaignGroup

    with app.app_context():
        measure = _measure()
        a = db.session.scalar(sa.select(Comment).where(Comment.receipt_number == letters["a"]))
        b = db.session.scalar(sa.select(Comment).where(Comment.receipt_number == letters["b"]))
        group = CampaignGroup(measure_id=measure.id, representative_comment_id=a.id)
        db.session.add(group)
        db.session.flush()
        a.group_id = b.group_id = group.id
        db.session.commit()
    login_as("moderator")
    _split_every_sentence(client, letters["a"], 4)
    assert _figures(app).items == 8  # two copies of a 4-point letter
    # b adds points of its own: taken out, it counts by its own items
    page = f"/staff/moderation/comments/{letters['b']}/items"
    assert _post(client, page, page, {"action": "take_out"}).status_code == 303
    assert _figures(app).items == 5
    _split_every_sentence(client, letters["b"], 3)
    assert _figures(app).items == 7


def test_a_stored_format_1_document_still_reads(app, client, login_as, letters):
    with app.app_context():
        document = results_document(_measure())
        old = {
            "format": 1,
            "measure": document["measure"],
            "figures": {
                key: document["figures"][key]
                for key in ("people", "comments", "published", "not_published")
            },
            "rows": [
                {
                    key: value
                    for key, value in row.items()
                    if key not in ("part", "part_labels", "items", "row_id", "translations")
                }
                for row in document["rows"]
            ],
            "annex": [
                {key: value for key, value in entry.items() if key != "row_numbers"}
                for entry in document["annex"]
            ],
        }
        results = results_from(old, "[非公開]", "en")
        assert [row.part for row in results.rows] == ["measure:1-(1)", "measure:1-(1)"]
        assert results.rows[0].part_label == document["measure"]["titles"]["en"]
        assert results.figures.items == 2
        assert [entry.row_numbers for entry in results.annex] == [(1,), (2,)]
        measure = _measure()
        measure.results_published_at = utcnow()
        db.session.add(
            PublishedResults(
                measure_id=measure.id,
                version=1,
                format=1,
                document=json.dumps(old, ensure_ascii=False),
                published_at=utcnow(),
            )
        )
        db.session.commit()
    page = client.get("/ja/measures/1-1/results")
    assert page.status_code == 200
    assert "公民館を残してください" in page.text


def test_demo_publishes_letters_counted_point_by_point(app, make_staff):
    from portal.services.results.demo import seed_demo_results

    admin = make_staff("admin")
    with app.app_context():
        actor = db.session.get(StaffUser, admin["id"])
        demo = seed_demo_results(actor, utcnow())
        db.session.commit()
        assert (demo.people, demo.items, demo.rows) == (7, 14, 8)
        assert seed_demo_results(actor, utcnow()) is None  # once
        results = build_results(
            db.session.scalar(sa.select(Measure).where(Measure.code == "1-(3)"))
        )
        assert max(row.count for row in results.rows) == 3
        assert {row.part for row in results.rows} == {"measure:1-(3)", "paragraph:1-(3):2"}


def test_hiding_more_after_publication_hides_it_inside_the_point(app, client, published):
    word = "存続"
    paths = ["/ja/measures/1-1/results.csv", "/ja/measures/1-1/results.json"]
    assert all(word in client.get(path).data.decode("utf-8-sig") for path in paths)
    page = f"/staff/moderation/comments/{published['a']}"
    response = _post(client, page, page + "/redactions", {"field": "body", "exact_text": word})
    assert response.status_code == 303
    for path in [*paths, "/ja/measures/1-1/results", "/ja/measures/1-1/results/comments"]:
        assert word not in client.get(path).data.decode("utf-8-sig"), path
    assert json.loads(client.get("/ja/measures/1-1/results.json").data)["version"] == 2


def test_a_rows_translation_reaches_the_results_once_a_person_wrote_or_reviewed_it(
    app, client, login_as, letters
):
    from portal.models.items import ResultRowTranslation

    login_as("moderator")
    _split_every_sentence(client, letters["b"], 3)
    _answer_all_rows(client)
    with app.app_context():
        row = db.session.scalars(sa.select(ResultRow).order_by(ResultRow.id)).first()
        db.session.add_all(
            [
                ResultRowTranslation(
                    row_id=row.id, locale="vi", summary="Giữ nhà văn hóa", response="Tham khảo."
                ),
                ResultRowTranslation(
                    row_id=row.id, locale="en", summary="Keep the hall", method="machine"
                ),
            ]
        )
        db.session.commit()
        [shown] = [r for r in build_results(_measure()).rows if r.translations]
        assert shown.translation("vi").summary == "Giữ nhà văn hóa"
        assert shown.translation("en") is None  # a machine draft nobody reviewed stays out


def test_a_point_about_two_parts_is_shown_again_without_counting_twice(
    app, client, login_as, letters
):
    login_as("moderator")
    _split_every_sentence(client, letters["a"], 4, parts={3: "area:1"})
    a = _items(app, letters["a"])
    hall, bus = a[2][0], a[3][0]
    for key in (hall, bus):
        _post(client, ROWS_PAGE, ROWS_PAGE + "/join", {"item": key, "action": "new"})
    page = client.get(ROWS_PAGE).text
    hall_row, bus_row = (_items(app, letters["a"])[i][4] for i in (2, 3))
    assert f'id="row-{hall_row}"' in page
    response = _post(
        client,
        ROWS_PAGE,
        f"{ROWS_PAGE}/{bus_row}",
        {"item": bus, "repost_row": hall_row, "action": "repost"},
    )
    assert response.status_code == 303
    assert "Shown here again (再掲):" in client.get(ROWS_PAGE).text
    with app.app_context():
        results = build_results(_measure())
        area = next(row for row in results.rows if row.part == "area:1")
        assert area.count == 2  # the hall, and the bus shown again
        assert results.figures.items == 5  # 4 points of a, 1 of b: the bus counts once
        annex_a = next(e for e in results.annex if LETTER_A[:10] in e.text)
        assert area.number in annex_a.row_numbers


def test_points_and_rows_pages_are_for_moderators_only(app, client, login_as, letters):
    pages = [
        f"/staff/moderation/comments/{letters['a']}/items",
        ROWS_PAGE,
        "/staff/moderation/measures/1-(1)/row-translations?locale=vi",
    ]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 302
        assert "/staff/login" in response.headers["Location"]
    login_as("committee")
    for page in pages:
        assert client.get(page).status_code == 403
    assert client.post(pages[0], data={"action": "unsplit"}).status_code in (400, 403)


def test_hostile_input_on_the_split_page_loses_nothing(app, client, login_as, letters):
    login_as("moderator")
    page = f"/staff/moderation/comments/{letters['a']}/items"
    _split_every_sentence(client, letters["a"], 4)
    before = _items(app, letters["a"])
    # no CSRF token: refused, nothing changed
    assert client.post(page, data={"action": "unsplit"}).status_code == 400
    # numbers that are digits only to Unicode, or absurdly long, and a part that is no part
    response = _post(
        client,
        page,
        page,
        {
            "action": "split",
            "sentence-0": "²",
            "sentence-1": "9" * 5000,
            "sentence-2": "1",
            "part-1": "javascript:alert(1)",
        },
    )
    assert response.status_code == 422
    assert _items(app, letters["a"]) == before
    # a gist with markup is stored as text and shown escaped
    script = "<script>alert('x')</script>"
    response = _post(
        client,
        page,
        page,
        {"action": "split", "sentence-0": "1", "part-1": "measure:1-(1)", "summary-1": script},
    )
    assert response.status_code == 303
    shown = client.get(page).text
    assert script not in shown
    assert "&lt;script&gt;" in shown
