"""Personal-data suggestions measured on a labelled set of realistic comments.

A suggestion counts as found when it overlaps a labelled span of the same kind: the moderator
sees it pre-marked and adjusts the edges if needed. Run with ``-s`` to see the figures.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path

import pytest

from portal.services.moderation import pii

SAMPLES = json.loads((Path(__file__).parent / "data" / "pii_samples.json").read_text("utf-8"))
# Floors below the measured figures, so a regression in one kind fails the test; one floor
# per kind serves precision and recall alike.
FLOOR = {
    "email": 1.0,
    "phone": 0.95,
    "postal_code": 0.9,
    "my_number": 1.0,
    "address": 0.85,
    "car_plate": 0.95,
    "name": 0.8,
}


def _gold(sample: dict) -> list[tuple[int, int, str]]:
    spans = []
    for span in sample["spans"]:
        start = sample["text"].find(span["text"])
        assert start >= 0, (sample["text"], span["text"])
        spans.append((start, start + len(span["text"]), span["kind"]))
    return spans


def _overlaps(a: tuple[int, int, str], b: tuple[int, int, str]) -> bool:
    return a[2] == b[2] and a[0] < b[1] and b[0] < a[1]


def measure() -> dict[str, dict[str, float]]:
    """Precision and recall per kind over the labelled set."""
    tp_pred, n_pred, tp_gold, n_gold = Counter(), Counter(), Counter(), Counter()
    for sample in SAMPLES:
        gold = _gold(sample)
        predicted = [(s.start, s.end, s.kind) for s in pii.suggest(sample["text"])]
        for p in predicted:
            n_pred[p[2]] += 1
            tp_pred[p[2]] += any(_overlaps(p, g) for g in gold)
        for g in gold:
            n_gold[g[2]] += 1
            tp_gold[g[2]] += any(_overlaps(g, p) for p in predicted)
    return {
        kind: {
            "precision": tp_pred[kind] / n_pred[kind] if n_pred[kind] else 1.0,
            "recall": tp_gold[kind] / n_gold[kind] if n_gold[kind] else 1.0,
            "predicted": n_pred[kind],
            "labelled": n_gold[kind],
        }
        for kind in pii.KINDS
    }


def test_labelled_set_is_large_and_mixed():
    assert len(SAMPLES) >= 100
    assert sum(1 for s in SAMPLES if not s["spans"]) >= 30  # comments with nothing to hide
    assert all(_gold(s) is not None for s in SAMPLES)


def test_suggestions_reach_precision_and_recall_floors_per_kind():
    figures = measure()
    for kind, values in figures.items():
        print(
            f"{kind:12} precision {values['precision']:.2f} recall {values['recall']:.2f} "
            f"({values['predicted']} suggested, {values['labelled']} labelled)"
        )
    for kind, values in figures.items():
        assert values["labelled"] > 0, kind
        assert values["precision"] >= FLOOR[kind], (kind, values)
        assert values["recall"] >= FLOOR[kind], (kind, values)


@pytest.mark.parametrize(
    ("digits", "valid"),
    [
        ("123456789018", True),
        ("123456789012", False),
        ("398259791905", True),
        ("12345678901", False),
    ],
)
def test_my_number_check_digit(digits, valid):
    assert pii.my_number_is_valid(digits) is valid


def test_a_twelve_digit_number_with_a_wrong_check_digit_is_not_suggested():
    assert not [s for s in pii.suggest("注文番号 1234 5678 9012 です") if s.kind == "my_number"]


def test_suggesting_on_a_long_comment_is_fast_once_the_dictionary_is_loaded():
    pii.suggest("田中です。")  # loads the dictionary once per process
    text = "隣の田中太郎さんに相談しました。電話は090-1234-5678です。" * 300  # ~10,000 chars
    started = time.perf_counter()
    pii.suggest(text)
    elapsed = time.perf_counter() - started
    print(f"suggestions for {len(text)} characters: {elapsed * 1000:.0f} ms")
    assert elapsed < 0.5
