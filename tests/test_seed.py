"""The outline import: areas, measures and glossary, repeatable without changes."""

import sqlalchemy as sa

from portal.extensions import db
from portal.models import GlossaryTerm, Measure, MeasureText, PriorityArea
from portal.services.content.outline import load_outline
from portal.services.content.seed import seed_outline


def test_outline_has_five_areas_and_32_measures():
    areas = load_outline()
    assert [len(area.measures) for area in areas] == [9, 9, 5, 3, 6]
    codes = [measure.code for area in areas for measure in area.measures]
    assert codes[0] == "1-(1)"
    assert codes[-1] == "5-(6)"
    assert areas[0].measures[0].title == "行政運営の効率化の推進"
    assert areas[4].measures[-1].title == "安心安全社会の実現"


def test_glossary_notes_belong_to_the_measure_that_uses_them():
    areas = load_outline()
    ict = areas[0].measures[4]
    assert ict.code == "1-(5)"
    assert [note.key for note in ict.notes] == ["ict", "ict-governance", "ai", "rpa"]
    assert "[[ict-governance|ICTガバナンス]]のもと[[ai|AI]]" in ict.paragraphs[0]
    assert [note.key for note in areas[2].notes] == ["npo"]


def test_seed_loads_the_outline(app):
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(PriorityArea.id))) == 5
        assert db.session.scalar(sa.select(sa.func.count(Measure.id))) == 32
        assert db.session.scalar(sa.select(sa.func.count(GlossaryTerm.id))) == 13
        measure = db.session.scalar(sa.select(Measure).where(Measure.code == "5-(5)"))
        text = measure.text("ja")
        assert text.title == "多文化共生社会の形成と国際交流の推進"
        assert "多言語化の推進" in text.body


def test_seed_twice_changes_nothing(app, runner):
    with app.app_context():
        before = db.session.execute(sa.select(MeasureText.id, MeasureText.body)).all()
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    assert "0 created, 0 updated" in result.output
    with app.app_context():
        assert not seed_outline().changed
        after = db.session.execute(sa.select(MeasureText.id, MeasureText.body)).all()
    assert sorted(before) == sorted(after)


def test_seed_repairs_edited_text(app):
    with app.app_context():
        text = db.session.scalar(sa.select(MeasureText).where(MeasureText.locale == "ja"))
        original = text.body
        text.body = "tampered"
        db.session.commit()
        report = seed_outline()
        db.session.commit()
        assert report.updated == 1
        assert db.session.get(MeasureText, text.id).body == original


def test_seed_can_open_comment_periods(app, runner):
    result = runner.invoke(args=["seed", "--open-days", "30"])
    assert "32 comment periods opened" in result.output
    again = runner.invoke(args=["seed", "--open-days", "30"])
    assert "0 comment periods opened" in again.output


def test_reseeding_brings_reviewed_wording_to_an_existing_database(app, runner, client):
    # A database seeded before the wording review still holds the old translations.
    old_title = (
        "Pagbuo ng Multikultural na Lipunan ng Magkakasamang Pamumuhay at Pagsusulong ng "
        "Pandaigdigang Pakikipagpalitan"
    )
    old_summary = "Thành phố vận hành đúng đắn chế độ công khai thông tin để có nền hành chính"
    with app.app_context():
        tagalog, vietnamese = (
            db.session.scalar(
                sa.select(MeasureText)
                .join(Measure)
                .where(Measure.code == code, MeasureText.locale == locale)
            )
            for code, locale in (("5-(5)", "tl"), ("5-(2)", "vi"))
        )
        tagalog.title = old_title
        vietnamese.summary = old_summary + ", cởi mở và quản lý chặt chẽ thông tin cá nhân."
        db.session.commit()
    assert old_title in client.get("/tl/measures/5-5").get_data(as_text=True)

    result = runner.invoke(args=["seed"])

    assert "0 created, 2 updated" in result.output
    tagalog_page = client.get("/tl/measures/5-5").get_data(as_text=True)
    assert old_title not in tagalog_page
    assert "Sama-samang Pamumuhay ng Iba&#39;t Ibang Kultura" in tagalog_page
    vietnamese_page = client.get("/vi/measures/5-2").get_data(as_text=True)
    assert old_summary not in vietnamese_page
    assert "bảo vệ quyền riêng tư của người dân" in vietnamese_page
