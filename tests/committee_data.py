"""A consultation with everything the committee's files must handle, planted secrets included."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from portal.database import utcnow
from portal.extensions import db
from portal.models import (
    CampaignGroup,
    CityResponse,
    Comment,
    CommentMeasureLink,
    CommentTranslation,
    ContactDetails,
    Measure,
    Redaction,
    StaffUser,
)
from portal.models.comments import hash_access_key
from portal.services.moderation.decisions import decide

PHONE = "090-1234-5678"
# Strings that must never appear in any file or committee page.
SECRETS = {
    "redacted phone": PHONE,
    "contact name": "山田秘密太郎",
    "contact email": "secret.person@example.jp",
    "contact phone": "0270-99-8877",
    "contact address": "伊勢崎市秘密町1-2-3",
    "staff note": "STAFF-NOTE-SECRET",
    "rejected text": "REJECTED-SECRET-TEXT",
    "pending text": "PENDING-SECRET-TEXT",
    "held text": "HELD-SECRET-TEXT",
    "withdrawn text": "WITHDRAWN-SECRET-TEXT",
    "machine translation": "MACHINE-UNREVIEWED-TRANSLATION",
    "hidden translation span": "翻訳の秘密部分",
}
ACCESS_KEY = "ABCD-EFGH-JKMN"
HOSTILE = [
    '=HYPERLINK("http://evil.example/","click")',
    "+1+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\tTAB-START",
    "\rCR-START",
    "-2+3",
]
VIETNAMESE = "Tôi đề nghị kéo dài giờ mở cửa của thư viện."
NEPALI = "नगरपालिकाको सेवा सुधार गर्नुहोस्।"
CHINESE = "希望延长图书馆的开放时间。"


def _measure(code: str) -> Measure:
    return db.session.scalar(sa.select(Measure).where(Measure.code == code))


def _comment(measure: Measure, body: str, language="ja", received_days_ago=3, **extra) -> Comment:
    comment = Comment(
        access_key_hash=hash_access_key(ACCESS_KEY),
        measure_id=measure.id,
        body=body,
        declared_language=language,
        respondent_type=extra.pop("respondent_type", "lives"),
        received_at=utcnow() - timedelta(days=received_days_ago),
        **extra,
    )
    db.session.add(comment)
    db.session.flush()
    comment.assign_receipt_number()
    return comment


def plant(app, moderator_id: int) -> dict:
    """Create the consultation; returns receipt numbers by role in the story."""
    with app.app_context():
        moderator = db.session.get(StaffUser, moderator_id)
        now = utcnow()
        m11, m12, m21 = _measure("1-(1)"), _measure("1-(2)"), _measure("2-(1)")
        made: dict[str, Comment] = {}

        def approve(comment):
            decide(comment, "approve", actor=moderator, ip=None, now=now)

        made["redacted"] = c = _comment(
            m11,
            f"公共施設の統廃合に反対です。連絡は{PHONE}まで。図書館の開館時間を延ばしてください。",
            age_band="40s",
            district="sakai",
            position="disagree",
        )
        start = c.body.index(PHONE)
        db.session.add(
            Redaction(
                comment_id=c.id, field="body", start=start, end=start + len(PHONE), kind="phone"
            )
        )
        db.session.add(
            ContactDetails(
                comment_id=c.id,
                name=SECRETS["contact name"],
                email=SECRETS["contact email"],
                phone=SECRETS["contact phone"],
                address=SECRETS["contact address"],
            )
        )
        approve(c)
        c.staff_note = SECRETS["staff note"]
        db.session.add(
            CityResponse(
                comment_id=c.id,
                category="for_reference",
                text_ja="公共施設の再編は丁寧に説明します。",
            )
        )

        made["vietnamese"] = c = _comment(m11, VIETNAMESE, language="vi", channel="email")
        translation = "図書館の開館時間の延長を提案します。翻訳の秘密部分を含む。"
        db.session.add(
            CommentTranslation(
                comment_id=c.id, language="ja", text=translation, method="human", reviewed_at=now
            )
        )
        hidden = translation.index(SECRETS["hidden translation span"])
        db.session.add(
            Redaction(
                comment_id=c.id,
                field="translation",
                start=hidden,
                end=hidden + len(SECRETS["hidden translation span"]),
                kind="other",
            )
        )
        approve(c)

        made["nepali"] = c = _comment(m11, NEPALI, language="ne")
        db.session.add(
            CommentTranslation(
                comment_id=c.id,
                language="ja",
                text=SECRETS["machine translation"],
                method="machine",
            )
        )
        approve(c)
        made["chinese"] = c = _comment(m11, CHINESE, language="zh-Hans", channel="post")
        approve(c)

        made["rejected"] = c = _comment(m11, SECRETS["rejected text"])
        decide(c, "reject", actor=moderator, ip=None, now=now, reason="commercial")
        made["pending"] = _comment(m11, SECRETS["pending text"])
        made["held"] = c = _comment(m11, SECRETS["held text"])
        decide(c, "hold", actor=moderator, ip=None, now=now)
        made["withdrawn"] = c = _comment(m11, SECRETS["withdrawn text"])
        c.withdraw(now)

        for index, cell in enumerate(HOSTILE):
            made[f"hostile{index}"] = c = _comment(m11, cell, received_days_ago=1)
            approve(c)

        group = CampaignGroup(measure_id=m11.id, confirmed=True, label="図書館キャンペーン")
        db.session.add(group)
        db.session.flush()
        for index in range(3):
            made[f"group{index}"] = c = _comment(
                m11, f"図書館の開館時間を延ばしてください。({index})", group_id=group.id
            )
            approve(c)
        db.session.add(
            CityResponse(
                group_id=group.id, category="reflected", text_ja="開館時間の延長を検討します。"
            )
        )

        # A comment on 1-(2) that also concerns 1-(1) (再掲) and one on another area.
        made["relisted"] = c = _comment(
            m12, "窓口のデジタル化と公共施設の予約を一緒に進めてほしい。"
        )
        approve(c)
        db.session.add(CommentMeasureLink(comment_id=c.id, measure_id=m11.id))
        made["other_area"] = c = _comment(m21, "財政の見える化をお願いします。")
        approve(c)
        db.session.commit()
        return {key: comment.receipt_number for key, comment in made.items()}
