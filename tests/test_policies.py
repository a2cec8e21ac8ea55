"""The moderation policy with the withheld counts on each results page, and the accessibility
statement built from a recorded test run."""

from __future__ import annotations

import json

from api_conformance import publish_sample_results

from portal.i18n import LOCALES
from portal.public.routes import policies


def test_results_page_counts_what_was_withheld_and_why(app, client):
    publish_sample_results(app)
    page = client.get("/en/measures/1-1/results").text
    section = page[page.index('id="withheld-heading"') :]
    assert "Advertising or commercial</dt><dd>1</dd>" in section
    assert "Published with part of the text withheld</dt><dd>1</dd>" in section
    assert 'href="/en/moderation-policy"' in page


def test_moderation_policy_names_every_reason_and_the_four_eyes_rule(app, client):
    page = client.get("/en/moderation-policy").text
    for label in ("Not about this measure", "Advertising or commercial", "Other reasons"):
        assert label in page
    assert "This rule is not in force at the moment" in page
    app.config["PORTAL_REJECTION_REVIEW"] = True
    assert "only when a second staff member confirms" in client.get("/en/moderation-policy").text


def test_policies_are_linked_from_every_footer(client):
    for locale in LOCALES:
        page = client.get(f"/{locale.tag}/").text
        footer = page[page.index("site-footer") :]
        assert f'href="/{locale.tag}/moderation-policy"' in footer
        assert f'href="/{locale.tag}/accessibility"' in footer


def test_accessibility_statement_shows_the_recorded_run(client):
    report = policies.accessibility_report()
    assert report is not None, "run: python tests/e2e/accessibility_report.py"
    page = client.get("/en/accessibility").text
    assert "JIS X 8341-3:2016" in page
    assert report["run_at"].strftime("%Y") in page
    assert f"axe-core {report['axe_version']}" in page
    rows = page[page.index("a11y-results") :]
    assert rows.count('<th scope="row"') == len(report["pages"]) + len(report["journeys"])
    # the recorded run covered every page type in all nine languages, and found nothing
    raw = json.loads(policies.ACCESSIBILITY_REPORT.read_text())
    for row in raw["pages"]:
        assert sorted(row["locales"]) == sorted(locale.tag for locale in LOCALES), row["page"]
        assert row["violations"] == 0, row
        assert row["reflows"], row


def test_without_a_recorded_run_the_statement_says_so(client, monkeypatch, tmp_path):
    monkeypatch.setattr(policies, "ACCESSIBILITY_REPORT", tmp_path / "none.json")
    monkeypatch.setattr(policies, "accessibility_report", lambda path=tmp_path / "none.json": None)
    assert "No test run has been recorded yet." in client.get("/en/accessibility").text
