"""The rows of a measure's results before they are serialised: which opinion items stand in
which row (a staff's 同趣旨 row, or one item alone), in the outline's order, and an item's text
with the comment's hidden spans hidden in it. `results.results_document` serialises them."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from portal.extensions import db
from portal.models import Comment, CommentStatus
from portal.models.items import ItemRepost, OpinionItem, ResultRow
from portal.models.measures import Measure
from portal.services.content import parts
from portal.services.disclosure import snapshot
from portal.services.results import items


def item_pieces(body: str, spans: list[list[int]], hidden: list[list[int]]) -> list[str]:
    """An item's text as visible pieces: its spans of the body (trimmed, joined by " … "),
    every span hidden in the body hidden in it too, wherever the two overlap."""
    text, gaps = "", []
    for index, (start, end) in enumerate(spans):
        while start < end and body[start].isspace():
            start += 1
        while end > start and body[end - 1].isspace():
            end -= 1
        if index:
            text += " … "
        offset = len(text) - start
        text += body[start:end]
        for hidden_start, hidden_end in hidden:
            a, b = max(hidden_start, start), min(hidden_end, end)
            if b > a:
                gaps.append((a + offset, b + offset))
    return snapshot.pieces(text, gaps)


class Labels:
    """Each part's labels in every locale (`services.content.parts`), looked up once; and
    each part's place in the outline's order."""

    def __init__(self, measure: Measure) -> None:
        self.known = {part.key: part.labels for part in parts.parts_for(measure)}
        self.order = {key: index for index, key in enumerate(self.known)}

    def of(self, key: str) -> dict[str, str]:
        """The labels of the part `key` (the key itself when the outline has no such part)."""
        if key not in self.known:
            found = parts.find(key)
            self.known[key] = dict(found.labels) if found is not None else {"ja": key}
        return dict(self.known[key])

    def place(self, key: str) -> int:
        """Where the part `key` stands in the outline (unknown parts last)."""
        return self.order.get(key, len(self.order))


@dataclass
class Entry:
    """A row being built: a written row, or one item standing alone."""

    sort: tuple
    part: str
    row: ResultRow | None = None
    home: list = field(default_factory=list)  # items.Unit counted in this row
    reposts: list = field(default_factory=list)  # items.Unit shown here too (再掲)
    reposted_from: str | None = None

    @property
    def units(self) -> list:
        """The items shown in the row: its own, then those shown again here."""
        return [*self.home, *self.reposts]


def entries(measure: Measure, own: list[Comment], linked: list[Comment], labels: Labels):
    """Every row of the results: written rows, then each item in no row standing as one."""
    written = db.session.scalars(
        select(ResultRow).where(ResultRow.measure_id == measure.id).order_by(ResultRow.id)
    ).all()
    rows = {
        row.id: Entry((labels.place(row.part), 0, row.position, row.id), row.part, row)
        for row in written
    }
    entries = list(rows.values())
    own_units = items.units(own)
    for index, unit in enumerate(own_units):
        if unit.row_id in rows:
            rows[unit.row_id].home.append(unit)
        else:
            entries.append(Entry((labels.place(unit.part), 1, index, 0), unit.part, home=[unit]))
        for row_id in unit.reposts:
            if row_id in rows:
                rows[row_id].reposts.append(unit)
    # items of comments on other measures shown in this measure's rows (再掲)
    seen = {unit.key for unit in own_units}
    foreign_ids = db.session.scalars(
        select(OpinionItem.comment_id)
        .join(ItemRepost, ItemRepost.item_id == OpinionItem.id)
        .where(ItemRepost.row_id.in_(list(rows)))
        .where(OpinionItem.comment_id.not_in([c.id for c in own] or [0]))
    ).all()
    foreign = db.session.scalars(
        select(Comment)
        .where(Comment.id.in_(set(foreign_ids)), Comment.status == CommentStatus.PUBLISHED)
        .order_by(Comment.received_at, Comment.id)
    ).all()
    for unit in items.units(list(foreign)):
        for row_id in unit.reposts:
            if row_id in rows and unit.key not in seen:
                rows[row_id].reposts.append(unit)
    for row in rows.values():
        if not row.home and row.reposts:
            row.reposted_from = row.reposts[0].comment.measure.code
    # comments sent on another measure and linked to this one: 再掲 rows, as before items
    default = next(iter(labels.known))
    for index, unit in enumerate(items.units(linked, part=default, whole=True)):
        entries.append(
            Entry(
                (labels.place(default), 2, index, 0),
                default,
                reposts=[unit],
                reposted_from=unit.comment.measure.code,
            )
        )
    kept = [entry for entry in entries if entry.units]
    return sorted(kept, key=lambda entry: entry.sort), own_units, foreign
