"""The rows of a measure's results (同趣旨): staff put opinion items of one gist, from any
comments, into one row with one 要旨, one 対応区分 and one 市の考え方.

Rules kept here, whatever screen asks:
- a row holds items of comments on its own measure (they count there); an item may show in a
  row of another part or measure as well (`repost`, 再掲), where it does not count again;
- rows change only until the results are published; after that the published version stands
  and only a dated correction (`publication.add_correction`) speaks of it;
- every change is audited on the measure (row ids, counts, parts, the category: never a text).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select

from portal.extensions import db
from portal.models import Comment, CommentStatus, Measure
from portal.models.items import ItemRepost, ItemRuleError, OpinionItem, ResultRow
from portal.models.staff import StaffUser
from portal.services import actions
from portal.services.content import parts
from portal.services.results import items as opinion_items


class RowRefused(actions.Refused):
    """The change breaks a rule; `code` says which."""


def _check_open(measure: Measure, now: datetime) -> None:
    published = measure.results_published_at
    if published is not None and published <= now:
        raise RowRefused("results_published")


def rows_of(measure: Measure) -> list[ResultRow]:
    """The measure's written rows in the results' order: by part (the outline's order), then
    by position."""
    order = parts.order_of(measure)
    found = db.session.scalars(select(ResultRow).where(ResultRow.measure_id == measure.id)).all()
    return sorted(found, key=lambda row: (order.get(row.part, len(order)), row.position, row.id))


def units_of(measure: Measure) -> list[opinion_items.Unit]:
    """The opinion items of the measure's approved comments, as the results count them."""
    comments = db.session.scalars(
        select(Comment)
        .where(Comment.measure_id == measure.id, Comment.status == CommentStatus.PUBLISHED)
        .order_by(Comment.received_at, Comment.id)
    ).all()
    return opinion_items.units(list(comments))


def _items(
    measure: Measure, keys: list[int], *, actor: StaffUser, now: datetime
) -> list[OpinionItem]:
    """The written items behind `keys` (a whole text becomes an item of its own), each of an
    approved comment on `measure`."""
    if not keys:
        raise RowRefused("no_items")
    units = {unit.key: unit for unit in units_of(measure)}
    if any(key not in units for key in keys):
        raise RowRefused("unknown_item")
    return [
        opinion_items.materialise(units[key], actor=actor, now=now) for key in dict.fromkeys(keys)
    ]


def _next_position(measure: Measure, part: str) -> int:
    last = db.session.scalar(
        select(func.max(ResultRow.position)).where(
            ResultRow.measure_id == measure.id, ResultRow.part == part
        )
    )
    return (last or 0) + 1


def _record(action: str, measure: Measure, actor, ip, now, **details) -> None:
    actions.record(action, measure, actor=actor, ip=ip, now=now, **details)


def create_row(
    measure: Measure,
    keys: list[int],
    *,
    part: str | None = None,
    actor: StaffUser,
    ip: str | None,
    now: datetime,
) -> ResultRow:
    """A new row holding the items `keys` (item ids, or minus a comment's id for a whole text),
    under `part` (else the first item's part)."""
    _check_open(measure, now)
    found = _items(measure, keys, actor=actor, now=now)
    left = {item.row_id for item in found if item.row_id is not None}
    part = part or found[0].part
    if parts.find(part) is None:
        raise RowRefused("unknown_part")
    row = ResultRow(
        measure_id=measure.id,
        position=_next_position(measure, part),
        part=part,
        created_at=now,
        updated_at=now,
    )
    db.session.add(row)
    db.session.flush()
    for item in found:
        item.row_id = row.id
    db.session.flush()
    for old in left:
        drop_if_empty(db.session.get(ResultRow, old))
    _record("row_created", measure, actor, ip, now, row=row.id, items=len(found), part=part)
    return row


def add_items(
    row: ResultRow, keys: list[int], *, actor: StaffUser, ip: str | None, now: datetime
) -> int:
    """Put the items `keys` into `row` (out of whatever row they were in)."""
    measure = db.session.get(Measure, row.measure_id)
    _check_open(measure, now)
    found = _items(measure, keys, actor=actor, now=now)
    left = {item.row_id for item in found if item.row_id not in (None, row.id)}
    for item in found:
        item.row_id = row.id
    row.updated_at = now
    db.session.flush()
    for old in left:
        drop_if_empty(db.session.get(ResultRow, old))
    _record("row_items_added", measure, actor, ip, now, row=row.id, items=len(found))
    return len(found)


def remove_items(
    row: ResultRow, item_ids: list[int], *, actor: StaffUser, ip: str | None, now: datetime
) -> int:
    """Take items out of `row` (they stand alone until put into another row); reposted items
    leave the row too. An emptied row goes."""
    measure = db.session.get(Measure, row.measure_id)
    _check_open(measure, now)
    moved = 0
    for item in db.session.scalars(
        select(OpinionItem).where(OpinionItem.row_id == row.id, OpinionItem.id.in_(item_ids))
    ):
        item.row_id = None
        moved += 1
    moved += db.session.execute(
        delete(ItemRepost).where(ItemRepost.row_id == row.id, ItemRepost.item_id.in_(item_ids))
    ).rowcount
    db.session.flush()
    _record("row_items_removed", measure, actor, ip, now, row=row.id, items=moved)
    drop_if_empty(row)
    return moved


def drop_if_empty(row: ResultRow | None) -> bool:
    """Delete `row` when no item is left in it. Returns whether it went."""
    if row is None:
        return False
    held = db.session.scalar(select(func.count()).where(OpinionItem.row_id == row.id))
    reposted = db.session.scalar(select(func.count()).where(ItemRepost.row_id == row.id))
    if held or reposted:
        return False
    db.session.delete(row)
    db.session.flush()
    return True


def split_row(
    row: ResultRow, item_ids: list[int], *, actor: StaffUser, ip: str | None, now: datetime
) -> ResultRow:
    """Move `item_ids` out of `row` into a new row of the same part, right after it (the new
    row is answered afresh: its gist differs)."""
    measure = db.session.get(Measure, row.measure_id)
    _check_open(measure, now)
    moving = db.session.scalars(
        select(OpinionItem).where(OpinionItem.row_id == row.id, OpinionItem.id.in_(item_ids))
    ).all()
    held = db.session.scalar(select(func.count()).where(OpinionItem.row_id == row.id))
    if not moving:
        raise RowRefused("no_items")
    if len(moving) == held:
        raise RowRefused("split_all")
    for later in db.session.scalars(
        select(ResultRow).where(
            ResultRow.measure_id == row.measure_id,
            ResultRow.part == row.part,
            ResultRow.position > row.position,
        )
    ):
        later.position += 1
    new = ResultRow(
        measure_id=row.measure_id,
        position=row.position + 1,
        part=row.part,
        created_at=now,
        updated_at=now,
    )
    db.session.add(new)
    db.session.flush()
    for item in moving:
        item.row_id = new.id
    db.session.flush()
    _record("row_split", measure, actor, ip, now, row=row.id, new_row=new.id, items=len(moving))
    return new


def merge_rows(
    rows: list[ResultRow], *, actor: StaffUser, ip: str | None, now: datetime
) -> ResultRow:
    """Merge `rows` into the first of them (its part and its answer stay; an unanswered first
    row takes the first answer found among the others)."""
    if len(rows) < 2 or len({row.measure_id for row in rows}) != 1:
        raise RowRefused("merge_needs_two")
    measure = db.session.get(Measure, rows[0].measure_id)
    _check_open(measure, now)
    target, others = rows[0], rows[1:]
    for other in others:
        if not target.summary and other.summary:
            target.summary = other.summary
        if not target.category and not target.text_ja and other.answered:
            target.category, target.text_ja = other.category, other.text_ja
            target.written_by_id, target.written_at = other.written_by_id, other.written_at
        for item in db.session.scalars(select(OpinionItem).where(OpinionItem.row_id == other.id)):
            item.row_id = target.id
        held = set(
            db.session.scalars(select(ItemRepost.item_id).where(ItemRepost.row_id == target.id))
        )
        for repost in db.session.scalars(select(ItemRepost).where(ItemRepost.row_id == other.id)):
            if repost.item_id in held:
                db.session.delete(repost)
            else:
                db.session.add(ItemRepost(item_id=repost.item_id, row_id=target.id, created_at=now))
                db.session.delete(repost)
        db.session.flush()
        db.session.delete(other)
    target.updated_at = now
    db.session.flush()
    _record("rows_merged", measure, actor, ip, now, row=target.id, merged=[r.id for r in others])
    return target


def move(row: ResultRow, step: int, *, actor: StaffUser, ip: str | None, now: datetime) -> bool:
    """Move `row` up (step -1) or down (+1) among the rows of its part. Returns whether it moved."""
    measure = db.session.get(Measure, row.measure_id)
    _check_open(measure, now)
    same = [r for r in rows_of(measure) if r.part == row.part]
    for index, other in enumerate(same):
        other.position = index + 1  # positions without gaps before swapping
    index = same.index(row)
    target = index + (1 if step > 0 else -1)
    if not 0 <= target < len(same):
        return False
    same[index].position, same[target].position = same[target].position, same[index].position
    db.session.flush()
    _record("row_moved", measure, actor, ip, now, row=row.id, step=1 if step > 0 else -1)
    return True


def answer(
    row: ResultRow,
    *,
    summary: str,
    category: str,
    text_ja: str,
    part: str | None = None,
    actor: StaffUser,
    ip: str | None,
    now: datetime,
) -> bool:
    """Write the row's 要旨, 対応区分 and 市の考え方 (and move it to another part). Returns
    whether anything changed."""
    measure = db.session.get(Measure, row.measure_id)
    _check_open(measure, now)
    before = (row.summary, row.category, row.text_ja, row.part)
    try:
        row.answer(summary, category, text_ja)
    except ItemRuleError as error:
        raise RowRefused(error.code) from error
    if part and part != row.part:
        if parts.find(part) is None:
            raise RowRefused("unknown_part")
        row.part, row.position = part, _next_position(measure, part)
    after = (row.summary, row.category, row.text_ja, row.part)
    if before == after:
        return False
    row.written_by_id, row.written_at, row.updated_at = actor.id, now, now
    db.session.flush()
    _record(
        "row_answered",
        measure,
        actor,
        ip,
        now,
        row=row.id,
        fields=[
            name
            for name, old, new in zip(
                ("summary", "category", "text_ja", "part"), before, after, strict=True
            )
            if old != new
        ],
        category=row.category,
        part=row.part,
    )
    return True


def repost(
    item: OpinionItem, row: ResultRow, *, actor: StaffUser, ip: str | None, now: datetime
) -> None:
    """Show `item` in `row` as well (再掲): the row concerns another part it speaks of."""
    measure = db.session.get(Measure, row.measure_id)
    _check_open(measure, now)
    home = db.session.get(Comment, item.comment_id).measure
    _check_open(home, now)
    if item.row_id == row.id:
        raise RowRefused("already_in_row")
    if db.session.get(ItemRepost, (item.id, row.id)) is None:
        db.session.add(
            ItemRepost(item_id=item.id, row_id=row.id, created_by_id=actor.id, created_at=now)
        )
        db.session.flush()
    _record("item_reposted", measure, actor, ip, now, row=row.id, item=item.id)


def delete_row(row: ResultRow, *, actor: StaffUser, ip: str | None, now: datetime) -> None:
    """Delete a row: its items stand alone again."""
    measure = db.session.get(Measure, row.measure_id)
    _check_open(measure, now)
    for item in db.session.scalars(select(OpinionItem).where(OpinionItem.row_id == row.id)):
        item.row_id = None
    db.session.execute(delete(ItemRepost).where(ItemRepost.row_id == row.id))
    db.session.flush()
    db.session.delete(row)
    db.session.flush()
    _record("row_deleted", measure, actor, ip, now, row=row.id)
