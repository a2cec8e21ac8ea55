"""Scans of comments that arrived on paper: checked by their content, kept outside the web root.

The type is read from the file's first bytes, never from its name or the browser's claim: a
script renamed ``letter.pdf`` is refused. Files are stored under a random name in
`PORTAL_UPLOAD_DIR` and are served only to moderators, as downloads named after the comment's
receipt number and the type the bytes show (the uploaded name is kept for the staff page only).
"""

from __future__ import annotations

import hashlib
import os
import secrets
import unicodedata
from datetime import datetime
from pathlib import Path

from portal.extensions import db
from portal.models import Comment
from portal.models.moderation import CommentAttachment
from portal.models.staff import StaffUser
from portal.services import actions

MAX_BYTES = 10 * 1024 * 1024
_SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)


class UploadRefused(actions.Refused):
    """The file cannot be kept; `code` says why (empty, too_large, type)."""


def sniff(data: bytes) -> str | None:
    """The content type the file's bytes show, if it is one of PDF, JPEG or PNG."""
    for signature, content_type in _SIGNATURES:
        if data.startswith(signature):
            return content_type
    return None


def check(data: bytes) -> str:
    """The content type of an acceptable scan; raises UploadRefused otherwise."""
    if not data:
        raise UploadRefused("empty")
    if len(data) > MAX_BYTES:
        raise UploadRefused("too_large")
    content_type = sniff(data)
    if content_type is None:
        raise UploadRefused("type")
    return content_type


def safe_filename(name: str) -> str:
    """The uploaded name for the download's Content-Disposition: no path, no control characters."""
    name = unicodedata.normalize("NFC", os.path.basename((name or "").replace("\\", "/")))
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '"/\\')
    return name[:200] or "scan"


def store(
    comment: Comment,
    data: bytes,
    filename: str,
    upload_dir: str,
    *,
    actor: StaffUser,
    ip: str | None,
    now: datetime,
) -> CommentAttachment:
    """Check and keep the scan of `comment`."""
    content_type = check(data)
    directory = Path(upload_dir)
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    storage_name = secrets.token_hex(20)
    path = directory / storage_name
    # O_EXCL: never overwrite; 0600: only the portal's own user reads scans.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    attachment = CommentAttachment(
        comment_id=comment.id,
        original_filename=safe_filename(filename),
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        storage_name=storage_name,
        uploaded_by_id=actor.id,
        uploaded_at=now,
    )
    db.session.add(attachment)
    db.session.flush()
    actions.record(
        "attachment_uploaded",
        comment,
        actor=actor,
        ip=ip,
        now=now,
        attachment=attachment.id,
        content_type=content_type,
        size=len(data),
    )
    return attachment


def path_of(attachment: CommentAttachment, upload_dir: str) -> Path:
    """Where the scan is stored."""
    return Path(upload_dir) / attachment.storage_name


_EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}


def download_as(path: Path, receipt_number: str) -> tuple[str, str]:
    """The content type and file name a stored scan is downloaded under, both from its bytes
    (read again now, so a row changed in the database cannot make it ``.html``): a PNG
    uploaded as ``letter.html`` downloads as ``scan-PC-2026-000001.png``."""
    with path.open("rb") as handle:
        content_type = sniff(handle.read(16))
    if content_type is None:
        return "application/octet-stream", f"scan-{receipt_number}.bin"
    return content_type, f"scan-{receipt_number}{_EXTENSIONS[content_type]}"
