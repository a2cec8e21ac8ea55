"""Generated comment texts for the benchmark, the grouping evaluation and demos.

Deterministic for a given seed. Distinct comments are built from many independent parts, so two
of them rarely share more than a phrase; campaign copies are one letter with the light edits
real campaigns show (a personal first line, a changed word, a dropped or added sentence).
"""

# Generated sample text, not secrets: a seeded, reproducible generator is the point.
# ruff: noqa: S311

from __future__ import annotations

import json
import random
from functools import cache
from pathlib import Path

from portal.services.moderation.duplicates import Leaders, shingles

CONTENT = Path(__file__).resolve().parents[2] / "content"

JA_SUBJECTS = [
    "市役所の窓口",
    "市長の方針",
    "公園の管理",
    "図書館の開館時間",
    "ごみの分別",
    "市のホームページ",
    "子育て支援の手続き",
    "高齢者向けの講座",
    "防災訓練",
    "バスの路線",
    "公民館の予約",
    "税の証明書",
    "地域コミュニティの活動",
    "ICTの活用",
    "RPAの導入",
    "職員の研修",
    "施設の統廃合",
    "情報公開の制度",
    "温室効果ガスの削減",
    "グリーン購入",
    "外国人住民への案内",
    "やさしい日本語の表示",
    "NPOとの協働",
    "ソーシャルメディアでの発信",
    "行政改革の進め方",
    "赤堀地区の道路",
    "境町の駅前",
    "東地区の集会所",
]
JA_OPINIONS = [
    "はとても分かりにくいと感じています",
    "について、もっと説明が欲しいです",
    "は以前より良くなりました",
    "の改善を強く望みます",
    "に関する情報が少なすぎます",
    "は費用に見合っていないと思います",
    "を平日の夜にも利用できるようにしてほしい",
    "について若い世代の意見も聞いてください",
    "の手続きをオンラインで完結させてください",
    "は地域によって差が大きいです",
    "をもっと早く進めるべきだと考えます",
    "については慎重に検討してほしいです",
]
JA_REASONS = [
    "共働きで平日の昼間は時間がありません。",
    "先月、手続きに二時間かかりました。",
    "近所の高齢者も同じことを言っています。",
    "子どもが小さいので外出が大変です。",
    "外国籍の友人が困っていました。",
    "他の市ではすでに実施されていると聞きました。",
    "駐車場が足りず、いつも混雑しています。",
    "説明会に参加しましたが、質問の時間が短すぎました。",
    "税金の使い道をはっきりさせてほしいです。",
    "障害のある家族がいるので配慮をお願いします。",
    "職員の方の対応はとても丁寧でした。",
    "夜間の照明が暗く、危険を感じます。",
]
# Other languages: subject x opinion x reason, so that comments rarely share a sentence.
PHRASES = {
    "pt-BR": (
        [
            "O atendimento na prefeitura",
            "A coleta de lixo",
            "O site da cidade",
            "A creche perto da estação",
            "O ônibus da linha norte",
            "A consulta pública",
            "O balcão de impostos",
            "A escola municipal",
            "O parque do bairro",
            "A biblioteca central",
            "O posto de saúde",
            "O aviso em português",
        ],
        [
            "precisa de tradução para o português",
            "é difícil para quem trabalha na fábrica",
            "deveria funcionar também aos sábados",
            "melhorou muito nos últimos anos",
            "tem poucas informações para estrangeiros",
            "deveria usar formulários simples com furigana",
            "precisa de mais funcionários",
            "não chega às famílias brasileiras",
        ],
        [
            "Moro em Isesaki há {n} anos.",
            "Tenho {n} filhos na escola.",
            "Trabalho em turnos desde {y}.",
            "Perdi {n} horas na fila no mês passado.",
            "Meus vizinhos pensam o mesmo.",
        ],
    ),
    "vi": (
        [
            "Thủ tục ở quầy hành chính",
            "Thông báo về rác thải",
            "Xe buýt buổi tối",
            "Lớp học tiếng Nhật",
            "Trang web của thành phố",
            "Nhà trẻ gần ga",
            "Dịch vụ y tế",
            "Thông tin cho người mới đến",
        ],
        [
            "quá phức tạp đối với người nước ngoài",
            "nên có bản tiếng Việt",
            "cần có hình minh họa",
            "quá ít chuyến",
            "nên miễn phí cho người lao động",
            "đã tốt hơn trước",
            "khó tìm trên điện thoại",
        ],
        [
            "Tôi sống ở Isesaki được {n} năm.",
            "Tôi làm việc ca đêm từ năm {y}.",
            "Gia đình tôi có {n} người.",
            "Bạn bè tôi cũng gặp khó khăn như vậy.",
        ],
    ),
    "en": (
        [
            "The counter hours",
            "The city website",
            "The park near my home",
            "Information for new residents",
            "The outline document",
            "Bus services in Sakai",
            "The library",
            "Recycling rules",
        ],
        [
            "do not suit shift workers",
            "should be available in plain English",
            "need better lighting",
            "are hard to find",
            "could move online",
            "have improved a lot",
            "need clearer explanations",
        ],
        ["I have lived here for {n} years.", "I work nights since {y}.", "My {n} children agree."],
    ),
    "es": (
        [
            "Los trámites en la ventanilla",
            "El parque del barrio",
            "La información municipal",
            "El autobús de la tarde",
            "La guardería",
            "La página web",
        ],
        [
            "son lentos",
            "necesita más mantenimiento",
            "debería estar en español",
            "pasa muy pocas veces",
            "es difícil de entender",
            "mejoró mucho",
        ],
        ["Vivo en Isesaki desde {y}.", "Tengo {n} hijos.", "Trabajo en una fábrica."],
    ),
    "tl": (
        [
            "Ang proseso sa counter",
            "Ang impormasyon sa city hall",
            "Ang bus sa gabi",
            "Ang paaralan",
            "Ang website ng lungsod",
            "Ang parke sa aming lugar",
            "Ang klinika",
            "Ang koleksyon ng basura",
        ],
        [
            "ay mahirap intindihin",
            "ay dapat may Tagalog",
            "ay kulang sa tauhan",
            "ay gumanda na",
            "ay dapat bukas tuwing Sabado",
            "ay malayo sa istasyon",
            "ay kailangan ng mas malinaw na paliwanag",
        ],
        [
            "Nakatira ako dito nang {n} taon.",
            "May {n} anak ako.",
            "Nagtatrabaho ako sa pabrika mula {y}.",
        ],
    ),
    "zh-Hans": (
        ["市政府的窗口", "中文信息", "晚上的公交车", "幼儿园", "垃圾分类的说明"],
        ["手续太复杂了", "太少了", "需要改善", "比以前好多了", "应该有中文版本"],
        ["我在伊势崎住了{n}年。", "我有{n}个孩子。"],
    ),
}
LANGUAGE_WEIGHTS = [
    ("ja", 70),
    ("pt-BR", 10),
    ("vi", 9),
    ("en", 4),
    ("es", 4),
    ("tl", 2),
    ("zh-Hans", 1),
]

