"""The rows of a measure's results (同趣旨): staff join opinion items of one gist into a row,
split, merge and order rows, and write each row's 要旨, 対応区分 and 市の考え方 in one form."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.converters import parse_int
from portal.database import utcnow
from portal.extensions import db
from portal.models import Measure
from portal.models.items import OpinionItem, ResultRow
from portal.models.moderation import ResponseCategory
from portal.moderation import bp
from portal.moderation.forms import ActionForm
from portal.moderation.items import part_choices
from portal.services import actions
from portal.services.moderation.responses import CATEGORY_LABELS_JA
from portal.services.results import rows
from portal.staff_access import client_address, current_staff

ROW_REFUSALS = {
    "results_published": _l(
        "The results of this measure are published: its rows can no longer change. Add a "
        "dated correction on the results page instead."
    ),
    "no_items": _l("Select at least one item."),
    "unknown_item": _l("An item was not found. Reload the page and try again."),
    "unknown_part": _l("Choose the part of the outline the row is about."),
    "split_all": _l("Leave at least one item in the row: select only the items to move."),
    "merge_needs_two": _l("Select two or more rows to merge."),
    "unknown_category": _l("Choose a response category."),
    "too_long": _l("The text is too long."),
    "already_in_row": _l("The item is already in that row."),
}


def _measure(code: str) -> Measure:
    measure = db.session.scalar(select(Measure).where(Measure.code == code[:10]))
    if measure is None:
        abort(404)
    return measure


def _keys(name: str) -> list[int]:
    """The item keys (or row ids) a form's checkboxes chose: an item's id, or minus the id of
    a comment whose whole text stands as one item."""
    found = []
    for value in request.form.getlist(name)[:1000]:
        sign = -1 if value.startswith("-") else 1
        number = parse_int(value.removeprefix("-"))
        if number:
            found.append(sign * number)
    return found


@bp.route("/rows")
def rows_index():
    """The rows pages, one per measure."""
    measures = db.session.scalars(select(Measure).order_by(Measure.id)).all()
    return render_template("moderation/rows_index.html", measures=measures)


@bp.route("/measures/<code>/rows")
def measure_rows(code: str):
    """The rows of a measure's results with their items, and the items in no row yet."""
    measure = _measure(code)
    units = rows.units_of(measure)
    written = rows.rows_of(measure)
    in_row: dict[int, list] = {row.id: [] for row in written}
    loose = []
    for unit in units:
        if unit.row_id in in_row:
            in_row[unit.row_id].append(unit)
        else:
            loose.append(unit)
    reposted: dict[int, list] = {row.id: [] for row in written}
    for unit in units:
        for row_id in unit.reposts:
            if row_id in reposted:
                reposted[row_id].append(unit)
    labels = dict(part_choices(measure))
    sections: list[tuple[str, list]] = []
    for row in written:
        if not sections or sections[-1][0] != row.part:
            sections.append((row.part, []))
        sections[-1][1].append(row)
    return render_template(
        "moderation/rows.html",
        measure=measure,
        sections=sections,
        in_row=in_row,
        reposted=reposted,
        loose=loose,
        labels=labels,
        parts=part_choices(measure),
        categories=[(c.value, CATEGORY_LABELS_JA[c]) for c in ResponseCategory],
        items_total=sum(unit.count for unit in units),
        published=measure.results_published_at is not None,
        form=ActionForm(),
    )


def _change(measure: Measure, apply, anchor: str = ""):
    """One POST on the rows page: check the form, apply, commit, say what happened."""
    if not ActionForm().validate_on_submit():
        abort(400)
    staff = {"actor": current_staff(), "ip": client_address(), "now": utcnow()}
    try:
        message = apply(staff)
        db.session.commit()
    except actions.Refused as refusal:
        db.session.rollback()
        flash(str(ROW_REFUSALS.get(refusal.code, _l("This change is not allowed."))), "error")
        return redirect(url_for("moderation.measure_rows", code=measure.code), 303)
    flash(message, "message")
    return redirect(url_for("moderation.measure_rows", code=measure.code) + anchor, 303)


def _row(measure: Measure, row_id: int) -> ResultRow:
    row = db.session.get(ResultRow, row_id)
    if row is None or row.measure_id != measure.id:
        abort(404)
    return row


@bp.route("/measures/<code>/rows/join", methods=["POST"])
def rows_join(code: str):
    """Put the selected items into a new row, or into the row chosen."""
    measure = _measure(code)
    keys = _keys("item")

    def apply(staff):
        target = parse_int(request.form.get("row"))
        if request.form.get("action") == "add" and target:
            added = rows.add_items(_row(measure, target), keys, **staff)
            return _("%(num)s items added to the row.", num=added)
        row = rows.create_row(measure, keys, **staff)
        return _("New row made with %(num)s items.", num=len(keys)) if row else ""

    return _change(measure, apply, "#loose")


@bp.route("/measures/<code>/rows/merge", methods=["POST"])
def rows_merge(code: str):
    """Merge the selected rows into the first of them."""
    measure = _measure(code)
    chosen = [_row(measure, n) for n in _keys("merge")]
    chosen.sort(key=lambda row: rows.rows_of(measure).index(row))

    def apply(staff):
        target = rows.merge_rows(chosen, **staff)
        return _("Rows merged.") if target else ""

    return _change(measure, apply)


@bp.route("/measures/<code>/rows/<int:row_id>", methods=["POST"])
def row_change(code: str, row_id: int):
    """One row's form: save its answer, split or remove selected items, move, delete."""
    measure = _measure(code)
    row = _row(measure, row_id)
    action = request.form.get("action", "save")
    selected = _keys("item")

    def apply(staff):
        if action == "split":
            rows.split_row(row, selected, **staff)
            return _("The selected items are now a row of their own.")
        if action == "remove":
            rows.remove_items(row, selected, **staff)
            return _("The selected items left the row.")
        if action in ("up", "down"):
            rows.move(row, -1 if action == "up" else 1, **staff)
            return _("Order changed.")
        if action == "delete":
            rows.delete_row(row, **staff)
            return _("Row deleted: its items wait for a row again.")
        if action == "repost":
            other = _row(measure, parse_int(request.form.get("repost_row")) or 0)
            for key in selected:
                item = db.session.get(OpinionItem, key)
                if item is None or item.row_id != row.id:
                    abort(404)
                rows.repost(item, other, **staff)
            return _("The selected items are shown in the other row as well (再掲).")
        changed = rows.answer(
            row,
            summary=request.form.get("summary", ""),
            category=request.form.get("category", ""),
            text_ja=request.form.get("text_ja", ""),
            part=request.form.get("part") or None,
            **staff,
        )
        return _("Saved.") if changed else _("Nothing changed.")

    return _change(measure, apply, f"#row-{row.id}")
