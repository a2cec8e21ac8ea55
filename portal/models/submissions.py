"""What lets a resident's second POST of the same form find the first one's receipt."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.database import UTCDateTime
from portal.extensions import db


class SubmissionToken(db.Model):
    """A comment form's one-time token, once that form has been sent.

    The primary key (a hash of the token) is what settles a double submission: two POSTs of
    one form, even on two servers at the same moment, cannot both insert it. The access key is
    kept sealed with the token itself, so it can be shown again to whoever holds the form, and
    to nobody who only reads the database. Rows are purged after a few hours.
    """

    __tablename__ = "submission_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    comment_id: Mapped[int] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), unique=True
    )
    sealed_key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
