"""The outline import: areas, measures and glossary, repeatable without changes."""

import json

import sqlalchemy as sa
from conftest import post_form

from portal.extensions import db
from portal.models import AuditRecord, GlossaryTerm, Measure, MeasureText, PriorityArea
from portal.services import audit
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
        assert db.session.scalar(sa.select(sa.func.count(Measure.id))) == 35
        chapters = db.session.scalars(
            sa.select(Measure).where(Measure.area_id.is_(None)).order_by(Measure.number)
        ).all()
        assert [(m.code, m.kind, m.text("ja").title) for m in chapters] == [
            ("I", "chapter", "はじめに"),
            ("II", "chapter", "基本方針"),
            ("III", "chapter", "推進方法"),
        ]
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
    # 32 measures and the 3 general chapters
    assert "35 comment periods opened" in result.output
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


def _admin_edits(client, code: str, locale: str, values: dict) -> None:
    """An admin saves a measure's text on the admin screen."""
    page = f"/staff/admin/measures/{code}?locale={locale}"
    saved = post_form(client, page, page, {**values, "action": "save"})
    assert saved.status_code == 302


def _text(code: str, locale: str) -> MeasureText:
    return db.session.scalar(
        sa.select(MeasureText).where(
            MeasureText.locale == locale, MeasureText.measure.has(Measure.code == code)
        )
    )


def _records(action: str) -> list[AuditRecord]:
    return list(
        db.session.scalars(
            sa.select(AuditRecord).where(AuditRecord.action == action).order_by(AuditRecord.id)
        )
    )


def test_seed_never_reverts_an_admins_edit_and_says_which_it_kept(app, client, login_as, runner):
    admin = login_as("admin")
    edited = {
        "title": "窓口改革(議会修正後)",
        "summary": "修正後の要約。",
        "body": "修正後の本文。",
    }
    _admin_edits(client, "1-(1)", "ja", edited)

    result = runner.invoke(args=["seed"])

    assert result.exit_code == 0, result.output
    assert "0 created, 0 updated, 1 kept" in result.output
    assert f"kept measure 1-(1) ja: edited by {admin['email']}" in result.output
    assert "the outline's text differs" in result.output
    assert "窓口改革(議会修正後)" in client.get("/ja/measures/1-1").text
    with app.app_context():
        assert _text("1-(1)", "ja").body == "修正後の本文。"
        edit = _records("measure_text_edited")[-1]
        assert f"(audit record {edit.id})" in result.output
        (run,) = _records("outline_seeded")
        assert run.actor_email is None
        details = json.loads(run.details)
        assert details["kept"] == ["measure 1-(1) ja"]
        assert details["via"].startswith("portal seed (OS user ")
        assert _records("outline_text_seeded") == []
    # Seeding again changes nothing and still says why.
    again = runner.invoke(args=["seed"])
    assert "0 updated, 1 kept" in again.output


def test_every_text_the_seed_overwrites_is_audited_with_before_and_after(app, runner):
    with app.app_context():
        text = _text("2-(3)", "en")
        original_title = text.title
        text.title = "A title changed at the SQL prompt"
        db.session.commit()

    result = runner.invoke(args=["seed"])

    assert "0 created, 1 updated, 0 kept" in result.output
    assert "  updated measure 2-(3) en: title" in result.output
    with app.app_context():
        assert _text("2-(3)", "en").title == original_title
        (record,) = _records("outline_text_seeded")
        assert (record.object_type, record.object_id, record.actor_id) == ("measure", "2-(3)", None)
        details = json.loads(record.details)
        assert details["locale"] == "en"
        assert details["changes"] == {
            "title": {"before": "A title changed at the SQL prompt", "after": original_title}
        }
        assert details["via"].startswith("portal seed (OS user ")
        assert json.loads(_records("outline_seeded")[0].details)["updated"] == 1
        assert audit.verify_chain().intact


def test_a_kept_translation_is_flagged_when_the_seed_changes_the_japanese(
    app, client, login_as, runner
):
    login_as("admin")
    tagalog = {"title": "Isinaling pamagat", "summary": "Buod.", "body": "Nilalaman."}
    _admin_edits(client, "5-(5)", "tl", tagalog)
    with app.app_context():
        # A database seeded from an older outline: the Japanese text differs from today's.
        _text("5-(5)", "ja").summary = "古い要約。"
        _text("5-(5)", "tl").needs_review = False
        db.session.commit()

    result = runner.invoke(args=["seed"])

    assert "1 updated, 1 kept" in result.output
    assert "kept measure 5-(5) tl" in result.output
    with app.app_context():
        assert _text("5-(5)", "ja").summary != "古い要約。"
        kept = _text("5-(5)", "tl")
        assert kept.title == "Isinaling pamagat"
        assert kept.needs_review  # the admin's translation may no longer say the same