CAMPAIGN_LETTERS = [
    "伊勢崎市の行政改革大綱について意見を申し上げます。公共施設の統廃合は、地域の住民にとって大切な"
    "居場所を奪うものです。特に高齢者や子どもが歩いて通える公民館や集会所は、災害時の避難場所にも"
    "なっています。統廃合の計画を一度白紙に戻し、住民説明会を各地区で開いてください。利用者の声を"
    "聞かずに決めることには反対です。",
    "窓口業務の民間委託に反対します。市民の個人情報を扱う仕事は、市の職員が責任を持って行うべきです。"
    "委託によって費用が下がるという説明がありますが、サービスの質が落ちれば結局は市民が困ります。"
    "委託の前に、職員の増員と研修の充実を検討してください。",
]
CAMPAIGN_OPENINGS = [
    "",
    "私は境町に住んでいます。",
    "赤堀地区の住民です。",
    "子育て中の母親です。",
    "七十代の年金生活者です。",
    "市内の会社に勤めています。",
    "東地区で商店を営んでいます。",
    "",
]
CAMPAIGN_CLOSINGS = [
    "",
    "よろしくお願いします。",
    "どうか市民の声を聞いてください。",
    "以上です。",
    "強く要望します。",
]
SWAPS = [("反対します", "反対いたします"), ("ください", "下さい"), ("大切な", "大事な"),
         ("検討して", "考えて"), ("特に", "とりわけ"), ("市民", "住民")]  # fmt: skip


def _weighted_language(rng: random.Random) -> str:
    return rng.choices([tag for tag, _w in LANGUAGE_WEIGHTS], [w for _t, w in LANGUAGE_WEIGHTS])[0]


