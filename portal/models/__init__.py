"""Domain models. Importing this package registers every table with the metadata."""

from portal.models.comments import Comment, CommentStatus, ContactDetails, ReceiptHandoff
from portal.models.measures import (
    AreaText,
    GlossaryTerm,
    GlossaryText,
    Measure,
    MeasureText,
    PeriodState,
    PriorityArea,
)

__all__ = [
    "AreaText",
    "Comment",
    "CommentStatus",
    "ContactDetails",
    "GlossaryTerm",
    "GlossaryText",
    "Measure",
    "MeasureText",
    "PeriodState",
    "PriorityArea",
    "ReceiptHandoff",
]
