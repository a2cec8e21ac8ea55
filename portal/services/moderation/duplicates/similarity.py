"""How alike two comments are, and which of many belong together: no database here.

Texts are normalised (NFKC, case folded, punctuation and symbols dropped, whitespace collapsed)
and cut into character 3-grams ("shingles", which work for Japanese without word boundaries).
Two comments are near-duplicates when the Jaccard similarity of their shingle sets reaches
`THRESHOLD`. Candidates come from MinHash-LSH (banding, numpy) and are verified exactly, so LSH
can only cost recall, never precision; `cluster` gathers them around leaders.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

# Two comments are copies of one letter from this Jaccard similarity of their shingles up.
# bench/grouping_threshold.py: at 0.40, 24 of 125 distinct comments that quote one sentence of
# a campaign letter (or a stock opening) were joined into groups of 2-6 with it or each other;
# at 0.55, 8, with the same one copy in 150 left out. Above 0.55 copies start to fall out of
# their group (4 of 150 at 0.60) for few fewer false joins (6). README, "Campaign groups".
THRESHOLD = 0.55
BANDS, ROWS = 16, 4
NUM_PERM = BANDS * ROWS
_SEED = 20261201
_rng = np.random.default_rng(_SEED)
# Multiply-shift hashing: one odd multiplier and one offset per permutation.
_MUL = _rng.integers(1, 2**63, size=NUM_PERM, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
_ADD = _rng.integers(0, 2**63, size=NUM_PERM, dtype=np.uint64)
_MIX = np.uint64(0x9E3779B97F4A7C15)


# Anything that is not a letter, digit or space: punctuation and symbols. Combining marks are
# not "letters" to `re`, so the Indic and Thai blocks are kept whole (their vowel signs matter).
_PUNCTUATION = re.compile(r"[^\w\s\u0300-\u036f\u0900-\u0dff\u0e00-\u0e7f]+|_+")


# Japanese and Chinese write no spaces: a space next to one of their characters is layout.
_SPACE_BY_CJK = re.compile(
    r"(?<=[\u2e80-\u9fff\uf900-\ufaff\U00020000-\U0003ffff]) | (?=[\u2e80-\u9fff\uf900-\ufaff\U00020000-\U0003ffff])"
)


def normalize(text: str) -> str:
    """Text reduced to what makes two letters the same letter: NFKC, case folded, no
    punctuation or symbols, single spaces between words (none around Japanese)."""
    folded = unicodedata.normalize("NFKC", text or "").casefold()
    return _SPACE_BY_CJK.sub("", " ".join(_PUNCTUATION.sub(" ", folded).split()))


def shingles(text: str) -> np.ndarray:
    """The sorted, distinct character 3-grams of normalised `text`, as 63-bit integers."""
    norm = normalize(text)
    codes = np.frombuffer(norm.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    if codes.size == 0:
        return codes
    if codes.size < 3:
        codes = np.concatenate([codes, np.zeros(3 - codes.size, dtype=np.uint64)])
    # Code points have 21 bits: three of them fit one 64-bit integer exactly.
    grams = (codes[:-2] << np.uint64(42)) | (codes[1:-1] << np.uint64(21)) | codes[2:]
    return np.unique(grams)


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Exact Jaccard similarity of two shingle arrays from `shingles` (sorted, distinct)."""
    if a.size == 0 or b.size == 0:
        return 0.0
    if a.size > b.size:
        a, b = b, a
    positions = np.searchsorted(b, a)
    positions[positions == b.size] = 0
    common = int(np.count_nonzero(b[positions] == a))
    return common / (a.size + b.size - common)


def similarity(text_a: str, text_b: str) -> float:
    """Jaccard similarity of two texts' shingles."""
    return jaccard(shingles(text_a), shingles(text_b))


def signature(grams: np.ndarray) -> np.ndarray:
    """MinHash signature of a shingle array, computed in one vectorised step."""
    mixed = (grams * _MIX) >> np.uint64(11)
    hashed = (_MUL[:, None] * mixed[None, :] + _ADD[:, None]) >> np.uint64(32)
    return hashed.min(axis=1)


