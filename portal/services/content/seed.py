"""Load the outline's areas, measures and glossary into the database, in every locale we have.

The Japanese text is parsed from the outline itself (the authoritative version); each other
locale comes from ``portal/content/<tag>.json``. Loading is idempotent: rows are matched on their
natural keys (area number, measure code, glossary key, locale) and only changed text is written.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from portal.extensions import db
from portal.models import (
    AreaText,
    GlossaryTerm,
    GlossaryText,
    Measure,
    MeasureText,
    PriorityArea,
)
from portal.models.measures import SOURCE_LOCALE
from portal.services.content.outline import Area, first_sentence, load_outline

CONTENT_DIR = Path(__file__).resolve().parents[2] / "content"


class ContentError(ValueError):
    """A content file does not match the outline."""


@dataclass
class SeedReport:
    """What a seed run changed."""

    created: int = 0
    updated: int = 0

    @property
    def changed(self) -> bool:
        """True when the run wrote anything."""
        return bool(self.created or self.updated)


def outline_as_content(areas: list[Area]) -> dict:
    """The parsed Japanese outline in the same shape as a locale content file."""
    doc: dict = {"locale": SOURCE_LOCALE, "areas": {}, "measures": {}, "glossary": {}}
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
        for section in ("areas", "measures", "glossary"):
            missing = set(source[section]) - set(doc.get(section, {}))
            extra = set(doc.get(section, {})) - set(source[section])
            if missing or extra:
                raise ContentError(
                    f"{path.name}: {section} missing {sorted(missing)}, unknown {sorted(extra)}"
                )
        documents[tag] = doc
    return documents


def _upsert_text(report: SeedReport, texts: list, model: type, locale: str, values: dict) -> None:
    """Add the text in `locale` to `texts`, or update it when it differs."""
    row = next((text for text in texts if text.locale == locale), None)
    if row is None:
        texts.append(model(locale=locale, **values))
        report.created += 1
        return
    if any(getattr(row, name) != value for name, value in values.items()):
        for name, value in values.items():
            setattr(row, name, value)
        report.updated += 1


def seed_outline(content_dir: Path = CONTENT_DIR) -> SeedReport:
    """Create or update areas, measures and glossary from the outline and the locale files."""
    areas = load_outline()
    documents = load_content_files(outline_as_content(areas), content_dir)
    report = SeedReport()
    area_rows = {row.number: row for row in db.session.scalars(select(PriorityArea))}
    measure_rows = {row.code: row for row in db.session.scalars(select(Measure))}
    term_rows = {row.key: row for row in db.session.scalars(select(GlossaryTerm))}

    for area in areas:
        area_row = area_rows.get(area.number)
        if area_row is None:
            area_row = PriorityArea(number=area.number)
            db.session.add(area_row)
            report.created += 1
        for locale, doc in documents.items():
            entry = doc["areas"][str(area.number)]
            _upsert_text(
                report,
                area_row.texts,
                AreaText,
                locale,
                {"title": entry["title"], "intro": "\n\n".join(entry["intro"])},
            )
        for measure in area.measures:
            measure_row = measure_rows.get(measure.code)
            if measure_row is None:
                measure_row = Measure(code=measure.code, area=area_row, number=measure.number)
                db.session.add(measure_row)
                report.created += 1
            for locale, doc in documents.items():
                entry = doc["measures"][measure.code]
                _upsert_text(
                    report,
                    measure_row.texts,
                    MeasureText,
                    locale,
                    {
                        "title": entry["title"],
                        "summary": entry["summary"],
                        "body": "\n\n".join(entry["body"]),
                    },
                )

    for key in documents[SOURCE_LOCALE]["glossary"]:
        term_row = term_rows.get(key)
        if term_row is None:
            term_row = GlossaryTerm(key=key)
            db.session.add(term_row)
            report.created += 1
        for locale, doc in documents.items():
            entry = doc["glossary"][key]
            _upsert_text(
                report,
                term_row.texts,
                GlossaryText,
                locale,
                {"term": entry["term"], "definition": entry["definition"]},
            )
    db.session.flush()
    return report
