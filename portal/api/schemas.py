"""What the read API returns, as marshmallow schemas (the OpenAPI document is generated from
them). The results' row and annex schemas are built from the disclosure allow-lists, so the
API can never carry a key the open data does not."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from portal.i18n import LOCALES
from portal.models.measures import PeriodState
from portal.services.disclosure import PUBLIC_ANNEX_FIELDS, PUBLIC_RESULT_ROW_FIELDS

LOCALE_TAGS = [locale.tag for locale in LOCALES]
CURSOR_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
# A measure's "area-number" (1-5 for 1-(5)) or a general chapter's word (intro, policy, method).
SLUG_PATTERN = r"^([0-9]{1,3}-[0-9]{1,3}|intro|policy|method)$"
CATEGORIES = ["reflected", "already_included", "for_reference", "not_reflected", "out_of_scope"]


def _text(description: str, nullable: bool = False) -> fields.Field:
    return fields.String(allow_none=nullable, required=True, metadata={"description": description})


# One entry per key an allow-list may hold: a key added to an allow-list without a type here
# fails at import (and tests/test_api.py), so the schema follows the serialiser.
OPEN_DATA_FIELDS: dict[str, callable] = {
    "number": lambda: fields.Integer(
        required=True, metadata={"description": "番号: the row number"}
    ),
    "row_number": lambda: fields.Integer(
        required=True, metadata={"description": "The results row this comment is counted in"}
    ),
    "measure_code": lambda: _text("該当箇所: the measure's code, e.g. 1-(1)"),
    "reposted_from": lambda: _text("再掲: the measure the comment was sent on", nullable=True),
    "summary": lambda: _text("意見の要旨: the city's summary, else the redacted text"),
    "summary_language": lambda: _text("BCP 47 tag of the summary"),
    "count": lambda: fields.Integer(
        required=True, metadata={"description": "同趣旨: opinion items this row stands for"}
    ),
    "response_category": lambda: fields.String(
        allow_none=True,
        required=True,
        validate=validate.OneOf(CATEGORIES),
        metadata={"description": "対応区分"},
    ),
    "response_ja": lambda: _text("市の考え方 (Japanese, authoritative)", nullable=True),
    "response_translation": lambda: _text("The city's own translation", nullable=True),
    "response_translation_language": lambda: _text("Its BCP 47 tag", nullable=True),
    "language": lambda: _text("BCP 47 tag of the comment's language (und: unknown)"),
    "text": lambda: _text("The comment as published, withheld parts replaced by [非公開]"),
    "translation_ja": lambda: _text("The city's reviewed Japanese translation", nullable=True),
    "withheld": lambda: fields.Boolean(
        required=True, metadata={"description": "Part of the text is withheld"}
    ),
    "part": lambda: _text(
        "該当箇所: the part of the draft, as a key: measure:<code>, paragraph:<code>:<n>, "
        "area:<n> or chapter:<code>"
    ),
    "part_label": lambda: _text("該当箇所 as the reader's language names it (else Japanese)"),
    "row_numbers": lambda: fields.List(
        fields.Integer(),
        required=True,
        metadata={"description": "Every results row holding an opinion item of this comment"},
    ),
    "fingerprint": lambda: _text(
        "First 64 bits of SHA-256 of `text` (UTF-8), when nothing is withheld", nullable=True
    ),
}


def open_data_schema(name: str, keys: tuple[str, ...]) -> type[ma.Schema]:
    """A schema with exactly the allow-list's keys."""
    return ma.Schema.from_dict({key: OPEN_DATA_FIELDS[key]() for key in keys}, name=name)


ResultRowSchema = open_data_schema("ResultRow", PUBLIC_RESULT_ROW_FIELDS)
AnnexCommentSchema = open_data_schema("PublishedComment", PUBLIC_ANNEX_FIELDS)


class PageQuery(ma.Schema):
    """Cursor paging."""

    cursor = fields.String(
        validate=validate.Regexp(CURSOR_PATTERN),
        metadata={"description": "`next_cursor` of the previous page; omit for the first page"},
    )
    limit = fields.Integer(
        load_default=50,
        validate=validate.Range(min=1, max=200),
        metadata={"description": "Items per page"},
    )


class LangQuery(ma.Schema):
    """The language of titles and links."""

    lang = fields.String(
        load_default="ja",
        validate=validate.OneOf(LOCALE_TAGS),
        metadata={
            "description": "Language of titles, summaries and links (Japanese is authoritative)"
        },
    )


