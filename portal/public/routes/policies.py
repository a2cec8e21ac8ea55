"""The city's published policies: how comments are reviewed (moderation policy) and the
accessibility statement with the results of the last test run."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from flask import current_app, render_template
from flask_babel import gettext as _

from portal.public import bp
from portal.public.routes.results import withheld_reason_label

# Written by `python tests/e2e/accessibility_report.py` from a real run of the browser tests.
ACCESSIBILITY_REPORT = Path(__file__).resolve().parents[1] / "accessibility-report.json"
REASONS = ("off_topic", "personal_information", "harms_others", "commercial", "duplicate", "other")


def accessibility_report(path: Path = ACCESSIBILITY_REPORT) -> dict | None:
    """The last recorded test run (None if none was recorded)."""
    if not path.exists():
        return None
    report = json.loads(path.read_text(encoding="utf-8"))
    report["run_at"] = datetime.fromisoformat(report["run_at"])
    return report


def a11y_page_label(key: str) -> str:
    """A tested page type or journey, in words."""
    return {
        "index": _("List of measures"),
        "measure": _("A measure and its comment form"),
        "measure with form errors": _("The comment form with mistakes"),
        "404": _("Page not found"),
        "receipt": _("Receipt"),
        "receipt status": _("Your comment, looked up"),
        "lookup": _("Check a comment you sent"),
        "lookup error": _("Look-up with a wrong access key"),
        "privacy": _("Privacy notice"),
        "results": _("Results of the public comment"),
        "annex": _("Full texts of the comments"),
        "moderation policy": _("Moderation policy"),
        "accessibility": _("Accessibility"),
        "notices": _("E-mail about new consultations"),
        "feeds": _("E-mail, news feeds and open data"),
        "phone journey": _("Sending a comment on a phone"),
        "keyboard journey": _("Sending a comment with the keyboard alone"),
        "no script journey": _("Sending a comment without JavaScript"),
    }.get(key, key)


@bp.app_context_processor
def _policy_helpers() -> dict:
    return {"a11y_page_label": a11y_page_label}


@bp.route("/moderation-policy")
def moderation_policy():
    """What gets withheld and why, and how the results page counts it."""
    return render_template(
        "public/moderation_policy.html",
        reasons=[(reason, withheld_reason_label(reason)) for reason in REASONS],
        four_eyes=current_app.config["PORTAL_REJECTION_REVIEW"],
    )


@bp.route("/accessibility")
def accessibility():
    """アクセシビリティ方針: the target, how the pages are tested, the last results."""
    return render_template(
        "public/accessibility.html",
        report=accessibility_report(),
        reply_days=current_app.config["PORTAL_ACCESSIBILITY_REPLY_DAYS"],
    )
