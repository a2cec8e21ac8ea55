"""Meeting packs too large to lay out within a request: made on the job queue, kept as a file
until downloaded or a day old.

`request_pack` writes the order (who asked, for which scope, in which format) beside where the
file will be, and queues `build`; the committee member's page reads `status` until the file is
ready. Files sit in `PORTAL_COMMITTEE_PACK_DIR`, which the web processes and the worker share.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import time
from pathlib import Path

from flask import current_app

from portal.services import jobs

log = logging.getLogger(__name__)
FORMATS = ("pdf", "xlsx")
KEEP_SECONDS = 24 * 3600
TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def pack_dir() -> Path:
    """Where packs are made and kept."""
    path = Path(current_app.config["PORTAL_COMMITTEE_PACK_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def _order_path(token: str) -> Path:
    return pack_dir() / f"{token}.json"


def file_path(token: str, fmt: str) -> Path:
    """The pack's file (it exists once the pack is ready)."""
    return pack_dir() / f"{token}.{fmt}"


def _write_order(token: str, order: dict) -> None:
    temporary = _order_path(token).with_suffix(".json.part")
    temporary.write_text(json.dumps(order), encoding="utf-8")
    os.replace(temporary, _order_path(token))


def status(token: str) -> dict | None:
    """The order of a pack: state (queued, building, ready, failed), scope, format, who asked."""
    if not TOKEN.match(token or ""):
        return None
    try:
        return json.loads(_order_path(token).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _clean_old(now: float) -> None:
    for path in pack_dir().iterdir():
        try:
            if now - path.stat().st_mtime > KEEP_SECONDS:
                path.unlink()
        except OSError:
            continue


def request_pack(scope, fmt: str, staff_id: int) -> str:
    """Order the pack of `scope` in `fmt` for `staff_id`; returns the order's token."""
    if fmt not in FORMATS:
        raise ValueError(fmt)
    _clean_old(time.time())
    token = secrets.token_urlsafe(24)
    _write_order(
        token,
        {
            "state": "queued",
            "format": fmt,
            "scope": scope.params,
            "scope_key": scope.key,
            "staff_id": staff_id,
            "ordered_at": time.time(),
        },
    )
    jobs.enqueue("portal.services.committee.exports.packs.build", token)
    return token


def build(token: str) -> None:
    """Make the ordered pack (a job: safe to run twice; the file appears whole or not at all)."""
    from portal.services.committee.exports import pdf, xlsx
    from portal.services.committee.summaries import resolve_scope

    order = status(token)
    if order is None or order["state"] == "ready":
        return
    scope = resolve_scope(order["scope"].get("measure"), order["scope"].get("area"))
    order["state"] = "building"
    _write_order(token, order)
    target = file_path(token, order["format"])
    partial = target.with_name(target.name + ".part")
    try:
        if scope is None:
            raise LookupError("the scope no longer exists")
        if order["format"] == "pdf":
            pdf.write_pdf(scope, str(partial))
        else:
            xlsx.write_xlsx(scope, str(partial))
        os.replace(partial, target)
    except Exception:
        log.exception("committee pack %s (%s) failed", order["scope_key"], order["format"])
        partial.unlink(missing_ok=True)
        order["state"] = "failed"
        _write_order(token, order)
        return
    order["state"] = "ready"
    order["size"] = target.stat().st_size
    _write_order(token, order)
