"""The language a resident declares is checked against the text, offline."""

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import Comment
from portal.services.language import contradicts, detect_language, primary_language

SENTENCES = {
    "ja": "市役所の窓口の待ち時間が長いので、オンラインで手続きができるようにしてほしいです。",
    "ja-x-easy": "わたし は 市役所 に よく いきます。 にほんご の せつめい が むずかしい です。",
    "en": "I would like the city to publish its budget documents in plain language for residents.",
    "pt-BR": "Gostaria que a prefeitura publicasse as informações sobre o lixo em português também.",
    "es": "Me gustaría que la municipalidad ofreciera más información en español sobre los trámites.",
    "vi": "Tôi mong thành phố cung cấp thông tin về thủ tục hành chính bằng tiếng Việt.",
    "zh-Hans": "希望市政府能够提供中文的行政手续说明，方便外国居民办理业务。",
    "tl": "Sana ay magbigay ang lungsod ng impormasyon sa wikang Tagalog para sa mga residente.",
    "ne": "नगरपालिकाको सेवा सुधार गर्नुहोस्। विदेशी नागरिकका लागि जानकारी नेपाली भाषामा पनि दिनुहोस्।",
}


@pytest.mark.parametrize(("tag", "sentence"), SENTENCES.items(), ids=SENTENCES)
def test_each_portal_language_is_recognised(tag, sentence):
    detection = detect_language(sentence)
    assert detection.language == primary_language(tag)
    assert detection.confident
    assert not contradicts(tag, detection)


def test_japanese_declared_as_english_is_flagged():
    detection = detect_language(SENTENCES["ja"])
    assert contradicts("en", detection)


def test_portuguese_declared_as_spanish_is_flagged():
    assert contradicts("es", detect_language(SENTENCES["pt-BR"]))


@pytest.mark.parametrize("text", ["ok", "賛成", "👍👍", "12345 !!!", "", "नमस्ते"])
def test_short_texts_are_undetermined_not_flagged(text):
    detection = detect_language(text)
    assert detection.language is None
    assert not contradicts("en", detection)


def test_mixed_text_does_not_crash_and_is_not_overconfident():
    mixed = "I agree. 賛成です。Concordo. Tôi đồng ý."
    detection = detect_language(mixed)
    assert detection.language is None or 0 <= detection.confidence <= 1


def test_other_language_is_never_flagged():
    assert not contradicts("other", detect_language(SENTENCES["ja"]))


def test_detection_is_stable_for_nepali():
    results = {detect_language(SENTENCES["ne"]).language for _ in range(5)}
    assert results == {"ne"}


def test_submitted_comment_stores_declared_and_detected_language(app, submit, open_measure):
    submit(open_measure, body=SENTENCES["ja"], language="en")
    with app.app_context():
        comment = db.session.scalars(sa.select(Comment)).one()
        assert comment.declared_language == "en"
        assert comment.detected_language == "ja"
        assert comment.detection_confidence >= 0.7
