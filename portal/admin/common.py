"""What the administration's views share: finding a measure, and committing a change that the
rules may refuse."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import select

from portal.extensions import db
from portal.models import Measure


def measure_or_404(code: str) -> Measure:
    """The measure with this code, or a 404 page."""
    return db.first_or_404(select(Measure).where(Measure.code == code[:10]))


@dataclass
class Attempt:
    """The outcome of an `attempt` block: the rules' refusal, or None once committed."""

    refusal: Exception | None = None


@contextmanager
def attempt(refusal_type: type[Exception]) -> Iterator[Attempt]:
    """Run the service calls of the block: commit what they changed or, when they refuse with
    `refusal_type`, roll back and keep the refusal on the yielded `Attempt`."""
    outcome = Attempt()
    try:
        yield outcome
    except refusal_type as refusal:
        db.session.rollback()
        outcome.refusal = refusal
    else:
        db.session.commit()
