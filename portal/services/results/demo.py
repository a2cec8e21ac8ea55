"""Demo results for `portal demo`: on measure 1-(3), after its period, letters from several
residents (Japanese, Vietnamese, a campaign whose one copy adds a point) split into opinion
items, items of one gist from different people joined into answered rows, and the results
published. Run once: a measure that already has comments is left alone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Comment, Measure
from portal.models.items import ResultRow
from portal.models.moderation import CampaignGroup, CommentTranslation, Redaction
from portal.models.staff import StaffUser
from portal.services.moderation.decisions import decide
from portal.services.resident.submission import CommentInput, ContactInput, submit_comment
from portal.services.results import items, publication, rows

MEASURE = "1-(3)"
WHOLE = "measure:1-(3)"
PARTICIPATION = "paragraph:1-(3):2"
HIDDEN = "山田"

# (email, language, sentences: (text, row key or None for a greeting), translation)
LETTERS = [
    (
        "demo-a@example.jp",
        "ja",
        [
            (f"今泉町の{HIDDEN}です。", None),
            ("行政評価の結果を、市のホームページで分かりやすく公開してください。", "publish"),
            ("評価シートは専門用語が多く、市民には読みにくいです。", "plain"),
            ("評価には市民も参加できるようにしてほしいです。", "participation"),
            ("また、評価の結果を次の年度の予算に必ず反映してください。", "budget"),
        ],
        None,
    ),
    (
        "demo-b@example.jp",
        "vi",
        [
            ("Xin hãy công bố kết quả đánh giá bằng nhiều ngôn ngữ.", "publish"),
            ("Người dân nên được tham gia vào việc đánh giá.", "participation"),
            ("Tôi cũng muốn có buổi giải thích ở khu phố.", "meeting"),
        ],
        "評価の結果を多くの言語で公開してください。住民も評価に参加できるようにすべきです。"
        "地区での説明会もしてほしいです。",
    ),
    (
        None,
        "ja",
        [
            ("評価の指標に数値目標を入れてください。", "targets"),
            ("評価結果をホームページに載せてほしい。", "publish"),
        ],
        None,
    ),
    ("demo-d@example.jp", "ja", [("行政評価の取り組みに賛成です。", "support")], None),
]
CAMPAIGN = "外部の専門家による評価を取り入れてください。"
CAMPAIGN_EXTRA = "あわせて、評価結果の説明会を開いてください。"
CAMPAIGN_SENDERS = ["demo-c1@example.jp", "demo-c2@example.jp", "demo-c3@example.jp"]

ROWS = {
    "publish": (
        WHOLE,
        "評価の結果を分かりやすく、多くの言語で公開してほしい",
        "already_included",
        "行政評価の結果は毎年ホームページで公表しています。今後は概要版を作り、やさしい日本語と"
        "外国語でも公開します。",
    ),
    "plain": (
        WHOLE,
        "評価シートが読みにくい",
        "reflected",
        "評価シートに用語の説明を加え、読みやすい様式に改めます。",
    ),
    "participation": (
        PARTICIPATION,
        "評価に市民が参加できるようにしてほしい",
        "reflected",
        "外部評価の委員に公募の市民を加えることを、本文に書き加えます。",
    ),
    "budget": (
        WHOLE,
        "評価の結果を予算に反映してほしい",
        "already_included",
        "評価の結果は、予算編成の資料として既に用いています。",
    ),
    "meeting": (
        WHOLE,
        "評価結果の説明会を開いてほしい",
        "for_reference",
        "地区での説明会は、今後の参考とします。",
    ),
    "targets": (
        WHOLE,
        "評価の指標に数値目標を入れてほしい",
        "already_included",
        "各施策の指標には、既に数値目標を定めています。",
    ),
    "external": (
        WHOLE,
        "外部の専門家による評価を取り入れてほしい",
        "for_reference",
        "外部評価の在り方は、今後の参考とします。",
    ),
    "support": (WHOLE, "取り組みに賛成する", "for_reference", "ご意見ありがとうございます。"),
}


@dataclass(frozen=True)
class DemoResults:
    """What the demo published: N人からM件 and the number of rows."""

    measure: str
    people: int
    items: int
    rows: int


def _sentences(sentences) -> tuple[str, list[tuple[list[int], str | None]]]:
    body, marks = "", []
    for text, key in sentences:
        marks.append(([len(body), len(body) + len(text)], key))
        body += text
    return body, marks


def seed_demo_results(actor: StaffUser, now: datetime) -> DemoResults | None:
    """Publish the demo results of 1-(3) (None when it already has comments)."""
    measure = db.session.scalar(select(Measure).where(Measure.code == MEASURE))
    if measure is None or db.session.scalar(
        select(func.count()).where(Comment.measure_id == measure.id)
    ):
        return None
    measure.opens_at, measure.closes_at = now - timedelta(days=45), now - timedelta(days=2)
    sent = now - timedelta(days=10)
    staff = {"actor": actor, "ip": None, "now": now}
    keyed: dict[str, list[int]] = {}

    def send(body: str, language: str, email: str | None) -> Comment:
        comment, _key = submit_comment(
            measure,
            CommentInput(
                body=body,
                declared_language=language,
                respondent_type="lives",
                contact=ContactInput(email=email or ""),
            ),
            sent,
        )
        db.session.flush()
        decide(comment, "approve", **staff)
        return comment

    for email, language, sentences, translation in LETTERS:
        body, marks = _sentences(sentences)
        comment = send(body, language, email)
        if translation:
            db.session.add(
                CommentTranslation(comment_id=comment.id, text=translation, reviewed_at=now)
            )
        if HIDDEN in body:
            start = body.index(HIDDEN)
            db.session.add(
                Redaction(comment_id=comment.id, start=start, end=start + len(HIDDEN), kind="name")
            )
        points = [(span, key) for span, key in marks if key]
        made = items.split(
            comment,
            [items.ItemInput([span], ROWS[key][0]) for span, key in points],
            **staff,
        )
        for item, (_span, key) in zip(made, points, strict=True):
            keyed.setdefault(key, []).append(item.id)
    copies = [send(CAMPAIGN, "ja", email) for email in CAMPAIGN_SENDERS[:2]]
    extra = send(CAMPAIGN + CAMPAIGN_EXTRA, "ja", CAMPAIGN_SENDERS[2])
    group = CampaignGroup(
        measure_id=measure.id, representative_comment_id=copies[0].id, confirmed=True
    )
    db.session.add(group)
    db.session.flush()
    for member in [*copies, extra]:
        member.group_id = group.id
    db.session.flush()
    # the copy that adds a point has items of its own; the two plain copies share one item
    shared = items.materialise(
        next(u for u in rows.units_of(measure) if u.comment.id == copies[0].id), **_made(staff)
    )
    keyed.setdefault("external", []).append(shared.id)
    own = items.split(
        extra,
        [
            items.ItemInput([[0, len(CAMPAIGN)]], WHOLE),
            items.ItemInput([[len(CAMPAIGN), len(CAMPAIGN) + len(CAMPAIGN_EXTRA)]], WHOLE),
        ],
        **staff,
    )
    keyed["external"].append(own[0].id)
    keyed["meeting"].append(own[1].id)
    for key, (part, summary, category, text_ja) in ROWS.items():
        row = rows.create_row(measure, keyed[key], part=part, **staff)
        rows.answer(row, summary=summary, category=category, text_ja=text_ja, **staff)
    publication.publish(measure, **staff)
    figures = publication.snapshots.published(measure, now).results("").figures
    return DemoResults(
        MEASURE,
        figures.people,
        figures.items,
        db.session.scalar(select(func.count()).where(ResultRow.measure_id == measure.id)),
    )


def _made(staff: dict) -> dict:
    return {"actor": staff["actor"], "now": staff["now"]}
