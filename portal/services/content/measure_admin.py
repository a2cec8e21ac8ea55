"""Changes an admin makes to the outline as published: measure texts and comment periods.

Each change is written to the audit log with its before and after values, in the caller's
transaction. The Japanese text is the authoritative one: when it changes, every translation
of the measure is marked as needing review until someone edits it.
"""

from __future__ import annotations

from datetime import datetime

from portal.models.measures import SOURCE_LOCALE, Measure, MeasureText
from portal.models.staff import StaffUser
from portal.services import actions, audit

TEXT_FIELDS = ("title", "summary", "body")


def edit_text(
    measure: Measure,
    locale: str,
    values: dict[str, str],
    *,
    actor: StaffUser,
    ip: str | None,
    now: datetime,
) -> dict:
    """Save a measure's text in `locale`; returns what changed (empty when nothing did)."""
    text = next((t for t in measure.texts if t.locale == locale), None)
    if text is None:
        text = MeasureText(locale=locale, title="", summary="", body="")
        measure.texts.append(text)
    before = {field: getattr(text, field) for field in TEXT_FIELDS}
    after = {field: values[field].replace("\r\n", "\n").strip() for field in TEXT_FIELDS}
    changed = audit.changes(before, after)
    if not changed:
        return {}
    for field, value in after.items():
        setattr(text, field, value)
    text.updated_at = now
    text.needs_review = False
    if locale == SOURCE_LOCALE:
        for other in measure.texts:
            if other.locale != SOURCE_LOCALE:
                other.needs_review = True
    actions.record(
        "measure_text_edited", measure, actor=actor, ip=ip, now=now, locale=locale, changes=changed
    )
    return changed


def _period_values(measure: Measure) -> dict:
    return {
        "opens_at": measure.opens_at.isoformat() if measure.opens_at else None,
        "closes_at": measure.closes_at.isoformat() if measure.closes_at else None,
        "short_period_reason": measure.short_period_reason,
    }


def set_period(
    measure: Measure,
    opens_at: datetime,
    closes_at: datetime,
    short_reason: str | None,
    *,
    actor: StaffUser,
    ip: str | None,
    now: datetime,
) -> dict:
    """Set, extend or shorten a measure's comment period (the rules live in the model)."""
    before = _period_values(measure)
    measure.open_period(opens_at, closes_at, short_reason)
    changed = audit.changes(before, _period_values(measure))
    if changed:
        actions.record("period_changed", measure, actor=actor, ip=ip, now=now, changes=changed)
    return changed
