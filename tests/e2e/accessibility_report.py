"""Run the browser accessibility tests and write their results into the accessibility statement.

    python tests/e2e/accessibility_report.py

Runs tests/e2e/test_accessibility.py (axe-core on every page type in all nine languages, reflow
at 320 px and 200% zoom, with and without text spacing) and the residents' journeys
(tests/e2e/test_journeys.py: on a phone with and without JavaScript, by keyboard alone), then
writes portal/public/accessibility-report.json, which the statement's page
(/<lang>/accessibility) shows with the date of the run. Commit that file with the release.
It needs what the browser tests need (chromium, axe-core under tests/e2e/.npm).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REPORT = ROOT / "portal" / "public" / "accessibility-report.json"
AXE_PACKAGE = Path(__file__).parent / ".npm" / "node_modules" / "axe-core" / "package.json"
JOURNEYS = {
    "phone journey": "test_phone_resident_switches_to_vietnamese_and_comments[with-javascript]",
    "no script journey": "test_phone_resident_switches_to_vietnamese_and_comments[without-javascript]",
    "keyboard journey": "test_keyboard_only_resident_comments_in_vietnamese",
}
# The journeys switch from Portuguese to Vietnamese and read the receipt in Japanese.
JOURNEY_LOCALES = ["pt-BR", "vi", "ja"]


def _browser_version() -> str:
    from e2e.portal_server import CHROMIUM

    output = subprocess.run(  # noqa: S603 (Debian's chromium)
        [CHROMIUM, "--version"], capture_output=True, text=True, check=True
    ).stdout
    return next(word for word in output.split() if word[:1].isdigit())


def build_report(audit: list[dict], junit: ET.Element, now: datetime) -> dict:
    """The statement's table: per page type, the locales tested, axe's findings, reflow; per
    journey, whether it passed."""
    pages: dict[str, dict] = {}
    for row in audit:
        entry = pages.setdefault(
            row["page"], {"page": row["page"], "locales": [], "violations": 0, "reflows": True}
        )
        entry["locales"].append(row["locale"])
        entry["violations"] += len(row["violations"])
        entry["reflows"] &= all(
            width <= int(key.split()[0]) for key, width in row["widths"].items()
        )
    outcomes = {
        case.get("name"): case.find("failure") is None and case.find("error") is None
        for case in junit.iter("testcase")
        if case.find("skipped") is None
    }
    journeys = [
        {"name": name, "locales": JOURNEY_LOCALES, "passed": outcomes[test]}
        for name, test in JOURNEYS.items()
        if test in outcomes
    ]
    return {
        "run_at": now.isoformat(timespec="seconds"),
        "axe_version": json.loads(AXE_PACKAGE.read_text())["version"],
        "browser_version": _browser_version(),
        "pages": list(pages.values()),
        "journeys": journeys,
    }


def main() -> int:
    sys.path.insert(0, str(ROOT / "tests"))
    with tempfile.TemporaryDirectory() as directory:
        audit_file = Path(directory) / "audit.json"
        junit_file = Path(directory) / "junit.xml"
        result = subprocess.run(  # noqa: S603 (fixed command)
            [
                sys.executable,
                "-m",
                "pytest",
                "-p",
                "no:cacheprovider",
                f"--junitxml={junit_file}",
                "tests/e2e/test_accessibility.py::test_every_page_in_every_locale_passes_axe_and_reflows",
                "tests/e2e/test_journeys.py",
            ],
            cwd=ROOT,
            env={**__import__("os").environ, "PORTAL_A11Y_RESULTS": str(audit_file), "CI": "true"},
            check=False,
        )
        if not audit_file.exists():
            print("the accessibility test did not run: no report written", file=sys.stderr)
            return result.returncode or 1
        report = build_report(
            json.loads(audit_file.read_text()),
            ET.parse(junit_file).getroot(),  # noqa: S314 (our own test run's file)
            datetime.now(UTC),
        )
    REPORT.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{REPORT.relative_to(ROOT)} written ({len(report['pages'])} page types)")
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
