"""What moderators add to a comment: redactions, translations, campaign groups, the city's
response, links to other measures, and scans of comments that came on paper."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from portal.database import UTCDateTime, utcnow
from portal.extensions import db


class Channel(enum.StrEnum):
    """How a comment reached the city (Japanese public comment accepts all of these)."""

    WEB = "web"
    POST = "post"
    FAX = "fax"
    EMAIL = "email"
    COUNTER = "counter"


class ResponseCategory(enum.StrEnum):
    """対応区分: how the city treats a comment in its published results."""

    REFLECTED = "reflected"  # 反映する
    ALREADY_INCLUDED = "already_included"  # 既に盛り込み済み
    FOR_REFERENCE = "for_reference"  # 今後の参考とする
    NOT_REFLECTED = "not_reflected"  # 反映しない
    OUT_OF_SCOPE = "out_of_scope"  # 対象外


class TranslationMethod(enum.StrEnum):
    """Who wrote a translation: a person, or a machine (unpublishable until a person reviews it)."""

    HUMAN = "human"
    MACHINE = "machine"


class CampaignGroup(db.Model):
    """Near-identical comments on one measure (an organised campaign), decided on together.

    Every member still counts as one comment; the representative stands for the group's count.
    The representative is a plain column, not a foreign key, to avoid a cycle with comments.
    """

    __tablename__ = "campaign_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("measures.id"), index=True)
    representative_comment_id: Mapped[int | None] = mapped_column(Integer)
    confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    label: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Redaction(db.Model):
    """A span of a comment's text (or of its translation) hidden before publication.

    Offsets count code points in the stored text, end exclusive.
    """

    __tablename__ = "redactions"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), index=True
    )
    field: Mapped[str] = mapped_column(String(20), default="body")  # body | translation
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))  # name, phone, email, address, ...
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CommentTranslation(db.Model):
    """A comment's text in another language (Japanese, for the committee), by a person or a machine."""

    __tablename__ = "comment_translations"
    __table_args__ = (UniqueConstraint("comment_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(16), default="ja")
    text: Mapped[str] = mapped_column(Text)
    method: Mapped[str] = mapped_column(String(10), default=TranslationMethod.HUMAN)
    translated_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    translated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Personal-data suggestions a moderator confirmed are not personal data (a district's
    # name read as a surname): JSON [[start, end, kind], ...] in this text; cleared when the
    # text changes.
    kept_suggestions: Mapped[str | None] = mapped_column(Text)

    @property
    def publishable(self) -> bool:
        """Shown only once a person has confirmed it: a moderator who writes a translation
        confirms it unless personal data is left in view; a machine's waits for a review."""
        return self.reviewed_at is not None


class CandidateBand(db.Model):
    """One band of a comment's MinHash signature: comments of a measure that share a band are
    candidates for the same campaign group (`duplicates.index`).

    Only cluster leaders are kept (group representatives, comments in no group), so the arrival
    job finds a new comment's near-copies in a few indexed rows instead of reading the measure.
    The primary key (measure, hash, band, comment) is the lookup index: the hash names its
    band (`similarity.band_hashes`), so a lookup is `measure_id = ? AND hash IN (...)`.
    """

    __tablename__ = "candidate_bands"

    measure_id: Mapped[int] = mapped_column(ForeignKey("measures.id"), primary_key=True)
    hash: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    band: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    comment_id: Mapped[int] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class CityResponse(db.Model):
    """市の考え方: the city's response to one approved comment or to a whole campaign group,
    with the summary of the opinion (意見の要旨) used in the published results."""

    __tablename__ = "city_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int | None] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), unique=True
    )
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaign_groups.id", ondelete="CASCADE"), unique=True
    )
    category: Mapped[str] = mapped_column(String(30))
    text_ja: Mapped[str] = mapped_column(Text)
    translation: Mapped[str | None] = mapped_column(Text)
    translation_language: Mapped[str | None] = mapped_column(String(16))
    summary: Mapped[str | None] = mapped_column(Text)
    written_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    written_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class CommentMeasureLink(db.Model):
    """A comment that also concerns another measure (再掲 there; counted once in totals)."""

    __tablename__ = "comment_measure_links"

    comment_id: Mapped[int] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), primary_key=True
    )
    measure_id: Mapped[int] = mapped_column(ForeignKey("measures.id"), primary_key=True)
    linked_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CommentAttachment(db.Model):
    """The scan of a comment received on paper; the file lives outside the web root."""

    __tablename__ = "comment_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), index=True
    )
    original_filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(50))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_name: Mapped[str] = mapped_column(String(100), unique=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ModerationTemplate(db.Model):
    """Reusable wording: a rejection note, a hold note or a city response."""

    __tablename__ = "moderation_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # rejection | hold | response
    reason: Mapped[str | None] = mapped_column(String(30))
    # a saved response's 対応区分 (ResponseCategory), chosen with its text in one action
    category: Mapped[str | None] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ResultsCorrection(db.Model):
    """A dated correction to a measure's published results: publishing is never undone silently."""

    __tablename__ = "results_corrections"

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("measures.id"), index=True)
    note: Mapped[str] = mapped_column(Text)
    corrected_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    corrected_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PublishedResults(db.Model):
    """One version of a measure's published results, stored as it was published.

    `document` is the serialised results (JSON, `disclosure.snapshot.FORMAT`): figures, rows
    and annex with every text already redacted (a hidden span is a gap that each page fills
    with its own locale's placeholder), the measure's titles and dates, and the internal ids
    that tie a text to its comment. Every public output of the results renders from it, never
    from the live moderation tables. Version 1 is the publication; each later version comes
    with the dated correction that made it (`correction_id`). A stored document changes in one
    way only: a span hidden after publication is hidden in every version.
    """

    __tablename__ = "published_results"
    __table_args__ = (UniqueConstraint("measure_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("measures.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    format: Mapped[int] = mapped_column(Integer)
    document: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    correction_id: Mapped[int | None] = mapped_column(ForeignKey("results_corrections.id"))
