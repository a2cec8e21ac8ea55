"""Rows of a measure's results (同趣旨) in a resident's language, translated by staff on one page.

The Japanese 要旨 and 市の考え方 are authoritative; a translation is a courtesy. A person writes
or checks it for every row of a measure in one locale at once. A machine draft (the configured
translation server, `services.moderation.translation`) is stored as such, unreviewed, and the
results leave it out until a person saves it; a person's save reviews it. What residents read
goes through the results document (`services.disclosure`), never this table directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from portal.extensions import db
from portal.i18n import LOCALES
from portal.models.items import ResultRow, ResultRowTranslation
from portal.models.measures import Measure
from portal.models.moderation import TranslationMethod
from portal.models.staff import StaffUser
from portal.services import actions
from portal.services.content.parts import parts_for
from portal.services.moderation.translation import TranslationProvider, TranslationUnavailable

# Every residents' locale but Japanese itself.
TARGET_LOCALES = tuple(locale.tag for locale in LOCALES if locale.tag != "ja")
MAX_LENGTH = 8000


@dataclass
class RowEntry:
    """One row of the batch screen: the Japanese original and its translation, if any."""

    row: ResultRow
    translation: ResultRowTranslation | None

    @property
    def machine(self) -> bool:
        """True while the translation is a machine draft no person has saved."""
        return (
            self.translation is not None
            and self.translation.method == TranslationMethod.MACHINE
            and self.translation.reviewed_at is None
        )


@dataclass(frozen=True)
class RowText:
    """What a person submitted for one row."""

    summary: str
    response: str


def _published(measure: Measure, now: datetime) -> bool:
    return measure.results_published_at is not None and measure.results_published_at <= now


def _check_open(measure: Measure, locale: str, now: datetime) -> None:
    if locale not in TARGET_LOCALES:
        raise actions.Refused("unknown_locale")
    if _published(measure, now):
        # The published results keep the translations they were published with.
        raise actions.Refused("results_published")


def rows_of(measure: Measure) -> list[ResultRow]:
    """The measure's rows in the order of the results: by part in the outline's order, then by
    their position within the part."""
    order = {part.key: index for index, part in enumerate(parts_for(measure))}
    rows = db.session.scalars(select(ResultRow).where(ResultRow.measure_id == measure.id)).all()
    return sorted(rows, key=lambda row: (order.get(row.part, len(order)), row.position, row.id))


def entries(measure: Measure, locale: str) -> list[RowEntry]:
    """Every row of the measure with its translation into `locale`."""
    rows = rows_of(measure)
    found = {
        t.row_id: t
        for t in db.session.scalars(
            select(ResultRowTranslation).where(
                ResultRowTranslation.row_id.in_([row.id for row in rows]),
                ResultRowTranslation.locale == locale,
            )
        )
    }
    return [RowEntry(row, found.get(row.id)) for row in rows]


def _clean(text: str) -> str | None:
    text = text.replace("\r\n", "\n").strip()
    if len(text) > MAX_LENGTH:
        raise actions.Refused("too_long")
    return text or None


def save_batch(
    measure: Measure,
    locale: str,
    texts: dict[int, RowText],
    *,
    actor: StaffUser,
    ip: str | None,
    now: datetime,
) -> int:
    """Save a person's translations of the measure's rows into `locale` (`texts` by row id;
    rows not given are left alone). A row left empty loses its translation; a machine draft
    saved as it stands becomes reviewed, an edited one becomes the person's. Returns how many
    rows changed."""
    _check_open(measure, locale, now)
    changed = 0
    for entry in entries(measure, locale):
        given = texts.get(entry.row.id)
        if given is None:
            continue
        summary, response = _clean(given.summary), _clean(given.response)
        current = entry.translation
        if summary is None and response is None:
            if current is not None:
                db.session.delete(current)
                changed += 1
            continue
        if current is None:
            current = ResultRowTranslation(row_id=entry.row.id, locale=locale)
            db.session.add(current)
        elif (current.summary, current.response) == (summary, response):
            if current.reviewed_at is None:  # a machine draft a person now stands behind
                current.reviewed_at, current.reviewed_by_id = now, actor.id
                changed += 1
            continue
        current.summary, current.response = summary, response
        current.method = TranslationMethod.HUMAN
        current.translated_by_id, current.translated_at = actor.id, now
        current.reviewed_by_id, current.reviewed_at = actor.id, now
        changed += 1
    db.session.flush()
    actions.record(
        "results.rows_translated", measure, actor=actor, ip=ip, now=now, locale=locale, rows=changed
    )
    return changed


def machine_drafts(
    measure: Measure,
    locale: str,
    provider: TranslationProvider,
    *,
    actor: StaffUser,
    ip: str | None,
    now: datetime,
) -> int:
    """Ask the translation server for a draft of every row that has no translation into
    `locale` yet (a person's translation is never replaced). The drafts stay unreviewed. Raises
    `TranslationUnavailable` when the server fails (nothing is kept then). Returns how many
    rows got a draft."""
    _check_open(measure, locale, now)
    drafted = 0
    for entry in entries(measure, locale):
        if entry.translation is not None and not entry.machine:
            continue
        row = entry.row
        summary = provider.translate(row.summary, "ja", locale) if row.summary else None
        response = provider.translate(row.text_ja, "ja", locale) if row.text_ja else None
        if summary is None and response is None:
            continue
        current = entry.translation or ResultRowTranslation(row_id=row.id, locale=locale)
        current.summary, current.response = summary, response
        current.method = TranslationMethod.MACHINE
        current.translated_by_id, current.translated_at = None, now
        current.reviewed_by_id, current.reviewed_at = None, None
        db.session.add(current)
        drafted += 1
    db.session.flush()
    actions.record(
        "results.rows_machine_translated",
        measure,
        actor=actor,
        ip=ip,
        now=now,
        locale=locale,
        provider=provider.name,
        rows=drafted,
    )
    return drafted


__all__ = [
    "RowEntry",
    "RowText",
    "TARGET_LOCALES",
    "TranslationUnavailable",
    "entries",
    "machine_drafts",
    "rows_of",
    "save_batch",
]
