"""Opinion items (意見): a moderator splits an approved comment into the points it makes.

What counts, whatever screen asks (`units`):
- a comment with no item written is one item covering its whole text;
- a campaign group's members share the items of the group's representative (its own items, or
  its whole text), and each member counts: a 3-point campaign letter sent by 100 people is 300
  items. A member that adds points of its own is taken out: it gets items of its own;
- an item in no row of the results stands in a row of its own, answered (for an unsplit
  comment) by the comment's or the group's `CityResponse`, as before items existed.

Items change only while the results are unpublished; every change is audited (which comment,
how many items, which parts: never a resident's words).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, func, select

from portal.extensions import db
from portal.models import Comment, CommentStatus
from portal.models.items import ItemRepost, ItemRuleError, OpinionItem, ResultRow, clean_spans
from portal.models.moderation import CampaignGroup, CityResponse
from portal.models.staff import StaffUser
from portal.services import actions
from portal.services.content import parts

MAX_ITEMS = 50


class ItemRefused(actions.Refused):
    """The change breaks a rule; `code` says which."""


@dataclass(frozen=True)
class ItemInput:
    """One item as a moderator marked it: spans of the text, its part, its gist."""

    spans: list[list[int]]
    part: str
    summary: str = ""


@dataclass
class Unit:
    """An opinion item as the results count it: written by a moderator, or a comment's (or a
    campaign group's) whole text. `key` is the item's id, or minus the comment's id for a
    whole text; `members` are the comments it counts for (its count)."""

    key: int
    comment: Comment
    spans: list[list[int]]
    part: str
    summary: str | None
    row_id: int | None
    members: list[Comment]
    position: int = 1
    response: CityResponse | None = None  # answers the item while it is in no row
    reposts: list[int] = field(default_factory=list)  # rows it shows in besides its own (再掲)

    @property
    def explicit(self) -> bool:
        """True for an item a moderator wrote (not a whole text standing as one)."""
        return self.key > 0

    @property
    def count(self) -> int:
        """How many items this stands for: one per comment it counts for."""
        return len(self.members)

    @property
    def whole(self) -> bool:
        """True when the item is the comment's whole text."""
        return self.spans == [[0, len(self.comment.body)]]

    def text(self) -> str:
        """The item's text (unredacted: for staff screens only)."""
        return " … ".join(self.comment.body[s:e].strip() for s, e in self.spans)


def _check_open(comment: Comment, now: datetime) -> None:
    published = comment.measure.results_published_at
    if published is not None and published <= now:
        raise ItemRefused("results_published")
    if comment.status != CommentStatus.PUBLISHED:
        raise ItemRefused("not_approved")


def items_of(comment: Comment) -> list[OpinionItem]:
    """The items a moderator wrote for `comment`, in order (none: it is one item)."""
    return db.session.scalars(
        select(OpinionItem)
        .where(OpinionItem.comment_id == comment.id)
        .order_by(OpinionItem.position)
    ).all()


def _validated(comment: Comment, pieces: list[ItemInput]) -> list[tuple[list, str, str | None]]:
    if not pieces:
        raise ItemRefused("no_items")
    if len(pieces) > MAX_ITEMS:
        raise ItemRefused("too_many")
    checked = []
    for piece in pieces:
        try:
            spans = clean_spans(piece.spans, len(comment.body))
        except ItemRuleError as error:
            raise ItemRefused(error.code) from error
        if parts.find(piece.part) is None:
            raise ItemRefused("unknown_part")
        summary = piece.summary.replace("\r\n", "\n").strip() or None
        if summary is not None and len(summary) > 4000:
            raise ItemRefused("too_long")
        checked.append((spans, piece.part, summary))
    # in the order of the text, so the annex and the screens read top to bottom
    return sorted(checked, key=lambda entry: entry[0][0])


