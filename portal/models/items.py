"""Opinion items (意見) and the rows of the published results (同趣旨): how Japanese practice
counts and answers public comments.

A moderator splits an approved comment into items, each one or more spans of its text with the
part of the outline it concerns (該当箇所) and its gist (意見の要旨). Staff put items of the same
gist, from any comments, into one `ResultRow` with one 対応区分 and one 市の考え方. A comment with
no item here is one item covering its whole text; an item in no row stands in a row of its own,
answered by the comment's `CityResponse` (`services.results.items` says how).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.database import UTCDateTime, utcnow
from portal.extensions import db
from portal.models.moderation import ResponseCategory, TranslationMethod

MAX_SUMMARY_LENGTH = 4000
MAX_RESPONSE_LENGTH = 8000


class ItemRuleError(ValueError):
    """An item or a row would break a rule; `code` says which."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def clean_spans(spans: list[list[int]] | list[tuple[int, int]], length: int) -> list[list[int]]:
    """`spans` as stored: [start, end] character offsets inside a text of `length`, in order,
    overlapping or touching spans joined; refused when none is left or one lies outside."""
    found = []
    for span in spans:
        start, end = int(span[0]), int(span[1])
        if start < 0 or end > length or end <= start:
            raise ItemRuleError("span_outside_text")
        found.append([start, end])
    found.sort()
    joined: list[list[int]] = []
    for start, end in found:
        if joined and start <= joined[-1][1]:
            joined[-1][1] = max(joined[-1][1], end)
        else:
            joined.append([start, end])
    if not joined:
        raise ItemRuleError("no_span")
    return joined


class OpinionItem(db.Model):
    """One point of a comment: where it stands in the text, what part it concerns, its gist."""

    __tablename__ = "opinion_items"
    __table_args__ = (UniqueConstraint("comment_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)  # 1-based, in the order of the text
    spans: Mapped[list] = mapped_column(JSON)  # [[start, end], ...] in the comment's body
    part: Mapped[str] = mapped_column(String(60))  # 該当箇所 (`services.content.parts`)
    summary: Mapped[str | None] = mapped_column(Text)  # 意見の要旨 of this item
    row_id: Mapped[int | None] = mapped_column(
        ForeignKey("result_rows.id", ondelete="SET NULL"), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def set_spans(self, spans: list, body: str) -> None:
        """Point the item at `spans` of the comment's `body` (checked, joined, in order)."""
        self.spans = clean_spans(spans, len(body))

    def text_of(self, body: str) -> str:
        """The item's text in the comment's body, its spans joined by " … "."""
        return " … ".join(body[start:end].strip() for start, end in self.spans)


class ResultRow(db.Model):
    """One row of the results table (同趣旨): items of one gist with one answer of the city.

    The row belongs to one measure's results and concerns one part of it; its count is the
    items in it. `ItemRepost` puts an item into a row of another part as well (再掲)."""

    __tablename__ = "result_rows"

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("measures.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # order within its part
    part: Mapped[str] = mapped_column(String(60))  # 該当箇所
    summary: Mapped[str | None] = mapped_column(Text)  # 意見の要旨
    category: Mapped[str | None] = mapped_column(String(30))  # 対応区分 (ResponseCategory)
    text_ja: Mapped[str | None] = mapped_column(Text)  # 市の考え方 (authoritative)
    written_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    written_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def answered(self) -> bool:
        """True when the row has its 対応区分 and 市の考え方 (it may be published)."""
        return bool(self.category) and bool((self.text_ja or "").strip())

    def answer(self, summary: str, category: str, text_ja: str) -> None:
        """Set the row's 要旨, 対応区分 and 市の考え方 (checked)."""
        summary = summary.replace("\r\n", "\n").strip()
        text_ja = text_ja.replace("\r\n", "\n").strip()
        if category and category not in {c.value for c in ResponseCategory}:
            raise ItemRuleError("unknown_category")
        if len(summary) > MAX_SUMMARY_LENGTH or len(text_ja) > MAX_RESPONSE_LENGTH:
            raise ItemRuleError("too_long")
        self.summary = summary or None
        self.category = category or None
        self.text_ja = text_ja or None


class ItemRepost(db.Model):
    """再掲: an item that concerns two parts shows, besides its own row, in a row of another
    part (or measure). It counts once, in its own row (`OpinionItem.row_id`)."""

    __tablename__ = "item_reposts"

    item_id: Mapped[int] = mapped_column(
        ForeignKey("opinion_items.id", ondelete="CASCADE"), primary_key=True
    )
    row_id: Mapped[int] = mapped_column(
        ForeignKey("result_rows.id", ondelete="CASCADE"), primary_key=True
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ResultRowTranslation(db.Model):
    """A row's 要旨 and 市の考え方 in one locale. Japanese is authoritative; a machine draft is
    shown only marked as such, and only once a person reviewed it as a translation."""

    __tablename__ = "result_row_translations"
    __table_args__ = (UniqueConstraint("row_id", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    row_id: Mapped[int] = mapped_column(ForeignKey("result_rows.id", ondelete="CASCADE"))
    locale: Mapped[str] = mapped_column(String(16))
    summary: Mapped[str | None] = mapped_column(Text)
    response: Mapped[str | None] = mapped_column(Text)
    method: Mapped[str] = mapped_column(String(10), default=TranslationMethod.HUMAN)
    translated_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    translated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