@cache
def _source(language: str) -> str:
    """Running text in `language` to cut comments from: the outline and its translations."""
    if language == "ja":
        return "".join((CONTENT / "outline-2020.ja.txt").read_text(encoding="utf-8").split())
    data = json.loads((CONTENT / f"{language}.json").read_text(encoding="utf-8"))
    strings: list[str] = []

    def walk(node) -> None:
        if isinstance(node, str):
            strings.append(node)
        elif isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(data)
    return " ".join(" ".join(strings).split())


def _window(rng: random.Random, language: str) -> str:
    source = _source(language)
    if language in ("ja", "zh-Hans"):
        length = rng.randint(15, 60)
        start = rng.randrange(len(source) - length)
        return source[start : start + length]
    words = source.split(" ")
    length = rng.randint(6, 18)
    start = rng.randrange(len(words) - length)
    return " ".join(words[start : start + length])


def distinct_comment(rng: random.Random, language: str = "ja") -> str:
    """One comment unlike the others, of a realistic length for its language: passages of the
    outline (in that language) that the resident quotes, with their own view and reasons."""
    if language == "ja":
        sentences = []
        for _ in range(rng.randint(1, 4)):
            if rng.random() < 0.3:
                sentences.append(f"{rng.choice(JA_SUBJECTS)}{rng.choice(JA_OPINIONS)}。")
            sentences.append(f"「{_window(rng, language)}」{rng.choice(JA_OPINIONS)}。")
            if rng.random() < 0.5:
                sentences.append(rng.choice(JA_REASONS))
        return "".join(sentences)
    subjects, opinions, reasons = PHRASES.get(language, PHRASES["en"])
    separator = "" if language == "zh-Hans" else " "
    stop = "。" if language == "zh-Hans" else "."
    sentences = []
    for _ in range(rng.randint(1, 3)):
        if rng.random() < 0.4:
            sentences.append(f"{rng.choice(subjects)}{separator}{rng.choice(opinions)}{stop}")
        sentences.append(f"{_window(rng, language)}{stop}")
    if rng.random() < 0.5:
        reason = rng.choice(reasons)
        sentences.append(reason.format(n=rng.randint(2, 30), y=rng.randint(1990, 2025)))
    return separator.join(sentences)


def campaign_copy(rng: random.Random, letter: str) -> str:
    """The campaign's letter with the small edits real campaigns show."""
    text = letter
    for old, new in rng.sample(SWAPS, k=rng.randint(0, 3)):
        text = text.replace(old, new, 1)
    sentences = [s + "。" for s in text.split("。") if s]
    # One structural edit at most: a sentence dropped or one of the sender's own added.
    edit = rng.random()
    if len(sentences) > 3 and edit < 0.15:
        sentences.pop(rng.randrange(1, len(sentences)))
    elif edit > 0.8:
        sentences.insert(rng.randrange(len(sentences)), rng.choice(JA_REASONS))
    opening = rng.choice(CAMPAIGN_OPENINGS) if rng.random() < 0.5 else ""
    text = opening + "".join(sentences) + rng.choice(CAMPAIGN_CLOSINGS)
    if rng.random() < 0.3:
        text = text.replace("。", "、", 1)
    if rng.random() < 0.2:
        text = text.replace("ます。", "ます！", 1)
    return text


def evaluation_set(
    seed: int = 7, copies: int = 200, distinct: int = 1000
) -> list[tuple[str, bool]]:
    """(text, is campaign copy) pairs: `copies` edited copies of one letter mixed into
    `distinct` different comments, shuffled.

    The phrase pools above are small, so two generated comments can come out nearly the same
    by chance; such a draw is discarded (similarity 0.3 or more to one already kept), so the
    "distinct" comments really are distinct and the ground truth is honest.
    """
    rng = random.Random(seed)
    letter = CAMPAIGN_LETTERS[0]
    items = [(campaign_copy(rng, letter), True) for _ in range(copies)]
    kept = Leaders(threshold=0.3)
    kept.add("letter", shingles(letter))
    while len(items) < copies + distinct:
        text = distinct_comment(rng, _weighted_language(rng))
        grams = shingles(text)
        if kept.best(grams) is None:
            kept.add(len(items), grams)
            items.append((text, False))
    rng.shuffle(items)
    return items


def bench_comments(seed: int, count: int, campaign_share: float = 0.1):
    """`count` (language, text) pairs: mostly distinct comments, `campaign_share` of them
    campaign copies, languages in the city's proportions."""
    rng = random.Random(seed)
    for _ in range(count):
        if rng.random() < campaign_share:
            yield "ja", campaign_copy(rng, rng.choice(CAMPAIGN_LETTERS))
        else:
            language = _weighted_language(rng)
            yield language, distinct_comment(rng, language)
