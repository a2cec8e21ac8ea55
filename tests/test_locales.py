"""Nine locales: catalogs complete, pages translated, content in every language, language choice."""

import re
import shutil
import subprocess

import pytest
import sqlalchemy as sa
from babel.messages.pofile import read_po

from portal.extensions import db
from portal.i18n import LOCALES, match_accept_language
from portal.models import AreaText, GlossaryText, Measure, MeasureText
from portal.services.content.catalogs import catalog_stats, po_path
from portal.services.content.outline import load_chapters, load_outline
from portal.services.content.seed import CONTENT_DIR, load_content_files, outline_as_content

TAGS = [locale.tag for locale in LOCALES]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
PAGES = [
    "/{tag}/",
    "/{tag}/measures/1-5",
    "/{tag}/receipts",
    "/{tag}/privacy",
    "/{tag}/measures/9-9",
]


def _catalog(locale):
    with po_path(locale.catalog).open("rb") as handle:
        return read_po(handle, locale=locale.babel_code)


@pytest.mark.parametrize("locale", LOCALES, ids=TAGS)
def test_catalog_is_complete_and_not_fuzzy(locale):
    [stats] = [s for s in catalog_stats() if s.catalog == locale.catalog]
    assert stats.total > 100
    assert stats.complete, (
        f"{locale.catalog}: {stats.translated}/{stats.total}, {stats.fuzzy} fuzzy"
    )


