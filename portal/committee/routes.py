"""The committee's pages: overview, a page per measure and per area, the comments behind every
figure, and the downloads."""

from __future__ import annotations

import os
import tempfile

from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from portal.committee import bp
from portal.committee.labels import DIMENSION_NAMES, STATE_NAMES, value_name
from portal.converters import int_arg, parse_int
from portal.extensions import db
from portal.models import Comment, CommentStatus, PriorityArea
from portal.services.committee import charts, summaries, themes
from portal.services.committee.exports import packs
from portal.services.committee.exports import pdf as pdf_export
from portal.services.committee.exports.csv import CsvExport, EncodingReport
from portal.services.committee.exports.json import json_chunks
from portal.services.committee.exports.pack import build_pack
from portal.services.committee.exports.xlsx import TooManyRows, write_xlsx
from portal.services.disclosure import committee_disclosures
from portal.services.staff_words import state_word
from portal.staff_access import audit_here, current_staff

PAGE_SIZE = 50
TERM_LIST_LIMIT = 200
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def _scope_from_args():
    scope = summaries.resolve_scope(request.args.get("measure"), request.args.get("area"))
    if scope is None:
        abort(404)
    return scope


def _figure_url(scope, state="received", by=None, value=None) -> str:
    """The list of the comments a figure counts."""
    args = dict(scope.params, state=state)
    if by:
        args.update(by=by, value=value if value not in (None, "") else summaries.NOT_GIVEN)
    return url_for("committee.comments", **args)


def _chart_items(dimension: str, counter) -> list[tuple[str, int]]:
    return [(value_name(dimension, v), n) for v, n in counter.most_common()]


def _charts(figures) -> dict:
    return {
        "states": charts.bar_chart(
            _("Comments by state"),
            [(str(STATE_NAMES[key]), n) for key, n in figures.states],
        ),
        **{
            dim: charts.bar_chart(str(DIMENSION_NAMES[dim]), _chart_items(dim, figures.by[dim]))
            for dim in figures.by
        },
        "reason": charts.bar_chart(
            str(DIMENSION_NAMES["reason"]), _chart_items("reason", figures.rejected_by_reason)
        ),
        "days": charts.day_chart(_("Comments received per day"), figures.per_day),
    }


def _rows(scope, figures) -> dict:
    """Each figure as (name, count, link to its comments), for the tables beside the charts."""
    names = summaries.group_names(scope, [gid for gid, _label, _n in figures.groups])
    rows = {
        "states": [
            (str(STATE_NAMES[key]), n, _figure_url(scope, key)) for key, n in figures.states
        ],
        "reason": [
            (value_name("reason", v), n, _figure_url(scope, "not_published", "reason", v))
            for v, n in figures.rejected_by_reason.most_common()
        ],
        "groups": [
            (
                _("Group %(n)s: %(text)s", n=gid, text=names[gid])
                if gid in names
                else _("Group %(n)s (no approved comment yet)", n=gid),
                n,
                _figure_url(scope, "live", "group", gid),
            )
            for gid, _label, n in figures.groups
        ],
        "days": [
            (day.isoformat(), n, _figure_url(scope, "received", "day", day.isoformat()))
            for day, n in figures.per_day
        ],
    }
    for dim, counter in figures.by.items():
        rows[dim] = [
            (value_name(dim, v), n, _figure_url(scope, "live", dim, v))
            for v, n in counter.most_common()
        ]
    return rows


def _page_context(scope) -> dict:
    figures = summaries.figures_for(scope)
    return {
        "scope": scope,
        "figures": figures,
        "charts": _charts(figures),
        "rows": _rows(scope, figures),
        "figure_url": _figure_url,
        "value_name": value_name,
        "dimension_names": DIMENSION_NAMES,
        "state_names": STATE_NAMES,
        "pdf_limit": pdf_export.WEB_LIMIT,
    }


@bp.route("/")
def overview():
    """Every measure's figures, and the whole outline's."""
    scope = summaries.scope_all()
    return render_template(
        "committee/overview.html", lines=summaries.overview(), **_page_context(scope)
    )


