"""Campaigns: near-identical comments on one measure, grouped so moderators decide once.

Texts are normalised (NFKC, case folded, punctuation and symbols dropped, whitespace collapsed)
and cut into character 3-grams ("shingles", which work for Japanese without word boundaries).
Two comments are near-duplicates when the Jaccard similarity of their shingle sets reaches
`THRESHOLD` (0.55, measured by bench/grouping_threshold.py); edited copies of one letter
score 0.32-1.0 against each other (1st percentile 0.42), unrelated comments below 0.2, but a
comment quoting one sentence of a letter and adding its own points can reach 0.7.

A full regrouping finds candidates with MinHash-LSH (banding, numpy) and verifies every candidate
exactly, so LSH can only cost recall, never precision. It clusters around leaders: each comment,
in the order received, joins the most similar existing group leader or becomes a leader itself.
A campaign of 10,000 copies then costs 10,000 comparisons, not 50 million. The leaders are
stored in the database's band index (`index`), where a new comment finds its candidates
without reading the measure.

Groups a moderator confirmed, or answered with a city response, are kept as they are (new copies
still join them), and a comment a moderator moved by hand (`group_manual`) stays where it is.
Every comment still counts as one comment: a group only records who belongs together.

`similarity` measures and clusters texts (no database); `groups` writes the groups; `index`
keeps the band index.
"""

from portal.services.moderation.duplicates.groups import (
    RegroupResult,
    group_new_comment,
    regroup_measure,
)
from portal.services.moderation.duplicates.similarity import (
    THRESHOLD,
    Leaders,
    cluster,
    groups_of,
    jaccard,
    normalize,
    shingles,
    similarity,
)

__all__ = [
    "THRESHOLD",
    "Leaders",
    "RegroupResult",
    "cluster",
    "group_new_comment",
    "groups_of",
    "jaccard",
    "normalize",
    "regroup_measure",
    "shingles",
    "similarity",
]