@pytest.mark.parametrize("locale", LOCALES, ids=TAGS)
def test_catalog_passes_msgfmt_check(locale):
    if shutil.which("msgfmt") is None:
        pytest.fail("msgfmt (gettext) is not installed: .ci/run installs it")
    result = subprocess.run(  # noqa: S603 - fixed arguments
        ["msgfmt", "--check", "-o", "/dev/null", str(po_path(locale.catalog))],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "warning" not in result.stderr


@pytest.mark.parametrize("locale", LOCALES, ids=TAGS)
def test_translations_keep_placeholders_and_add_no_html(locale):
    for message in _catalog(locale):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = set(PLACEHOLDER.findall(ids[0])) | set(PLACEHOLDER.findall(ids[-1]))
        for string in strings:
            found = set(PLACEHOLDER.findall(string))
            # a singular form may say "one" in words instead of %(num)s
            assert found <= expected, (ids[0], string)
            assert found == expected or len(ids) > 1, (ids[0], string)
            assert "<" not in string, (ids[0], string)


def _english_msgids() -> list[str]:
    [english] = [locale for locale in LOCALES if locale.tag == "en"]
    return [
        m.id if isinstance(m.id, str) else m.id[0]
        for m in _catalog(english)
        if m.id and len(m.id if isinstance(m.id, str) else m.id[0]) > 14 and "%(" not in str(m.id)
    ]


def _japanese_strings() -> list[str]:
    [japanese] = [locale for locale in LOCALES if locale.tag == "ja"]
    return [
        m.string for m in _catalog(japanese) if isinstance(m.string, str) and len(m.string) > 10
    ]


def _visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def _assert_no_page_shows(client, tag: str, strings: list[str]) -> None:
    """No page in locale `tag` shows any of `strings` as visible text."""
    for page in PAGES:
        text = _visible_text(client.get(page.format(tag=tag)).get_data(as_text=True))
        leaked = [string for string in strings if string in text]
        assert not leaked, (page.format(tag=tag), leaked[:3])


@pytest.mark.parametrize("tag", [t for t in TAGS if t != "en"])
def test_pages_have_no_untranslated_english(client, tag, open_measure):
    _assert_no_page_shows(client, tag, _english_msgids())


@pytest.mark.parametrize("tag", [t for t in TAGS if t not in ("ja", "ja-x-easy")])
def test_pages_do_not_fall_back_to_japanese(client, tag, open_measure):
    _assert_no_page_shows(client, tag, _japanese_strings())


def test_missing_translation_falls_back_to_japanese(tmp_path, monkeypatch):
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    import portal.i18n as i18n

    for catalog_name, babel_code, messages in (
        ("ja", "ja", {"Privacy notice": "個人情報の取扱い", "Send my comment": "意見を送信する"}),
        ("vi", "vi", {"Send my comment": "Gửi ý kiến"}),
    ):
        catalog = Catalog(locale=babel_code)
        for msgid, msgstr in messages.items():
            catalog.add(msgid, msgstr)
        target = tmp_path / catalog_name / "LC_MESSAGES"
        target.mkdir(parents=True)
        with (target / "messages.po").open("wb") as handle:
            write_po(handle, catalog)
    monkeypatch.setattr(i18n, "TRANSLATIONS_DIR", tmp_path)
    monkeypatch.setattr(i18n, "_catalog_cache", {})
    vietnamese = i18n.catalog_translations("vi")
    assert vietnamese.gettext("Send my comment") == "Gửi ý kiến"
    assert vietnamese.gettext("Privacy notice") == "個人情報の取扱い"
    # a catalog that does not exist at all still answers, in Japanese
    assert i18n.catalog_translations("ne").gettext("Privacy notice") == "個人情報の取扱い"


def test_content_files_match_the_outline():
    source = outline_as_content(load_outline(), load_chapters())
    documents = load_content_files(source, CONTENT_DIR)
    assert sorted(documents) == sorted(TAGS)
    assert sorted(source["chapters"]) == ["I", "II", "III"]
    marks = re.compile(r"\[\[([a-z-]+)\|")
    for tag, doc in documents.items():
        for section in ("chapters", "measures"):
            for code, measure in source[section].items():
                translated = doc[section][code]
                assert translated["title"], (tag, code)
                assert translated["summary"], (tag, code)
                assert len(translated["body"]) == len(measure["body"]), (tag, code)
                for original, paragraph in zip(measure["body"], translated["body"], strict=True):
                    assert sorted(marks.findall(original)) == sorted(marks.findall(paragraph)), (
                        tag,
                        code,
                    )


def test_every_measure_area_and_term_exists_in_all_nine_locales(app):
    with app.app_context():
        # 32 measures and the 3 general chapters
        for model, per_locale in ((MeasureText, 35), (AreaText, 5), (GlossaryText, 13)):
            rows = db.session.execute(
                sa.select(model.locale, sa.func.count()).group_by(model.locale)
            ).all()
            assert dict(rows) == dict.fromkeys(TAGS, per_locale), model.__name__


def test_easy_japanese_has_furigana_on_every_kanji(app):
    kanji_outside_ruby = re.compile(r"[\u4e00-\u9fff々](?![^{]*\|)")
    with app.app_context():
        for text in db.session.scalars(
            sa.select(MeasureText).where(MeasureText.locale == "ja-x-easy")
        ):
            stripped = re.sub(r"\{[^{}|]+\|[^{}|]+\}", "", text.body + text.title)
            assert not kanji_outside_ruby.search(stripped), text.title


def test_easy_japanese_page_renders_ruby(client):
    page = client.get("/ja-x-easy/measures/1-1").get_data(as_text=True)
    assert "<ruby>" in page
    assert "<rt>" in page
    assert "{" not in _visible_text(page).replace("{count}", "")


def test_translated_page_says_japanese_is_authoritative_and_links_it(client):
    page = client.get("/vi/measures/2-1").get_data(as_text=True)
    assert 'href="/ja/measures/2-1"' in page
    assert "日本語の原文" in page
    assert "日本語の原文" not in client.get("/ja/measures/2-1").get_data(as_text=True)


def test_glossary_terms_link_to_explanations_in_reader_language(client):
    page = client.get("/pt-BR/measures/1-5").get_data(as_text=True)
    for key in ("ict", "ict-governance", "ai", "rpa"):
        assert f'href="#glossary-{key}"' in page
        assert f'id="glossary-{key}"' in page
    assert (
        "Tecnologia da Informação e Comunicação" in page
        or "Information and Communication Technology" in page
    )


def test_glossary_of_an_area_is_shown_on_the_index(client):
    page = client.get("/en/").get_data(as_text=True)
    assert 'id="glossary-npo"' in page


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("pt", "pt-BR"),
        ("pt-PT,en;q=0.5", "pt-BR"),
        ("pt-BR", "pt-BR"),
        ("zh", "zh-Hans"),
        ("zh-CN", "zh-Hans"),
        ("zh-SG", "zh-Hans"),
        ("fil", "tl"),
        ("tl-PH", "tl"),
        ("ne-NP", "ne"),
        ("vi-VN,vi;q=0.9", "vi"),
        ("es-PE", "es"),
        ("en-GB", "en"),
        ("zh-TW,en;q=0.8", "en"),
        ("de-DE", "ja"),
        ("", "ja"),
        ("fr;q=0.9,es;q=0.8", "es"),
    ],
)
def test_accept_language_mapping(client, header, expected):
    response = client.get("/", headers={"Accept-Language": header})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/{expected}/"


def test_pure_function_prefers_higher_quality():
    assert match_accept_language([("en", 0.5), ("vi", 0.9)]).tag == "vi"
    assert match_accept_language([("ne", 0.0), ("es", 0.1)]).tag == "es"


def test_chosen_language_is_remembered_over_browser_language(client):
    client.get("/ne/")
    response = client.get("/", headers={"Accept-Language": "en"})
    assert response.headers["Location"] == "/ne/"


@pytest.mark.parametrize("tag", TAGS)
def test_every_page_links_to_itself_in_all_languages(client, tag):
    page = client.get(f"/{tag}/measures/3-2").get_data(as_text=True)
    assert f'<html lang="{tag}">' in page
    for other in TAGS:
        assert (
            f'<link rel="alternate" hreflang="{other}" href="http://localhost/{other}/measures/3-2">'
            in page
        )
        assert f'href="/{other}/measures/3-2" hreflang="{other}" lang="{other}"' in page
    assert 'hreflang="x-default"' in page


