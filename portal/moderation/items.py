"""Splitting a comment into opinion items (意見): the moderator gives each sentence the number
of the item it belongs to (or none), and each item its part of the outline (該当箇所) and its
gist (要旨). Plain form fields: it works without JavaScript."""

from __future__ import annotations

import re

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.converters import parse_int
from portal.database import utcnow
from portal.extensions import db
from portal.models.moderation import CampaignGroup
from portal.moderation import bp
from portal.moderation.comment import comment_or_404
from portal.moderation.forms import ActionForm
from portal.services import actions
from portal.services.content import parts
from portal.services.results import items
from portal.staff_access import client_address, current_staff

# A sentence ends with a full stop (Japanese or not), a question or an exclamation mark, or a
# line break; what follows a sentence's last mark up to the next sentence stays with it. A
# Latin full stop ends one only before a space or the end ("3.5", "city.isesaki.jp" do not).
SENTENCE = re.compile(r"(?:[^。．！？!?.\n]|\.(?=\S))*(?:[。．！？!?.]+|\n|$)")
MAX_SLOTS = 12

ITEM_REFUSALS = {
    "results_published": _l(
        "The results of this measure are published: its items can no longer change."
    ),
    "not_approved": _l("Only an approved comment is split into items."),
    "no_items": _l("Give at least one sentence an item number."),
    "too_many": _l("Too many items."),
    "span_outside_text": _l("A part of the text was not found. Reload the page and try again."),
    "no_span": _l("Give at least one sentence an item number."),
    "unknown_part": _l("Choose the part of the outline each item is about."),
    "too_long": _l("The text is too long."),
    "not_in_group": _l("This comment is not in a campaign group."),
    "representative": _l(
        "This comment stands for its group: split it, and the group's items follow."
    ),
    "already_own_items": _l("This comment already has items of its own."),
}


def item_refusal(code: str) -> str:
    """Why an item could not change, in the moderator's language."""
    return str(ITEM_REFUSALS.get(code, _l("This change is not allowed.")))


def sentences(body: str) -> list[tuple[int, int]]:
    """The sentences of `body` as (start, end) offsets, blank ones left out."""
    found = []
    for match in SENTENCE.finditer(body):
        start, end = match.start(), match.end()
        while start < end and body[start].isspace():
            start += 1
        while end > start and body[end - 1].isspace():
            end -= 1
        if end > start:
            found.append((start, end))
    return found


def _assigned(body: str, written) -> list[int]:
    """Each sentence's item number as the comment's items stand now (1: not split yet)."""
    numbers = []
    for start, end in sentences(body):
        number = 0 if written else 1
        for item in written:
            if any(s < end and start < e for s, e in item.spans):
                number = item.position
                break
        numbers.append(number)
    return numbers


def part_choices(measure) -> list[tuple[str, str]]:
    """The parts of `measure` for a dropdown, labelled in Japanese (the staff's outline)."""
    return [(part.key, part.label("ja")) for part in parts.parts_for(measure)]


def _page(comment, status: int = 200, form_values: dict | None = None):
    written = items.items_of(comment)
    marks = sentences(comment.body)
    numbers = _assigned(comment.body, written)
    slots = max(1, min(MAX_SLOTS, len(marks)), len(written))
    by_position = {item.position: item for item in written}
    group = db.session.get(CampaignGroup, comment.group_id) if comment.group_id else None
    return (
        render_template(
            "moderation/items.html",
            comment=comment,
            sentences=[
                (index, comment.body[start:end], numbers[index])
                for index, (start, end) in enumerate(marks)
            ],
            slots=[
                (
                    n,
                    by_position[n].part if n in by_position else parts.proposed_or_default(comment),
                    (by_position[n].summary or "") if n in by_position else "",
                )
                for n in range(1, slots + 1)
            ],
            parts=part_choices(comment.measure),
            written=written,
            group=group,
            representative=group is not None and group.representative_comment_id == comment.id,
            form=ActionForm(),
            values=form_values or {},
        ),
        status,
    )


@bp.route("/comments/<receipt>/items")
def comment_items(receipt: str):
    """The page that splits a comment into items."""
    return _page(comment_or_404(receipt))


def _posted_items(comment) -> list[items.ItemInput]:
    """The items the form describes: each number's sentences, part and gist."""
    marks = sentences(comment.body)
    chosen: dict[int, list[list[int]]] = {}
    for index, (start, end) in enumerate(marks):
        raw = request.form.get(f"sentence-{index}", "0")
        number = parse_int(raw) or 0
        if 1 <= number <= MAX_SLOTS * 4:
            chosen.setdefault(number, []).append([start, end])
    return [
        items.ItemInput(
            spans=spans,
            part=request.form.get(f"part-{number}", ""),
            summary=request.form.get(f"summary-{number}", ""),
        )
        for number, spans in sorted(chosen.items())
    ]


@bp.route("/comments/<receipt>/items", methods=["POST"])
def comment_items_save(receipt: str):
    """Save the items (split, take a campaign member out, or make it one item again)."""
    comment = comment_or_404(receipt)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    staff = {"actor": current_staff(), "ip": client_address(), "now": utcnow()}
    action = request.form.get("action", "split")
    try:
        if action == "take_out":
            items.take_out(comment, **staff)
            message = _("The comment now has its own item. Split it further below.")
        elif action == "unsplit":
            items.unsplit(comment, **staff)
            message = _("The comment is one item again.")
        else:
            made = items.split(comment, _posted_items(comment), **staff)
            message = _("Saved: %(num)s items.", num=len(made))
        db.session.commit()
    except actions.Refused as refusal:
        db.session.rollback()
        flash(item_refusal(refusal.code), "error")
        return _page(comment, 409 if refusal.code == "results_published" else 422)
    flash(message, "message")
    return redirect(url_for("moderation.comment_items", receipt=comment.receipt_number), 303)
