"""Names of the codes the committee's pages show: the staff's words (`services.staff_words`),
the same in the PDF and the spreadsheet."""

from __future__ import annotations

from portal.services.staff_words import DIMENSIONS, NOT_GIVEN, SUMMARY_STATES, word

DIMENSION_NAMES = DIMENSIONS
STATE_NAMES = SUMMARY_STATES
__all__ = ["DIMENSION_NAMES", "NOT_GIVEN", "STATE_NAMES", "value_name"]


def value_name(dimension: str, value) -> str:
    """The name of a code in the staff member's language."""
    return word(dimension, value)
