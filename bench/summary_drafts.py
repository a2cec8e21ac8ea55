"""How close the drafted 要旨 come to summaries written by hand: ROUGE-style overlap.

    python bench/summary_drafts.py

bench/data/summaries.tsv holds 40 comments with a 要旨 each, written by hand before the drafter
existed (its header says how). Japanese has no spaces, so overlap is counted on characters
(ROUGE-1 and ROUGE-2 over character n-grams, punctuation left out, as is usual for Japanese)
and on content words (SudachiPy). Two baselines put the figures in context: the comment's first
sentence (what a hurried moderator copies) and the whole comment cut to the draft's length limit.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from portal.services.moderation import summary_drafts  # noqa: E402

DATA = Path(__file__).resolve().parent / "data" / "summaries.tsv"
_PUNCTUATION = re.compile(r"[\s、。，．・！？!?「」（）()]")


def read_set() -> list[tuple[str, str]]:
    """(comment, hand-written summary) pairs."""
    pairs = []
    for line in DATA.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            comment, summary = line.split("\t")
            pairs.append((comment.replace("\\n", "\n"), summary))
    return pairs


def _grams(units: list[str], n: int) -> Counter:
    return Counter(tuple(units[i : i + n]) for i in range(len(units) - n + 1))


def rouge(candidate: list[str], reference: list[str], n: int) -> tuple[float, float, float]:
    """(precision, recall, F1) of n-gram overlap."""
    cand, ref = _grams(candidate, n), _grams(reference, n)
    overlap = sum((cand & ref).values())
    precision = overlap / max(sum(cand.values()), 1)
    recall = overlap / max(sum(ref.values()), 1)
    f1 = 2 * precision * recall / (precision + recall) if overlap else 0.0
    return precision, recall, f1


def characters(text: str) -> list[str]:
    """Characters without punctuation or spaces."""
    return list(_PUNCTUATION.sub("", text))


def words(text: str) -> list[str]:
    """Content words (SudachiPy, as the drafter reads them), in order."""
    return [w for s in summary_drafts.sentences(text) for w in sorted(summary_drafts._words(s))]


def main() -> None:
    """Print the scores of the drafter and the two baselines."""
    pairs = read_set()
    systems = {
        "drafter (TextRank, networkx)": summary_drafts.draft,
        "first sentence": lambda t: summary_drafts.sentences(t)[0],
        f"comment cut to {summary_drafts.MAX_CHARS} characters": lambda t: t[
            : summary_drafts.MAX_CHARS
        ],
    }
    print(f"{len(pairs)} comments with a hand-written 要旨\n")
    print("| system | ROUGE-1 F (chars) | ROUGE-2 F (chars) | ROUGE-1 R (chars) | words F |")
    print("|---|---:|---:|---:|---:|")
    for name, make in systems.items():
        totals = [0.0, 0.0, 0.0, 0.0]
        for comment, reference in pairs:
            made = make(comment)
            totals[0] += rouge(characters(made), characters(reference), 1)[2]
            totals[1] += rouge(characters(made), characters(reference), 2)[2]
            totals[2] += rouge(characters(made), characters(reference), 1)[1]
            totals[3] += rouge(words(made), words(reference), 1)[2]
        cells = " | ".join(f"{t / len(pairs):.3f}" for t in totals)
        print(f"| {name} | {cells} |")


if __name__ == "__main__":
    main()
