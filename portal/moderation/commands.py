"""`portal moderation ...`: moderation work run from the command line."""

from __future__ import annotations

import time

import click
from sqlalchemy import select

from portal.cli.progress import progress, quiet_option, shows_progress
from portal.database import utcnow
from portal.extensions import db
from portal.models import Measure
from portal.moderation import bp
from portal.services import audit
from portal.services.moderation.duplicates import RegroupResult, regroup_measure
from portal.services.resident.arrival import read_unanalysed


@bp.cli.command("regroup")
@click.option("--measure", "measure_code", help="Only this measure, e.g. 1-(1).")
@quiet_option
def regroup(measure_code: str | None, quiet: bool) -> None:
    """Recompute the automatic campaign groups (confirmed groups and manual moves stay), after
    reading the language and personal data of comments that arrived with no job queue."""
    query = select(Measure).order_by(*Measure.outline_order())
    if measure_code:
        query = query.where(Measure.code == measure_code)
    measures = db.session.scalars(query).all()
    if not measures:
        raise click.ClickException(f"no measure {measure_code}")
    started = time.perf_counter()
    total = RegroupResult()
    said: list[str] = []  # printed after the bar, which a line in between would break
    say = said.append if shows_progress(quiet) else click.echo
    with progress(len(measures), "Regrouping", quiet) as bar:
        for measure in measures:
            read = read_unanalysed(measure.id)
            if read:
                say(f"{measure.code}: language and personal data read for {read} comments")
            result = regroup_measure(measure.id)
            db.session.commit()
            for name in ("comments", "groups", "grouped_comments", "changed"):
                setattr(total, name, getattr(total, name) + getattr(result, name))
            if result.groups:
                say(
                    f"{measure.code}: {result.comments} comments, {result.groups} groups "
                    f"holding {result.grouped_comments}, {result.changed} moved"
                )
            bar.update(1)
    for line in said:
        click.echo(line)
    seconds = time.perf_counter() - started
    audit.record(
        "groups_regrouped",
        actor=None,
        ip=None,
        object_type="measure" if measure_code else None,
        object_id=measure_code,
        details={**total.__dict__, "seconds": round(seconds, 1)},
        now=utcnow(),
    )
    db.session.commit()
    click.echo(
        f"{total.comments} comments, {total.groups} groups holding {total.grouped_comments} "
        f"comments, {total.changed} moved, in {seconds:.1f} s"
    )
