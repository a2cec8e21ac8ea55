"""Load the outline's areas, measures and glossary into the database, in every locale we have.

The Japanese text is parsed from the outline itself (the authoritative version); each other
locale comes from ``portal/content/<tag>.json``. Loading is idempotent: rows are matched on their
natural keys (area number, measure code, glossary key, locale) and only changed text is written.

A text an admin edited on the admin screen is never overwritten: the audit log says which ones
(`measure_text_edited`), and the seed keeps them and reports them, with who edited them and
when. Every text it does overwrite gets an audit record with the values before and after, so a
seed run can be traced and undone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from portal.database import utcnow
from portal.extensions import db
from portal.models import (
    AreaText,
    AuditRecord,
    GlossaryTerm,
    GlossaryText,
    Measure,
    MeasureText,
    PriorityArea,
)
from portal.models.measures import KIND_CHAPTER, SOURCE_LOCALE
from portal.services import audit
from portal.services.content.outline import (
    Area,
    Chapter,
    first_sentence,
    load_chapters,
    load_outline,
)

CONTENT_DIR = Path(__file__).resolve().parents[2] / "content"
# Audit actions that mean "an admin wrote this text": the seed never overwrites such a text.
# (Only measure texts can be edited on the admin screen; add an action here with a new editor.)
ADMIN_EDIT_ACTIONS = ("measure_text_edited",)


class ContentError(ValueError):
    """A content file does not match the outline."""


@dataclass(frozen=True)
class KeptText:
    """A text the seed left as it is because an admin edited it (the audit record says so)."""

    object_type: str
    object_id: str
    locale: str
    edited_by: str | None
    edited_at: datetime
    record_id: int


@dataclass
class SeedReport:
    """What a seed run changed, and what it kept."""

    created: int = 0
    updated: int = 0
    # "measure 1-(1) tl: title, summary" for each text overwritten.
    updated_texts: list[str] = field(default_factory=list)
    kept: list[KeptText] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """True when the run wrote anything."""
        return bool(self.created or self.updated)


def outline_as_content(areas: list[Area], chapters: list[Chapter] = ()) -> dict:
    """The parsed Japanese outline in the same shape as a locale content file."""
    doc: dict = {
        "locale": SOURCE_LOCALE,
        "chapters": {},
        "areas": {},
        "measures": {},
        "glossary": {},
    }
    for chapter in chapters:
        doc["chapters"][chapter.code] = {
            "title": chapter.title,
            # A sub-heading 〈…〉 opens chapter III's first paragraph; the summary starts after it.
            "summary": first_sentence(chapter.paragraphs[0].split("〉", 1)[-1]),
            "body": chapter.paragraphs,
        }
    for area in areas:
        doc["areas"][str(area.number)] = {"title": area.title, "intro": area.paragraphs}
        for section in (area, *area.measures):
            for note in section.notes:
                doc["glossary"][note.key] = {"term": note.term, "definition": note.definition}
        for measure in area.measures:
            doc["measures"][measure.code] = {
                "title": measure.title,
                "summary": first_sentence(measure.paragraphs[0]),
                "body": measure.paragraphs,
            }
    return doc


def load_content_files(source: dict, content_dir: Path = CONTENT_DIR) -> dict[str, dict]:
    """Every locale's content, Japanese first; each file must cover exactly the outline's keys."""
    documents = {SOURCE_LOCALE: source}
    for path in sorted(content_dir.glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        tag = path.stem
        if doc.get("locale") != tag:
            raise ContentError(f"{path.name}: 'locale' must be {tag!r}")
        for section in ("chapters", "areas", "measures", "glossary"):
            missing = set(source[section]) - set(doc.get(section, {}))
            extra = set(doc.get(section, {})) - set(source[section])
            if missing or extra:
                raise ContentError(
                    f"{path.name}: {section} missing {sorted(missing)}, unknown {sorted(extra)}"
                )
        documents[tag] = doc
    return documents


def admin_edits() -> dict[tuple[str, str, str], AuditRecord]:
    """The newest admin edit of each text, by (object type, object id, locale)."""
    edits = {}
    records = db.session.scalars(
        select(AuditRecord)
        .where(AuditRecord.action.in_(ADMIN_EDIT_ACTIONS))
        .order_by(AuditRecord.id)
    )
    for record in records:
        try:
            locale = json.loads(record.details or "{}").get("locale")
        except (ValueError, AttributeError):
            continue  # not written by the admin screen (`audit verify` names such a record)
        if locale:
            edits[(record.object_type, record.object_id, locale)] = record
    return edits


@dataclass
class _Run:
    """One seed run: its report, the admin edits it must respect, and how it signs records."""

    report: SeedReport
    edits: dict[tuple[str, str, str], AuditRecord]
    via: str
    now: datetime

    def upsert(self, texts: list, model: type, subject: tuple[str, str], locale: str, values: dict):
        """Add the text in `locale` to `texts`, or update it when it differs and no admin
        edited it; returns "created", "updated", "kept" or None (already the same)."""
        row = next((text for text in texts if text.locale == locale), None)
        if row is None:
            texts.append(model(locale=locale, **values))
            self.report.created += 1
            return "created"
        changed = audit.changes({name: getattr(row, name) for name in values}, values)
        if not changed:
            return None
        edit = self.edits.get((*subject, locale))
        if edit is not None:
            self.report.kept.append(
                KeptText(*subject, locale, edit.actor_email, edit.occurred_at, edit.id)
            )
            return "kept"
        for name, value in values.items():
            setattr(row, name, value)
        self.report.updated += 1
        self.report.updated_texts.append(f"{' '.join(subject)} {locale}: {', '.join(changed)}")
        audit.record(
            "outline_text_seeded",
            object_type=subject[0],
            object_id=subject[1],
            details={"locale": locale, "changes": changed, "via": self.via},
            now=self.now,
        )
        return "updated"

    def upsert_measure_texts(self, row: Measure, documents: dict[str, dict], section: str):
        """Every locale's title, summary and body of a measure or chapter from `section` of
        the content files; a translation an admin kept is flagged when the Japanese changed."""
        outcomes = {}
        for locale, doc in documents.items():
            entry = doc[section][row.code]
            outcomes[locale] = self.upsert(
                row.texts,
                MeasureText,
                ("measure", row.code),
                locale,
                {
                    "title": entry["title"],
                    "summary": entry["summary"],
                    "body": "\n\n".join(entry["body"]),
                },
            )
        if outcomes[SOURCE_LOCALE] == "updated":
            # A translation an admin wrote no longer follows the new Japanese text.
            for text in row.texts:
                if outcomes.get(text.locale) == "kept":
                    text.needs_review = True


def seed_outline(
    content_dir: Path = CONTENT_DIR, *, via: str = "portal seed", now: datetime | None = None
) -> SeedReport:
    """Create or update areas, measures and glossary from the outline and the locale files,
    keeping every text an admin edited; each overwrite is audited as done by `via`."""
    areas = load_outline()
    chapters = load_chapters()
    documents = load_content_files(outline_as_content(areas, chapters), content_dir)
    run = _Run(SeedReport(), admin_edits(), via, now or utcnow())
    area_rows = {row.number: row for row in db.session.scalars(select(PriorityArea))}
    measure_rows = {row.code: row for row in db.session.scalars(select(Measure))}
    term_rows = {row.key: row for row in db.session.scalars(select(GlossaryTerm))}

    for chapter in chapters:
        chapter_row = measure_rows.get(chapter.code)
        if chapter_row is None:
            chapter_row = Measure(code=chapter.code, kind=KIND_CHAPTER, number=chapter.number)
            db.session.add(chapter_row)
            run.report.created += 1
        run.upsert_measure_texts(chapter_row, documents, "chapters")

    for area in areas:
        area_row = area_rows.get(area.number)
        if area_row is None:
            area_row = PriorityArea(number=area.number)
            db.session.add(area_row)
            run.report.created += 1
        for locale, doc in documents.items():
            entry = doc["areas"][str(area.number)]
            run.upsert(
                area_row.texts,
                AreaText,
                ("area", str(area.number)),
                locale,
                {"title": entry["title"], "intro": "\n\n".join(entry["intro"])},
            )
        for measure in area.measures:
            measure_row = measure_rows.get(measure.code)
            if measure_row is None:
                measure_row = Measure(code=measure.code, area=area_row, number=measure.number)
                db.session.add(measure_row)
                run.report.created += 1
            run.upsert_measure_texts(measure_row, documents, "measures")

    for key in documents[SOURCE_LOCALE]["glossary"]:
        term_row = term_rows.get(key)
        if term_row is None:
            term_row = GlossaryTerm(key=key)
            db.session.add(term_row)
            run.report.created += 1
        for locale, doc in documents.items():
            entry = doc["glossary"][key]
            run.upsert(
                term_row.texts,
                GlossaryText,
                ("glossary", key),
                locale,
                {"term": entry["term"], "definition": entry["definition"]},
            )
    db.session.flush()
    return run.report