def split(
    comment: Comment,
    pieces: list[ItemInput],
    *,
    actor: StaffUser,
    ip: str | None,
    now: datetime,
) -> list[OpinionItem]:
    """Make `pieces` the items of `comment` (splitting again replaces the items before, which
    leave their rows). A member of a campaign group that gets items of its own no longer
    shares the group's."""
    _check_open(comment, now)
    checked = _validated(comment, pieces)
    before = items_of(comment)
    _remove(before)
    made = []
    for position, (spans, part, summary) in enumerate(checked, start=1):
        item = OpinionItem(
            comment_id=comment.id,
            position=position,
            spans=spans,
            part=part,
            summary=summary,
            created_by_id=actor.id,
            created_at=now,
            updated_at=now,
        )
        db.session.add(item)
        made.append(item)
    db.session.flush()
    actions.record(
        "items_split" if not before else "items_resplit",
        comment,
        actor=actor,
        ip=ip,
        now=now,
        items=len(made),
        before=len(before),
        parts=sorted({item.part for item in made}),
        group_id=comment.group_id,
    )
    return made


def _remove(found: list[OpinionItem]) -> None:
    """Delete items, and each row of the results they leave empty."""
    if not found:
        return
    rows = {item.row_id for item in found if item.row_id is not None}
    ids = [item.id for item in found]
    rows |= set(db.session.scalars(select(ItemRepost.row_id).where(ItemRepost.item_id.in_(ids))))
    db.session.execute(delete(ItemRepost).where(ItemRepost.item_id.in_(ids)))
    for item in found:
        db.session.delete(item)
    db.session.flush()
    for row_id in rows:
        held = db.session.scalar(
            select(func.count()).where(OpinionItem.row_id == row_id)
        ) + db.session.scalar(select(func.count()).where(ItemRepost.row_id == row_id))
        if not held:
            db.session.execute(delete(ResultRow).where(ResultRow.id == row_id))
    db.session.flush()


def take_out(comment: Comment, *, actor: StaffUser, ip: str | None, now: datetime) -> OpinionItem:
    """A campaign member that adds points of its own: its whole text becomes its own item
    (split it further on its page); it no longer counts under the group's items."""
    _check_open(comment, now)
    if comment.group_id is None:
        raise ItemRefused("not_in_group")
    group = db.session.get(CampaignGroup, comment.group_id)
    if group is not None and group.representative_comment_id == comment.id:
        raise ItemRefused("representative")
    if items_of(comment):
        raise ItemRefused("already_own_items")
    (item,) = split(
        comment,
        [ItemInput([[0, len(comment.body)]], parts.default_part(comment.measure))],
        actor=actor,
        ip=ip,
        now=now,
    )
    return item


def edit(
    item: OpinionItem,
    data: ItemInput,
    *,
    actor: StaffUser,
    ip: str | None,
    now: datetime,
) -> bool:
    """Change one item's spans, part or gist. Returns whether anything changed."""
    comment = db.session.get(Comment, item.comment_id)
    _check_open(comment, now)
    ((spans, part, summary),) = _validated(comment, [data])
    before = (item.spans, item.part, item.summary)
    if before == (spans, part, summary):
        return False
    item.spans, item.part, item.summary, item.updated_at = spans, part, summary, now
    db.session.flush()
    actions.record(
        "item_edited",
        comment,
        actor=actor,
        ip=ip,
        now=now,
        item=item.position,
        fields=[
            name
            for name, old, new in zip(
                ("spans", "part", "summary"), before, (spans, part, summary), strict=True
            )
            if old != new
        ],
        part=part,
    )
    return True


def unsplit(comment: Comment, *, actor: StaffUser, ip: str | None, now: datetime) -> int:
    """Take a comment's items away: it is one item again (a group member shares the group's
    items again). Returns how many items went."""
    _check_open(comment, now)
    before = items_of(comment)
    _remove(before)
    if before:
        actions.record("items_removed", comment, actor=actor, ip=ip, now=now, before=len(before))
    return len(before)


def materialise(unit: Unit, *, actor: StaffUser, now: datetime) -> OpinionItem:
    """The written item behind `unit`: a whole text standing as one item becomes an item of
    its comment (so staff can put it into a row)."""
    if unit.explicit:
        return db.session.get(OpinionItem, unit.key)
    item = OpinionItem(
        comment_id=unit.comment.id,
        position=1,
        spans=[[0, len(unit.comment.body)]],
        part=unit.part,
        summary=None,
        created_by_id=actor.id,
        created_at=now,
        updated_at=now,
    )
    db.session.add(item)
    db.session.flush()
    return item