def test_picker_names_each_language_in_itself(client):
    page = client.get("/en/").get_data(as_text=True)
    for name in (
        "日本語",
        "やさしい にほんご",
        "Tiếng Việt",
        "Português (Brasil)",
        "Español",
        "简体中文",
        "Tagalog",
        "नेपाली",
    ):
        assert name in page


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("ja", "日本時間"),
        ("en", "Japan Time"),
        ("vi", "Giờ Nhật Bản"),
        ("pt-BR", "Horário do Japão"),
        ("ne", "जापान समय"),
    ],
)
def test_deadline_is_in_japan_time_named_in_reader_language(client, open_measure, tag, expected):
    page = client.get(f"/{tag}/measures/1-1").get_data(as_text=True)
    assert expected in page


def test_numbers_follow_the_locale(client, open_measure):
    assert "0 of 10,000 characters" in client.get("/en/measures/1-1").get_data(as_text=True)
    assert "10.000" in client.get("/pt-BR/measures/1-1").get_data(as_text=True)


def test_comment_keeps_its_language_attribute(app, client, submit, open_measure):
    page = submit(
        open_measure,
        body="Thành phố nên cung cấp thông tin bằng tiếng Việt cho cư dân.",
        language="vi",
    ).get_data(as_text=True)
    assert 'lang="vi" dir="auto" data-verbatim>Thành phố nên' in page


def test_error_pages_are_translated(client):
    page = client.get("/vi/measures/8-8").get_data(as_text=True)
    assert '<html lang="vi">' in page
    assert "Page not found" not in page


def test_measure_titles_are_in_reader_language(app, client):
    with app.app_context():
        measure = db.session.scalar(sa.select(Measure).where(Measure.code == "5-(5)"))
        nepali_title = measure.text("ne").title
    assert nepali_title in client.get("/ne/measures/5-5").get_data(as_text=True)
    assert re.search(r"[\u0900-\u097f]", nepali_title)


def test_every_message_in_the_code_is_in_every_catalog():
    from portal.services.content.catalogs import extract_template, split_template

    resident, _staff = split_template(extract_template())
    in_code = {m.id if isinstance(m.id, str) else m.id[0] for m in resident if m.id}
    assert len(in_code) > 100
    for locale in LOCALES:
        in_catalog = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalog(locale) if m.id}
        missing = in_code - in_catalog
        assert not missing, (
            f"{locale.catalog} lacks {sorted(missing)[:3]}: run `portal translate update`"
        )


@pytest.mark.parametrize("tag", ["vi", "ne", "ja"])
def test_server_error_page_is_translated(app, client, tag, monkeypatch):
    import portal.public.routes.pages as routes

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(routes, "render_template", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.get(f"/{tag}/privacy")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert f'<html lang="{tag}">' in page
    assert "Something went wrong" not in page
    assert "boom" not in page


@pytest.mark.parametrize("tag", [t for t in TAGS if t != "en"])
def test_form_errors_are_in_the_page_language(submit, tag, open_measure):
    english = _english_msgids()
    response = submit(f"/{tag}/measures/1-1", body=" ", consent=None, email="nope", phone="x")
    assert response.status_code == 422
    text = _visible_text(response.get_data(as_text=True))
    leaked = [msgid for msgid in english if msgid in text]
    if tag not in ("ja", "ja-x-easy"):
        leaked += [string for string in _japanese_strings() if string in text]
    assert not leaked, leaked[:3]


def test_easy_japanese_interface_shows_readings_as_ruby(client, open_measure):
    page = client.get("/ja-x-easy/measures/1-1").get_data(as_text=True)
    assert "<ruby>伊勢崎市<rp>(</rp><rt>いせさきし</rt><rp>)</rp></ruby>" in page
    title = re.search(r"<title>(.*?)</title>", page, re.S)[1]
    assert "<ruby>" not in title
    options = re.findall(r"<option[^>]*>(.*?)</option>", page, re.S)
    assert all("<ruby>" not in option for option in options)
    assert (
        "<ruby>" not in client.get("/ja/measures/1-1").get_data(as_text=True).split("</header>")[0]
    )


def test_residents_words_are_never_given_ruby(submit, open_measure):
    page = submit(
        "/ja-x-easy/measures/1-1", body="市役所(しやくしょ)の窓口について", language="ja"
    ).get_data(as_text=True)
    assert "市役所(しやくしょ)の窓口について</blockquote>" in page


def test_furigana_leaves_verbatim_and_nested_elements_alone():
    from portal.services.resident.furigana import add_furigana

    html = (
        "<p>市(し)</p><div data-verbatim><div>市(し)</div>市(し)</div><p>取扱い(とりあつかい)</p>"
        "<textarea>市(し)</textarea><br/><p>考え方(かんがえかた)</p>"
    )
    result = add_furigana(html)
    assert result.count("<ruby>") == 3
    assert "<div data-verbatim><div>市(し)</div>市(し)</div>" in result
    assert "<textarea>市(し)</textarea>" in result
    assert "<ruby>取扱い<rp>" in result
