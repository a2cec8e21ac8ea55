"""Precision and recall of the personal-data suggestions, per kind, on a labelled set.

    python bench/pii_suggestions.py                  # this checkout's suggester
    python bench/pii_suggestions.py --compare main   # and the one at a git revision, side by side

The set is bench/data/pii_labelled.tsv (how it was written: its header and the README). A gold
span is found when a suggestion of the same kind covers exactly the same characters (surrounding
spaces ignored); "overlap" also counts a suggestion of the same kind that overlaps it (hidden,
but cut short or too long). "Pre-ticked" counts only the suggestions at or above the confidence
the comment page ticks (`pii.PRETICK_CONFIDENCE`; a suggester without confidences ticks all).
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT / "bench" / "data" / "pii_labelled.tsv"
PII_PATH = "portal/services/moderation/pii.py"
_GOLD = re.compile(r"\[\[(\w+)\|(.+?)\]\]")


@dataclass(frozen=True)
class Line:
    """One labelled comment: its language, plain text and gold spans (start, end, kind)."""

    language: str
    text: str
    gold: tuple[tuple[int, int, str], ...]


def read_set(path: Path = DATA) -> list[Line]:
    """The labelled comments, markup removed and gold offsets counted in the plain text."""
    lines = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        if not raw.strip() or raw.startswith("#"):
            continue
        language, marked = raw.split("\t", 1)
        marked = marked.replace("\\n", "\n")
        plain, gold, position = [], [], 0
        for match in _GOLD.finditer(marked):
            plain.append(marked[position : match.start()])
            start = sum(len(p) for p in plain)
            plain.append(match.group(2))
            gold.append((start, start + len(match.group(2)), match.group(1)))
            position = match.end()
        plain.append(marked[position:])
        lines.append(Line(language, "".join(plain), tuple(gold)))
    return lines


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


@dataclass
class Score:
    """Counts of one kind: gold spans, suggestions, exact and overlapping matches."""

    gold: int = 0
    suggested: int = 0
    exact: int = 0  # suggestions matching a gold span exactly
    overlap_found: int = 0  # gold spans overlapped by a suggestion of the kind
    overlap_right: int = 0  # suggestions overlapping a gold span of the kind

    def precision(self) -> float | None:
        """Exact matches among the suggestions."""
        return self.exact / self.suggested if self.suggested else None

    def recall(self) -> float | None:
        """Gold spans found exactly."""
        return self.exact / self.gold if self.gold else None


def score(lines: list[Line], suggest, threshold: float | None = None) -> dict[str, Score]:
    """Per-kind scores of `suggest(text)` on `lines` (only confidence >= threshold if given)."""
    scores: dict[str, Score] = {}
    for line in lines:
        gold = [(*_trimmed(line.text, s, e), k) for s, e, k in line.gold]
        found = []
        for suggestion in suggest(line.text):
            confidence = getattr(suggestion, "confidence", 1.0)
            if threshold is not None and confidence < threshold:
                continue
            found.append((*_trimmed(line.text, suggestion.start, suggestion.end), suggestion.kind))
        for start, end, kind in gold:
            entry = scores.setdefault(kind, Score())
            entry.gold += 1
            if any(k == kind and s < end and start < e for s, e, k in found):
                entry.overlap_found += 1
        for start, end, kind in found:
            entry = scores.setdefault(kind, Score())
            entry.suggested += 1
            if (start, end, kind) in gold:
                entry.exact += 1
            if any(k == kind and s < end and start < e for s, e, k in gold):
                entry.overlap_right += 1
    total = Score()
    for entry in scores.values():
        for name in ("gold", "suggested", "exact", "overlap_found", "overlap_right"):
            setattr(total, name, getattr(total, name) + getattr(entry, name))
    scores["all"] = total
    return scores


def load_suggester(revision: str | None):
    """`pii.suggest` of this checkout, or of `revision` (loaded from git under another name)."""
    if revision is None:
        from portal.services.moderation import pii

        return pii
    source = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{revision}:{PII_PATH}"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    folder = Path(tempfile.mkdtemp())
    path = folder / ("pii_" + re.sub(r"\W", "_", revision) + ".py")
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


def table(columns: list[tuple[str, dict[str, Score]]]) -> str:
    """A Markdown table: per kind, gold count, then precision / recall for each column."""
    kinds = sorted({k for _n, s in columns for k in s if k != "all"}) + ["all"]
    head = "| kind | gold | " + " | ".join(f"{name} P | {name} R" for name, _s in columns) + " |"
    rule = "|---|---:|" + "---:|---:|" * len(columns)
    rows = [head, rule]
    for kind in kinds:
        gold = next((s[kind].gold for _n, s in columns if kind in s), 0)
        cells = []
        for _name, scores in columns:
            entry = scores.get(kind, Score(gold=gold))
            cells += [_pct(entry.precision()), _pct(entry.recall())]
        rows.append(f"| {kind} | {gold} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def overlap_line(name: str, scores: dict[str, Score]) -> str:
    """Precision and recall counting overlaps (what a moderator would see hidden at all)."""
    total = scores["all"]
    precision = total.overlap_right / total.suggested if total.suggested else None
    recall = total.overlap_found / total.gold if total.gold else None
    return f"{name}: overlapping spans count — precision {_pct(precision)}, recall {_pct(recall)}"


def print_misses(lines: list[Line], suggest) -> None:
    """Each gold span not found exactly, and each suggestion that matches no gold span."""
    for line in lines:
        gold = {(*_trimmed(line.text, s, e), k) for s, e, k in line.gold}
        found = {(*_trimmed(line.text, s.start, s.end), s.kind) for s in suggest(line.text)}
        for start, end, kind in sorted(gold - found):
            print(f"missed {kind:11} {line.text[start:end]!r:28} in {line.text[:60]!r}")
        for start, end, kind in sorted(found - gold):
            print(f"extra  {kind:11} {line.text[start:end]!r:28} in {line.text[:60]!r}")


def main() -> None:
    """Print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compare", help="a git revision to score beside this checkout")
    parser.add_argument(
        "--misses", action="store_true", help="list each miss and false suggestion (see README)"
    )
    args = parser.parse_args()
    lines = read_set()
    if args.misses:
        print_misses(lines, load_suggester(None).suggest)
        return
    by_language = Counter(line.language for line in lines)
    print(
        f"{len(lines)} comments ("
        + ", ".join(f"{lang} {n}" for lang, n in by_language.most_common())
        + f"), {sum(len(line.gold) for line in lines)} gold spans\n"
    )
    columns = []
    if args.compare:
        before = load_suggester(args.compare)
        columns.append((args.compare, score(lines, before.suggest)))
    after = load_suggester(None)
    columns.append(("now", score(lines, after.suggest)))
    threshold = getattr(after, "PRETICK_CONFIDENCE", None)
    if threshold is not None:
        columns.append((f"ticked ≥{threshold}", score(lines, after.suggest, threshold)))
    print(table(columns))
    print()
    for name, scores in columns:
        print(overlap_line(name, scores))


if __name__ == "__main__":
    main()
