"""The one place that decides what may leave the staff side, and in what form.

Every page outside the staff screens and every export builds what it shows from here. The rule:
- a comment's text leaves only when the comment is approved (status ``published``), and always
  with its redactions applied (each hidden span becomes a placeholder);
- its Japanese translation leaves only once a person has confirmed it (written it, or reviewed
  it with no personal data left in view), redacted the same way: its own hidden spans, and
  every word hidden in the body wherever the translation repeats it;
- contact details, access keys, staff notes and the unredacted text never leave; comments that
  are pending, held, rejected or withdrawn leave only as counts.

`rules` holds that rule and the allow-lists (`COMMITTEE_FIELDS`, `PUBLIC_FIELDS` and the open
data's `PUBLIC_RESULT_ROW_FIELDS`, `PUBLIC_ANNEX_FIELDS`: an export writes these keys and no
others); `results` builds a measure's results as a `snapshot` document (the serialised form,
versioned, that `services.results` stores when it publishes and every results output renders
from) and `committee` the committee's disclosures, both only from what `rules` returns.
Import from this package, not its modules.
"""

from portal.services.disclosure.committee import committee_disclosures
from portal.services.disclosure.rehide import rehidden
from portal.services.disclosure.results import (
    build_results,
    comment_language,
    results_document,
)
from portal.services.disclosure.rules import (
    COMMITTEE_FIELDS,
    PLACEHOLDER_JA,
    PUBLIC_ANNEX_FIELDS,
    PUBLIC_FIELDS,
    PUBLIC_RESULT_ROW_FIELDS,
    Disclosure,
    author_receipt_view,
    disclose,
    fingerprint_for_author,
    hidden_strings,
    may_disclose_text,
    merge_spans,
    occurrences,
    own_text_for_author,
    public_text,
    public_translation,
    redact,
    results_are_public,
    spans_of,
    translation_spans,
)
from portal.services.disclosure.snapshot import (
    FORMAT,
    AnnexEntry,
    Results,
    ResultsFigures,
    ResultsRow,
    RowTranslation,
    results_from,
)

__all__ = [
    "FORMAT",
    "COMMITTEE_FIELDS",
    "PLACEHOLDER_JA",
    "PUBLIC_ANNEX_FIELDS",
    "PUBLIC_FIELDS",
    "PUBLIC_RESULT_ROW_FIELDS",
    "AnnexEntry",
    "Disclosure",
    "Results",
    "ResultsFigures",
    "ResultsRow",
    "RowTranslation",
    "build_results",
    "comment_language",
    "committee_disclosures",
    "disclose",
    "hidden_strings",
    "author_receipt_view",
    "fingerprint_for_author",
    "may_disclose_text",
    "merge_spans",
    "occurrences",
    "own_text_for_author",
    "public_text",
    "public_translation",
    "redact",
    "results_are_public",
    "rehidden",
    "results_document",
    "results_from",
    "spans_of",
    "translation_spans",
]
