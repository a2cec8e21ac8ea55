"""Campaigns: near-identical comments on one measure, grouped so moderators decide once.

Texts are normalised (NFKC, case folded, punctuation and symbols dropped, whitespace collapsed)
and cut into character 3-grams ("shingles", which work for Japanese without word boundaries).
Two comments are near-duplicates when the Jaccard similarity of their shingle sets reaches
`THRESHOLD`; edited copies of one letter score 0.45-0.95, unrelated comments below 0.2.

A full regrouping finds candidates with MinHash-LSH (banding, numpy) and verifies every candidate
exactly, so LSH can only cost recall, never precision. It clusters around leaders: each comment,
in the order received, joins the most similar existing group leader or becomes a leader itself.
A campaign of 10,000 copies then costs 10,000 comparisons, not 50 million.

Groups a moderator confirmed, or answered with a city response, are kept as they are (new copies
still join them), and a comment a moderator moved by hand (`group_manual`) stays where it is.
Every comment still counts as one comment: a group only records who belongs together.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import bindparam, delete, func, or_, select, update

from portal.extensions import db
from portal.models import Comment
from portal.models.moderation import CampaignGroup, CityResponse

log = logging.getLogger(__name__)

THRESHOLD = 0.4
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


class BandIndex:
    """MinHash-LSH: signatures cut into BANDS bands of ROWS values; two texts are candidates
    when one band is identical. With 21 bands of 3 rows, a pair at similarity 0.4 is a
    candidate with probability 0.75, at 0.5 with 0.94, at 0.2 with 0.16 (verified exactly
    afterwards, so candidates only cost time)."""

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

    def add(self, key, grams: np.ndarray, sketch: np.ndarray | None = None) -> None:
        """Make `key` a leader others can join."""
        self.index.insert(key, signature(grams) if sketch is None else sketch)
        self.grams[key] = grams

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


def cluster(docs: Iterable[tuple[int, str]], seeds: Iterable[tuple[object, str]] = ()) -> dict:
    """Assign each (id, text) in `docs`, in order, to a cluster key: a seed key (an existing
    group to keep) or the id of the earlier doc that leads its cluster. Empty texts get none.

    A doc similar to two leaders joins them into one cluster (an edited copy can sit between
    two variants of a letter); two seeds are never joined: a moderator kept them apart.
    """
    leaders = Leaders()
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


# --- the database side ------------------------------------------------------------------------


def _kept_group_ids(measure_id: int) -> set[int]:
    """Groups a moderator vouched for: confirmed, or answered with a city response."""
    answered = select(CityResponse.group_id).where(CityResponse.group_id.is_not(None))
    return set(
        db.session.scalars(
            select(CampaignGroup.id).where(
                CampaignGroup.measure_id == measure_id,
                or_(CampaignGroup.confirmed.is_(True), CampaignGroup.id.in_(answered)),
            )
        )
    )


def _representative_texts(group_ids: Iterable[int]) -> Iterator[tuple[int, str]]:
    ids = list(group_ids)
    if not ids:
        return
    rows = db.session.execute(
        select(CampaignGroup.id, Comment.body)
        .join(Comment, Comment.id == CampaignGroup.representative_comment_id)
        .where(CampaignGroup.id.in_(ids))
    )
    yield from rows


@dataclass
class RegroupResult:
    """What a regrouping did, in numbers (for the command's output and the audit record)."""

    comments: int = 0
    groups: int = 0
    grouped_comments: int = 0
    changed: int = 0


def regroup_measure(measure_id: int) -> RegroupResult:
    """Recompute the automatic groups of one measure (kept groups and manual moves stay)."""
    kept = _kept_group_ids(measure_id)
    rows = db.session.execute(
        select(Comment.id, Comment.body, Comment.group_id)
        .where(
            Comment.measure_id == measure_id,
            Comment.group_manual.is_(False),
            or_(Comment.group_id.is_(None), Comment.group_id.not_in(kept) if kept else True),
        )
        .order_by(Comment.received_at, Comment.id)
        .execution_options(yield_per=5000)
    )
    previous: dict[int, int | None] = {}

    def docs():
        for comment_id, body, group_id in rows:
            previous[comment_id] = group_id
            yield comment_id, body

    # Seed keys are negative group ids, so they never collide with comment ids.
    assignment = cluster(docs(), ((-gid, body) for gid, body in _representative_texts(kept)))
    result = RegroupResult(comments=len(previous))

    old_auto = set(
        db.session.scalars(
            select(CampaignGroup.id).where(
                CampaignGroup.measure_id == measure_id, CampaignGroup.id.not_in(kept or {0})
            )
        )
    )
    by_representative = dict(
        db.session.execute(
            select(CampaignGroup.representative_comment_id, CampaignGroup.id).where(
                CampaignGroup.id.in_(old_auto or {0})
            )
        ).all()
    )
    target: dict[int, int | None] = dict.fromkeys(previous, None)
    reused: set[int] = set()
    for members in groups_of(assignment):
        leader = assignment[next(iter(members))]
        if isinstance(leader, int) and leader < 0:
            group_id = -leader
        else:
            group_id = by_representative.get(leader)
            if group_id is None or group_id in reused:
                earlier = Counter(previous[m] for m in members if previous[m] in old_auto)
                group_id = next((g for g, _n in earlier.most_common() if g not in reused), None)
            if group_id is None:
                group = CampaignGroup(measure_id=measure_id, representative_comment_id=leader)
                db.session.add(group)
                db.session.flush()
                group_id = group.id
            else:
                db.session.execute(
                    update(CampaignGroup)
                    .where(CampaignGroup.id == group_id)
                    .values(representative_comment_id=leader)
                )
            reused.add(group_id)
        for member in members:
            if member in target:
                target[member] = group_id
        result.groups += 1
        result.grouped_comments += len(members)
    changes = [{"cid": cid, "gid": gid} for cid, gid in target.items() if previous.get(cid) != gid]
    if changes:
        table = Comment.__table__
        # Core, not the ORM: grouping is no decision, so it leaves the optimistic-lock version
        # alone (a moderator's open page stays valid).
        db.session.execute(
            update(table).where(table.c.id == bindparam("cid")).values(group_id=bindparam("gid")),
            changes,
        )
    stale = old_auto - reused
    if stale:
        still_used = set(
            db.session.scalars(
                select(Comment.group_id).where(Comment.group_id.in_(stale)).distinct()
            )
        )
        removable = stale - still_used
        if removable:
            db.session.execute(delete(CampaignGroup).where(CampaignGroup.id.in_(removable)))
    result.changed = len(changes)
    db.session.flush()
    return result


def group_new_comment(comment_id: int, threshold: float = THRESHOLD) -> int | None:
    """Put one newly arrived comment into its campaign group, if it has one; return the group.

    Standalone and idempotent (safe to run twice, or from a job queue): a comment already in a
    group, or placed by hand, is left alone. The caller commits.
    """
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.group_manual:
        return None
    if comment.group_id is not None:
        return comment.group_id
    grams = shingles(comment.body)
    if not grams.size:
        return None
    best_group, best_score = None, threshold
    for group_id, body in db.session.execute(
        select(CampaignGroup.id, Comment.body)
        .join(Comment, Comment.id == CampaignGroup.representative_comment_id)
        .where(CampaignGroup.measure_id == comment.measure_id)
    ):
        score = jaccard(grams, shingles(body))
        if score >= best_score:
            best_group, best_score = group_id, score
    if best_group is None:
        # Jaccard >= t needs shingle counts within a factor t of each other; text lengths
        # track shingle counts loosely (punctuation), hence the wider margin.
        length = len(comment.body)
        low, high = int(length * threshold * 0.6), int(length / (threshold * 0.6)) + 3
        best_peer = None
        for peer_id, body in db.session.execute(
            select(Comment.id, Comment.body)
            .where(
                Comment.measure_id == comment.measure_id,
                Comment.id != comment.id,
                Comment.group_id.is_(None),
                Comment.group_manual.is_(False),
                func.length(Comment.body).between(low, high),
            )
            .order_by(Comment.received_at, Comment.id)
            .execution_options(yield_per=2000)
        ):
            score = jaccard(grams, shingles(body))
            if score >= best_score:
                best_peer, best_score = peer_id, score
        if best_peer is None:
            return None
        group = CampaignGroup(measure_id=comment.measure_id, representative_comment_id=best_peer)
        db.session.add(group)
        db.session.flush()
        best_group = group.id
        _set_group([best_peer], group.id)
    _set_group([comment.id], best_group)
    return best_group


def _set_group(comment_ids: list[int], group_id: int | None) -> None:
    db.session.execute(
        update(Comment.__table__)
        .where(Comment.__table__.c.id.in_(comment_ids))
        .values(group_id=group_id)
    )
