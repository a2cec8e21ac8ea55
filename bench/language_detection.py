"""Language detection: the cheap first pass (scripts, letters, function words) against lingua
alone, on the corpus's comments in each portal language and the test sentences.

    python bench/language_detection.py [--per-language 400]

Prints, per language, how many texts each way got right (the language the text was written
in) and the CPU microseconds per text.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from portal.services import language  # noqa: E402
from portal.services.moderation import corpus  # noqa: E402

LANGUAGES = [tag for tag, _weight in corpus.LANGUAGE_WEIGHTS]


def lingua_alone(text: str) -> language.Detection:
    """The detector as it was: the script decides ja, ko and ne, lingua everything else."""
    text = text[:2000]
    scripts = language._script_profile(text)
    if scripts["kana"] * 10 >= max(1, scripts["kana"] + scripts["han"]) and scripts["kana"]:
        return language.Detection("ja", 1.0)
    if scripts["devanagari"] * 2 > sum(scripts.values()):
        return language._detect_devanagari(text)
    return language._lingua(text)


def main() -> None:
    """Run both ways over the same texts and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--per-language", type=int, default=400)
    args = parser.parse_args()
    language.warm_up()
    rng = random.Random(11)  # noqa: S311 - sample texts
    print(
        f"{'language':>9} {'texts':>6} | {'lingua ok':>9} {'µs':>6} | {'cheap first ok':>14} {'µs':>6}"
    )
    totals = [0, 0, 0, 0.0, 0.0]
    for tag in LANGUAGES:
        texts = [corpus.distinct_comment(rng, tag) for _ in range(args.per_language)]
        expected = language.primary_language(tag)
        row = []
        for detect in (lingua_alone, language.detect_language):
            started = time.process_time()
            found = [detect(text).language for text in texts]
            spent = (time.process_time() - started) * 1e6 / len(texts)
            row.append((sum(f == expected for f in found), spent))
        (old_ok, old_us), (new_ok, new_us) = row
        totals = [totals[0] + len(texts), totals[1] + old_ok, totals[2] + new_ok,
                  totals[3] + old_us * len(texts), totals[4] + new_us * len(texts)]  # fmt: skip
        print(
            f"{tag:>9} {len(texts):>6} | {old_ok:>9} {old_us:>6.0f} | {new_ok:>14} {new_us:>6.0f}"
        )
    n = totals[0]
    print(
        f"{'all':>9} {n:>6} | {totals[1]:>9} {totals[3] / n:>6.0f} | {totals[2]:>14} {totals[4] / n:>6.0f}"
    )


if __name__ == "__main__":
    main()