class ConsultationListQuery(PageQuery, LangQuery):
    """Paging and language."""


class ConsultationLinks(ma.Schema):
    page = fields.Url(required=True)
    results = fields.Url(required=True, allow_none=True)
    results_api = fields.Url(required=True, allow_none=True)


class ConsultationSchema(ma.Schema):
    """A consultation: a measure or a general chapter of the outline open (or to be opened)
    for comment."""

    code = _text("The measure's code, e.g. 1-(1), or the chapter's, I, II or III")
    slug = fields.String(
        required=True,
        metadata={"description": "The code in URLs, e.g. 1-1; a chapter's: intro, policy, method"},
    )
    kind = fields.String(required=True, validate=validate.OneOf(["measure", "chapter"]))
    area = fields.Integer(
        required=True,
        allow_none=True,
        metadata={"description": "Priority area number (null for a general chapter)"},
    )
    number = fields.Integer(required=True)
    language = fields.String(required=True, validate=validate.OneOf(LOCALE_TAGS))
    title = _text("Title in `language` (Japanese when not translated)")
    summary = _text("Summary in `language`")
    state = fields.String(required=True, validate=validate.OneOf([s.value for s in PeriodState]))
    opens_at = fields.DateTime(required=True, allow_none=True)
    closes_at = fields.DateTime(required=True, allow_none=True)
    short_period_reason = _text("Why the period is shorter than 30 days", nullable=True)
    results_published_at = fields.DateTime(required=True, allow_none=True)
    links = fields.Nested(ConsultationLinks, required=True)


class PageLinks(ma.Schema):
    next = fields.Url(required=True, allow_none=True)


class ConsultationPage(ma.Schema):
    items = fields.List(fields.Nested(ConsultationSchema), required=True)
    next_cursor = fields.String(required=True, allow_none=True)
    links = fields.Nested(PageLinks, required=True)


class ReasonCount(ma.Schema):
    reason = fields.String(required=True, allow_none=True)
    count = fields.Integer(required=True)


class CategoryCount(ma.Schema):
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    items = fields.Integer(required=True)


class PartCount(ma.Schema):
    part = _text("該当箇所 as a key, e.g. measure:1-(1) or paragraph:1-(1):2")
    items = fields.Integer(required=True)


class FiguresSchema(ma.Schema):
    """Counts only (提出者数, 意見件数): never whose or what."""

    people = fields.Integer(required=True)
    comments = fields.Integer(required=True)
    published = fields.Integer(required=True)
    not_published = fields.Integer(required=True)
    not_published_by_reason = fields.List(fields.Nested(ReasonCount), required=True)
    partly_withheld = fields.Integer(required=True)
    items = fields.Integer(
        required=True, metadata={"description": "意見件数: opinion items (M of N人からM件)"}
    )
    by_category = fields.List(fields.Nested(CategoryCount), required=True)
    by_part = fields.List(fields.Nested(PartCount), required=True)


class CorrectionSchema(ma.Schema):
    date = fields.DateTime(required=True)
    note = _text("The correction, in Japanese")


class ResultsLinks(ma.Schema):
    page = fields.Url(required=True)
    rows = fields.Url(required=True)
    comments = fields.Url(required=True)
    csv = fields.Url(required=True)
    json = fields.Url(required=True)


class LicenceSchema(ma.Schema):
    name = fields.String(required=True)
    url = fields.Url(required=True)
    attribution = fields.String(required=True)


class ResultsSchema(ma.Schema):
    """A consultation's published results: figures, corrections, where the rows are."""

    code = _text("The measure's code")
    results_published_at = fields.DateTime(required=True)
    figures = fields.Nested(FiguresSchema, required=True)
    corrections = fields.List(fields.Nested(CorrectionSchema), required=True)
    licence = fields.Nested(LicenceSchema, required=True)
    links = fields.Nested(ResultsLinks, required=True)


class RowPage(ma.Schema):
    items = fields.List(fields.Nested(ResultRowSchema), required=True)
    next_cursor = fields.String(required=True, allow_none=True)
    links = fields.Nested(PageLinks, required=True)


class CommentPage(ma.Schema):
    items = fields.List(fields.Nested(AnnexCommentSchema), required=True)
    next_cursor = fields.String(required=True, allow_none=True)
    links = fields.Nested(PageLinks, required=True)