# Odd multipliers that fold a band's ROWS values into one integer (wrapping uint64 arithmetic),
# and a salt per band, so equal values in two different bands give different integers.
_FOLD = _rng.integers(1, 2**63, size=ROWS, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
_BAND_SALT = _rng.integers(0, 2**63, size=BANDS, dtype=np.uint64)


def band_hashes(sketch: np.ndarray) -> list[int]:
    """One 63-bit integer per band of a signature (what the database's band index stores):
    two signatures share a band exactly when they share its integer, up to a hash collision,
    which only adds a candidate that the exact comparison then turns down. The band is part
    of the integer, so the index is looked up by the integers alone."""
    folded = (sketch.reshape(BANDS, ROWS) * _FOLD[None, :]).sum(axis=1, dtype=np.uint64)
    folded = (folded ^ _BAND_SALT) * _MIX
    return [int(value) for value in folded >> np.uint64(1)]


class BandIndex:
    """MinHash-LSH: signatures cut into BANDS bands of ROWS values; two texts are candidates
    when one band is identical. With 16 bands of 4 rows, a pair at similarity 0.7 is a
    candidate with probability 0.98, at 0.55 with 0.79, at 0.2 with 0.03 (verified exactly
    afterwards, so candidates only cost time); a copy usually resembles several leaders of
    its campaign, and one shared band with any of them is enough."""

    def __init__(self) -> None:
        self.tables: list[dict[bytes, list]] = [defaultdict(list) for _ in range(BANDS)]

    def insert(self, key, sketch: np.ndarray) -> None:
        """Index `key` under each band of its signature."""
        for band, table in enumerate(self.tables):
            table[sketch[band * ROWS : (band + 1) * ROWS].tobytes()].append(key)

    def query(self, sketch: np.ndarray) -> set:
        """Keys sharing at least one band with `sketch`."""
        found: set = set()
        for band, table in enumerate(self.tables):
            bucket = table.get(sketch[band * ROWS : (band + 1) * ROWS].tobytes())
            if bucket:
                found.update(bucket)
        return found


@dataclass
class Leaders:
    """Cluster leaders of one measure, found through MinHash-LSH and verified exactly."""

    threshold: float = THRESHOLD
    index: BandIndex = field(default_factory=BandIndex)
    grams: dict = field(default_factory=dict)
    sketches: dict = field(default_factory=dict)

    def add(self, key, grams: np.ndarray, sketch: np.ndarray | None = None) -> None:
        """Make `key` a leader others can join."""
        sketch = signature(grams) if sketch is None else sketch
        self.index.insert(key, sketch)
        self.grams[key] = grams
        self.sketches[key] = sketch

    def matches(self, grams: np.ndarray, sketch: np.ndarray | None = None) -> list:
        """Leaders at or above the threshold, most similar first."""
        scored = []
        size = grams.size
        for key in self.index.query(signature(grams) if sketch is None else sketch):
            other = self.grams[key]
            # Jaccard can reach t only if the smaller set is at least t times the larger.
            if min(size, other.size) < self.threshold * max(size, other.size):
                continue
            score = jaccard(grams, other)
            if score >= self.threshold:
                scored.append((score, key))
        scored.sort(key=lambda pair: -pair[0])
        return [key for _score, key in scored]

    def best(self, grams: np.ndarray, sketch: np.ndarray | None = None):
        """The most similar leader at or above the threshold, or None."""
        found = self.matches(grams, sketch)
        return found[0] if found else None


def _is_seed(key) -> bool:
    return not isinstance(key, int) or key < 0


def cluster(
    docs: Iterable[tuple[int, str]],
    seeds: Iterable[tuple[object, str]] = (),
    leaders: Leaders | None = None,
) -> dict:
    """Assign each (id, text) in `docs`, in order, to a cluster key: a seed key (an existing
    group to keep) or the id of the earlier doc that leads its cluster. Empty texts get none.

    A doc similar to two leaders joins them into one cluster (an edited copy can sit between
    two variants of a letter); two seeds are never joined: a moderator kept them apart.
    `leaders`, when given, is filled with every leader and its signature (for the band index).
    """
    leaders = Leaders() if leaders is None else leaders
    parent: dict = {}

    def root(key):
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for key, body in seeds:
        grams = shingles(body)
        if grams.size:
            leaders.add(key, grams)
            parent[key] = key
    assignment: dict = {}
    for doc_id, body in docs:
        grams = shingles(body)
        if not grams.size:
            continue
        sketch = signature(grams)
        found = leaders.matches(grams, sketch)
        if not found:
            leaders.add(doc_id, grams, sketch)
            parent[doc_id] = doc_id
            assignment[doc_id] = doc_id
            continue
        target = root(found[0])
        for other in found[1:]:
            other_root = root(other)
            if other_root == target or (_is_seed(target) and _is_seed(other_root)):
                continue
            if _is_seed(other_root) or (not _is_seed(target) and other_root < target):
                target, other_root = other_root, target
            parent[other_root] = target
        assignment[doc_id] = target
    return {doc_id: root(key) for doc_id, key in assignment.items()}


def groups_of(assignment: dict) -> list[set[int]]:
    """The clusters with two members or more (a seed counts as a member)."""
    members: dict = defaultdict(set)
    for doc_id, leader in assignment.items():
        members[leader].add(doc_id)
    return [ids for leader, ids in members.items() if len(ids) > 1 or leader not in ids]