def _approved_page(scope, page: int):
    """One page of a scope's approved comments, each campaign group once (its first comment)."""
    firsts = (
        select(func.min(Comment.id))
        .where(Comment.status == CommentStatus.PUBLISHED, Comment.group_id.is_not(None))
        .where(summaries.in_scope(scope))
        .group_by(Comment.group_id)
    )
    query = (
        summaries.scoped_comments(scope, "published")
        .where(or_(Comment.group_id.is_(None), Comment.id.in_(firsts)))
        .with_only_columns(Comment.id)
    )
    pagination = db.paginate(query, page=page, per_page=PAGE_SIZE, error_out=False)
    ids = list(pagination.items)
    items = [d.fields for d in committee_disclosures(scope, only_ids=ids)] if ids else []
    return pagination, items


def _scope_page(scope, title: str, template: str, **extra):
    pagination, items = _approved_page(scope, int_arg("page", 1, minimum=1))
    return render_template(
        template,
        title=title,
        pack=build_pack(scope, with_terms=False),
        themes=themes.frequent_terms(scope),
        pagination=pagination,
        items=items,
        **_page_context(scope),
        **extra,
    )


@bp.route("/measures/<slug>")
def measure(slug: str):
    """One measure: figures, frequent terms and its approved comments."""
    found = summaries.find_measure(slug)
    if found is None or "(" in slug:
        abort(404)
    scope = summaries.scope_for_measure(found)
    title = f"{found.code} {found.text('ja').title}"
    return _scope_page(scope, title, "committee/scope.html", measure=found)


@bp.route("/areas/<int:number>")
def area(number: int):
    """One priority area: its measures' figures together, each comment once."""
    found = summaries.find_area(number)
    if found is None:
        abort(404)
    scope = summaries.scope_for_area(found)
    lines = [
        summaries.MeasureLine(m, summaries.figures_for(summaries.scope_for_measure(m)))
        for m in found.measures
    ]
    title = _("Priority area %(n)s: %(title)s", n=found.number, title=found.text("ja").title)
    return _scope_page(scope, title, "committee/scope.html", area=found, lines=lines)


@bp.route("/comments")
def comments():
    """The comments behind one figure: approved ones redacted, others as receipt numbers only."""
    scope = _scope_from_args()
    state = request.args.get("state", "received")
    by = request.args.get("by")
    value = request.args.get("value")
    if state not in summaries.STATES or (
        by and by not in summaries.DIMENSIONS and by not in ("day", "relisted")
    ):
        abort(404)
    query = summaries.scoped_comments(scope, state, by, value)
    page = int_arg("page", 1, minimum=1)
    pagination = db.paginate(query, page=page, per_page=PAGE_SIZE, error_out=False)
    rows = list(pagination.items)
    published_ids = [c.id for c in rows if c.status == CommentStatus.PUBLISHED]
    disclosed = (
        {
            d["receipt_number"]: d.fields
            for d in committee_disclosures(scope, only_ids=published_ids)
        }
        if published_ids
        else {}
    )
    listed = [
        {
            "receipt_number": c.receipt_number,
            "status": c.status,
            "measure_code": c.measure.code,
            "disclosed": disclosed.get(c.receipt_number),
        }
        for c in rows
    ]
    if by == "day":
        what = value or ""
    elif by == "relisted":
        what = _("Relisted from other measures")
    elif by:
        what = f"{DIMENSION_NAMES.get(by, '')} {value_name(by, value)}".strip()
        if by == "group":
            number = parse_int(value)
            name = summaries.group_names(scope, [number]).get(number) if number else None
            what = (
                _("Campaign group %(n)s: %(text)s", n=value, text=name)
                if name
                else _("Campaign group %(n)s", n=value)
            )
    else:
        what = ""
    return render_template(
        "committee/comments.html",
        scope=scope,
        state=state,
        state_name=STATE_NAMES[state],
        what=what,
        pagination=pagination,
        listed=listed,
        state_word=state_word,
    )


@bp.route("/terms")
def term_comments():
    """The approved comments that use one of the frequent terms."""
    scope = _scope_from_args()
    term = request.args.get("term", "").strip()[:40]
    if not term:
        abort(404)
    items = themes.comments_using(scope, term)
    return render_template(
        "committee/term.html",
        scope=scope,
        term=term,
        items=items[:TERM_LIST_LIMIT],
        total=len(items),
        limit=TERM_LIST_LIMIT,
        figure_url=_figure_url,
        value_name=value_name,
    )


# --- downloads -----------------------------------------------------------------------------


def _filename(scope, fmt: str) -> str:
    return f"committee-{scope.key}.{fmt}"


