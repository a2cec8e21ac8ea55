"""What moderators do with campaign groups: confirm, take members out, split, merge.

Each action writes an audit record in the caller's transaction. Moving comments by hand marks
them `group_manual`, so automatic grouping never undoes a moderator's choice. Once the
measure's results are published its groups no longer change: a group is a row of the
published table (with its count and the city's response).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update

from portal.extensions import db
from portal.models import Comment, Measure
from portal.models.moderation import CampaignGroup, CityResponse
from portal.models.staff import StaffUser
from portal.services import actions, audit


class GroupRefused(actions.Refused):
    """The group action breaks a rule; `code` says which."""


def members(group: CampaignGroup) -> list[Comment]:
    """The group's comments, oldest first."""
    return list(
        db.session.scalars(
            select(Comment)
            .where(Comment.group_id == group.id)
            .order_by(Comment.received_at, Comment.id)
        )
    )


def member_count(group_id: int) -> int:
    """How many comments the group holds (each still counts as one comment)."""
    return db.session.scalar(select(func.count()).where(Comment.group_id == group_id)) or 0


def _record(action: str, group: CampaignGroup, actor, ip, now, **details) -> None:
    audit.record(
        action,
        actor=actor,
        ip=ip,
        object_type="campaign_group",
        object_id=str(group.id),
        details=details,
        now=now,
    )


def _check_open(group: CampaignGroup, now: datetime) -> None:
    published = db.session.scalar(
        select(Measure.results_published_at).where(Measure.id == group.measure_id)
    )
    if published is not None and published <= now:
        raise GroupRefused("results_published")


def confirm(group: CampaignGroup, *, actor: StaffUser, ip: str | None, now: datetime) -> None:
    """A moderator vouches for the group: regrouping keeps it as it is."""
    _check_open(group, now)
    if group.confirmed:
        raise GroupRefused("already")
    group.confirmed = True
    group.updated_at = now
    _record("group_confirmed", group, actor, ip, now, members=member_count(group.id))
    db.session.flush()


def _own_member_ids(group: CampaignGroup, comment_ids: list[int]) -> list[int]:
    return list(
        db.session.scalars(
            select(Comment.id).where(Comment.group_id == group.id, Comment.id.in_(comment_ids))
        )
    )


def _move(comment_ids: list[int], group_id: int | None) -> None:
    # Core update: a group change is no decision and keeps the optimistic-lock version.
    table = Comment.__table__
    db.session.execute(
        update(table)
        .where(table.c.id.in_(comment_ids))
        .values(group_id=group_id, group_manual=True)
    )


def _receipts(comment_ids: list[int]) -> list[str]:
    return list(
        db.session.scalars(
            select(Comment.receipt_number).where(Comment.id.in_(comment_ids)).order_by(Comment.id)
        )
    )


def _fix_representative(group: CampaignGroup) -> None:
    first = db.session.scalar(
        select(Comment.id)
        .where(Comment.group_id == group.id)
        .order_by(Comment.received_at, Comment.id)
        .limit(1)
    )
    if group.representative_comment_id is None or not db.session.scalar(
        select(func.count()).where(
            Comment.id == group.representative_comment_id, Comment.group_id == group.id
        )
    ):
        group.representative_comment_id = first


def remove_members(
    group: CampaignGroup,
    comment_ids: list[int],
    *,
    into_new_group: bool,
    actor: StaffUser,
    ip: str | None,
    now: datetime,
) -> CampaignGroup | None:
    """Take comments out of the group: alone (they are not copies), or together into a new
    group of their own (a split). Returns the new group, if one was made."""
    _check_open(group, now)
    ids = _own_member_ids(group, comment_ids)
    if not ids:
        raise GroupRefused("none_selected")
    if into_new_group and len(ids) < 2:
        raise GroupRefused("split_needs_two")
    new_group = None
    if into_new_group:
        new_group = CampaignGroup(
            measure_id=group.measure_id, confirmed=True, created_at=now, updated_at=now
        )
        db.session.add(new_group)
        db.session.flush()
    db.session.flush()
    _move(ids, new_group.id if new_group else None)
    receipts = _receipts(ids)
    db.session.expire_all()
    _fix_representative(group)
    group.updated_at = now
    if new_group is not None:
        _fix_representative(new_group)
        _record("group_created_by_split", new_group, actor, ip, now, members=receipts)
    _record(
        "group_split" if new_group else "group_members_removed",
        group,
        actor,
        ip,
        now,
        removed=receipts,
        new_group=new_group.id if new_group else None,
    )
    db.session.flush()
    return new_group


def merge(
    group: CampaignGroup,
    other: CampaignGroup,
    *,
    actor: StaffUser,
    ip: str | None,
    now: datetime,
) -> int:
    """Move every member of `other` into `group` and delete `other`; returns how many moved."""
    _check_open(group, now)
    if other.id == group.id or other.measure_id != group.measure_id:
        raise GroupRefused("not_mergeable")
    answered = db.session.scalar(select(func.count()).where(CityResponse.group_id.in_([other.id])))
    if answered:
        # The other group's response would be lost: the moderator decides which text stays.
        raise GroupRefused("other_has_response")
    moved = list(db.session.scalars(select(Comment.id).where(Comment.group_id == other.id)))
    db.session.flush()
    _move(moved, group.id)
    group.confirmed = True
    group.updated_at = now
    other_id = other.id
    db.session.delete(other)
    _record("group_merged", group, actor, ip, now, merged_group=other_id, moved=len(moved))
    db.session.flush()
    return len(moved)