def units(comments: list[Comment], part: str | None = None, whole: bool = False) -> list[Unit]:
    """The opinion items of approved `comments` as the results count them, in the order of the
    comments (a campaign group's where its first member stands), each comment's in order. A
    whole text stands under `part`, else under its measure as a whole. `whole`: each comment
    (or group) as its whole text, whatever items it has (a comment of another measure linked
    to this one, 再掲, shows as it did before items)."""
    if not comments:
        return []
    ids = [] if whole else [c.id for c in comments]
    written: dict[int, list[OpinionItem]] = {}
    for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
        for item in db.session.scalars(
            select(OpinionItem)
            .where(OpinionItem.comment_id.in_(chunk))
            .order_by(OpinionItem.comment_id, OpinionItem.position)
        ):
            written.setdefault(item.comment_id, []).append(item)
    reposts: dict[int, list[int]] = {}
    item_ids = [item.id for found in written.values() for item in found]
    for chunk in (item_ids[i : i + 500] for i in range(0, len(item_ids), 500)):
        for item_id, row_id in db.session.execute(
            select(ItemRepost.item_id, ItemRepost.row_id)
            .where(ItemRepost.item_id.in_(chunk))
            .order_by(ItemRepost.row_id)
        ):
            reposts.setdefault(item_id, []).append(row_id)
    responses = _responses(comments)
    group_ids = sorted({c.group_id for c in comments if c.group_id})
    representatives = dict(
        db.session.execute(
            select(CampaignGroup.id, CampaignGroup.representative_comment_id).where(
                CampaignGroup.id.in_(group_ids)
            )
        ).all()
    )
    gathered: dict[tuple[str, int], list[Comment]] = {}
    for comment in comments:
        key = ("group", comment.group_id) if comment.group_id else ("comment", comment.id)
        gathered.setdefault(key, []).append(comment)
    found: list[Unit] = []
    defaults = _Defaults(part)
    for members in gathered.values():
        first = members[0]
        standing = next((m for m in members if m.id == representatives.get(first.group_id)), first)
        # members with items of their own stand alone; the rest share the standing comment's
        sharing = [m for m in members if m is standing or m.id not in written]
        response = responses.get(("group", first.group_id)) if first.group_id else None
        response = response or responses.get(("comment", standing.id))
        found.extend(_units_of(standing, sharing, written, reposts, response, defaults))
        for member in members:
            if member is not standing and member.id in written:
                found.extend(_units_of(member, [member], written, reposts, None, defaults))
    return found


class _Defaults:
    """The part a whole text stands under: given, else its measure as a whole (once each)."""

    def __init__(self, part: str | None) -> None:
        self.part = part
        self.by_measure: dict[int, str] = {}

    def of(self, comment: Comment) -> str:
        if self.part:
            return self.part
        if comment.measure_id not in self.by_measure:
            self.by_measure[comment.measure_id] = parts.default_part(comment.measure)
        return self.by_measure[comment.measure_id]


def _units_of(comment, members, written, reposts, response, defaults: _Defaults) -> list[Unit]:
    items = written.get(comment.id)
    if not items:
        return [
            Unit(
                key=-comment.id,
                comment=comment,
                spans=[[0, len(comment.body)]],
                part=defaults.of(comment),
                summary=(response.summary or "").strip() or None if response else None,
                row_id=None,
                members=members,
                response=response,
            )
        ]
    return [
        Unit(
            key=item.id,
            comment=comment,
            spans=[list(span) for span in item.spans],
            part=item.part,
            summary=item.summary,
            row_id=item.row_id,
            members=members,
            position=item.position,
            reposts=reposts.get(item.id, []),
        )
        for item in items
    ]


def _responses(comments: list[Comment]) -> dict[tuple[str, int], CityResponse]:
    comment_ids = [c.id for c in comments]
    group_ids = list({c.group_id for c in comments if c.group_id})
    found: dict[tuple[str, int], CityResponse] = {}
    for chunk in (comment_ids[i : i + 500] for i in range(0, len(comment_ids), 500)):
        for response in db.session.scalars(
            select(CityResponse).where(CityResponse.comment_id.in_(chunk))
        ):
            found[("comment", response.comment_id)] = response
    if group_ids:
        for response in db.session.scalars(
            select(CityResponse).where(CityResponse.group_id.in_(group_ids))
        ):
            found[("group", response.group_id)] = response
    return found