def _audit_download(scope, fmt: str, **details) -> None:
    audit_here(
        "committee_export",
        "export",
        scope.key,
        format=fmt,
        measures=list(scope.measure_codes) or "all",
        **details,
    )
    db.session.commit()


@bp.route("/export/<fmt>")
def export(fmt: str):
    """A download of one measure, one area or everything (audited before a byte is sent)."""
    if fmt not in FORMATS:
        abort(404)
    scope = _scope_from_args()
    encoding = request.args.get("encoding", "utf-8")
    if fmt == "csv" and encoding not in ("utf-8", "cp932"):
        abort(404)
    if fmt == "pdf" and summaries.approved_count(scope) > pdf_export.WEB_LIMIT:
        # Too long to lay out within a request: made on the job queue, offered when ready.
        token = packs.request_pack(scope, fmt, current_staff().id)
        _audit_download(scope, fmt, made_in_background=True)
        return redirect(url_for("committee.pack", token=token))
    _audit_download(scope, fmt, **({"encoding": encoding} if fmt == "csv" else {}))
    headers = {"Content-Disposition": f'attachment; filename="{_filename(scope, fmt)}"'}
    if fmt == "csv":
        # content_type, not mimetype: Werkzeug adds "; charset=utf-8" to a text/* mimetype,
        # which would name two charsets for the cp932 file.
        charset = "Windows-31J" if encoding == "cp932" else "utf-8"
        body = CsvExport(scope, encoding).chunks()
        return Response(
            stream_with_context(body), content_type=f"text/csv; charset={charset}", headers=headers
        )
    if fmt == "json":
        body = (piece.encode() for piece in json_chunks(scope))
        return Response(stream_with_context(body), mimetype=FORMATS[fmt], headers=headers)
    # XLSX and PDF are written whole (a zip, a laid-out document) to a temporary file, then
    # sent in pieces; the file goes once sent or abandoned.
    handle, path = tempfile.mkstemp(suffix=f".{fmt}", prefix="committee-")
    os.close(handle)
    try:
        if fmt == "xlsx":
            write_xlsx(scope, path)
        else:
            pdf_export.write_pdf(scope, path)
    except TooManyRows:
        os.remove(path)
        flash(
            _("This is more comments than an Excel sheet can hold. Download the CSV instead."),
            "error",
        )
        return redirect(url_for("committee.overview"))
    except Exception:
        os.remove(path)
        raise
    headers["Content-Length"] = str(os.path.getsize(path))
    return Response(_file_pieces(path), mimetype=FORMATS[fmt], headers=headers)


def _file_pieces(path: str):
    try:
        with open(path, "rb") as handle:
            while piece := handle.read(64 * 1024):
                yield piece
    finally:
        os.remove(path)


def _own_pack(token: str) -> dict:
    order = packs.status(token)
    if order is None or order["staff_id"] != current_staff().id:
        abort(404)
    return order


@bp.route("/packs/<token>")
def pack(token: str):
    """A meeting pack being made: the page looks again every few seconds until it is ready."""
    order = _own_pack(token)
    scope = summaries.resolve_scope(order["scope"].get("measure"), order["scope"].get("area"))
    if scope is None:
        abort(404)
    return render_template("committee/pack.html", token=token, order=order, scope=scope)


@bp.route("/packs/<token>/file")
def pack_file(token: str):
    """The finished meeting pack (its order was audited when it was made)."""
    order = _own_pack(token)
    path = packs.file_path(token, order["format"])
    if order["state"] != "ready" or not path.exists():
        abort(404)
    return send_file(
        path,
        mimetype=FORMATS[order["format"]],
        as_attachment=True,
        download_name=f"committee-{order['scope_key']}.{order['format']}",
    )


@bp.route("/export/cp932-check")
def cp932_check():
    """Before a cp932 download: which rows hold characters cp932 cannot write."""
    scope = _scope_from_args()
    export = CsvExport(scope, "cp932")
    for _chunk in export.chunks():
        pass
    report: EncodingReport = export.report
    return render_template(
        "committee/cp932_check.html", scope=scope, report=report, rows=export.rows_written
    )


@bp.app_template_global()
def committee_areas():
    """The priority areas, for the committee's navigation."""
    return db.session.scalars(select(PriorityArea).order_by(PriorityArea.number)).all()
