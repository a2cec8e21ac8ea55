"""Campaign groups in the database: regrouping a whole measure, and placing one new comment.

Groups a moderator confirmed, or answered with a city response, are kept as they are (new copies
still join them), and a comment a moderator moved by hand (`group_manual`) stays where it is.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from sqlalchemy import bindparam, delete, or_, select, update

from portal.extensions import db
from portal.models import Comment
from portal.models.moderation import CampaignGroup, CityResponse
from portal.services.moderation.duplicates import index
from portal.services.moderation.duplicates.similarity import (
    THRESHOLD,
    Leaders,
    cluster,
    groups_of,
    jaccard,
    shingles,
    signature,
)


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


def _representatives(group_ids: Iterable[int]) -> Iterator[tuple[int, int, str]]:
    ids = list(group_ids)
    if not ids:
        return
    rows = db.session.execute(
        select(CampaignGroup.id, Comment.id, Comment.body)
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
    seed_comment: dict[int, int] = {}

    def seeds():
        for gid, representative, body in _representatives(kept):
            seed_comment[-gid] = representative
            yield -gid, body

    leaders = Leaders()
    assignment = cluster(docs(), seeds(), leaders)
    # The leaders are what a new comment is compared with: the index holds them and only them.
    index.rebuild(
        measure_id,
        ((seed_comment.get(key, key), sketch) for key, sketch in leaders.sketches.items()),
    )
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

    The candidates come from the band index (`index.candidates`: a few rows whatever the size
    of the measure) and are compared exactly; a comment that matches none becomes a leader in
    the index itself. Standalone and idempotent (safe to run twice, or from a job queue): a
    comment already in a group, or placed by hand, is left alone. The caller commits.
    """
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.group_manual:
        return None
    if comment.group_id is not None:
        return comment.group_id
    grams = shingles(comment.body)
    if not grams.size:
        return None
    sketch = signature(grams)
    found = index.candidates(comment.measure_id, sketch, exclude=comment.id)
    scored = []
    if found:
        for peer_id, body, group_id, manual in db.session.execute(
            select(Comment.id, Comment.body, Comment.group_id, Comment.group_manual).where(
                Comment.id.in_(found), Comment.measure_id == comment.measure_id
            )
        ):
            if manual and group_id is None:  # a moderator said it is no copy
                continue
            other = shingles(body)
            # Jaccard can reach t only if the smaller set is at least t times the larger.
            if min(grams.size, other.size) < threshold * max(grams.size, other.size):
                continue
            score = jaccard(grams, other)
            if score >= threshold:
                # An existing group first (as a moderator sees it), then the closest text.
                scored.append((group_id is not None, score, -peer_id, peer_id, group_id))
    if not scored:
        index.add(comment.measure_id, comment.id, sketch)
        return None
    _grouped, _score, _order, best_peer, best_group = max(scored)
    if best_group is None:
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
