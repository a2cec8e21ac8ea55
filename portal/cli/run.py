"""Getting the portal running: seed the outline, the all-in-one demo, the job worker."""

from __future__ import annotations

from datetime import timedelta

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade
from sqlalchemy import select

from portal.cli.staff import ensure_demo_accounts
from portal.database import JAPAN, utcnow
from portal.extensions import db
from portal.models import Measure
from portal.services import audit
from portal.services.content.seed import SeedReport, seed_outline


def open_unscheduled_measures(days: int) -> int:
    """Open every measure that has no comment period yet, from now for `days` days."""
    now = utcnow().replace(second=0, microsecond=0)
    opened = 0
    reason = "Demonstration period set from the command line" if days < 30 else None
    for measure in db.session.scalars(select(Measure).where(Measure.opens_at.is_(None))):
        measure.open_period(now, now + timedelta(days=days), reason)
        opened += 1
    return opened


def seed_and_audit(command: str, open_days: int | None = None) -> tuple[SeedReport, int]:
    """Seed the outline as `command`, open periods if asked, and write one audit record of the
    run (each text it overwrote has its own record, written by the seed)."""
    import getpass

    via = f"{command} (OS user {getpass.getuser()})"
    now = utcnow()
    report = seed_outline(via=via, now=now)
    opened = open_unscheduled_measures(open_days) if open_days else 0
    if report.changed or report.kept or opened:
        audit.record(
            "outline_seeded",
            object_type="outline",
            details={
                "via": via,
                "created": report.created,
                "updated": report.updated,
                "kept": [f"{k.object_type} {k.object_id} {k.locale}" for k in report.kept],
                "periods_opened": opened,
            },
            now=now,
        )
    return report, opened


def echo_seed_report(report: SeedReport, opened: int) -> None:
    """Say what the seed wrote and which admin-edited texts it kept, and why."""
    click.echo(
        f"Seed: {report.created} created, {report.updated} updated, {len(report.kept)} kept, "
        f"{opened} comment periods opened."
    )
    for line in report.updated_texts:
        click.echo(f"  updated {line}")
    if report.kept:
        click.echo(
            "Kept as an admin edited them (the outline's text differs; seeding never overwrites "
            "an admin's edit: change them on the admin screen if the outline's text should be used):"
        )
    for kept in report.kept:
        when = kept.edited_at.astimezone(JAPAN).strftime("%Y-%m-%d %H:%M")
        click.echo(
            f"  kept {kept.object_type} {kept.object_id} {kept.locale}: edited by "
            f"{kept.edited_by or 'an unknown account'} on {when} JST (audit record {kept.record_id})"
        )


@click.command("seed")
@click.option(
    "--open-days", type=int, default=None, help="Open measures without a period for N days."
)
@with_appcontext
def seed_command(open_days: int | None) -> None:
    """Load the outline's areas, measures and glossary in every locale (idempotent); texts an
    admin edited are kept, and every change is written to the audit log."""
    report, opened = seed_and_audit("portal seed", open_days)
    db.session.commit()
    echo_seed_report(report, opened)


def _demo_results(admin_email: str):
    """Publish the demo results (opinion items in rows) once, as the demo admin."""
    from portal.services.results.demo import seed_demo_results
    from portal.services.staff import accounts

    return seed_demo_results(accounts.find_user_by_email(admin_email), utcnow())


@click.command("demo")
@click.option("--port", type=int, default=5000, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
@with_appcontext
def demo_command(port: int, host: str) -> None:
    """Create or upgrade the database, seed the outline, open all measures for 30 days, and serve."""
    from werkzeug.serving import run_simple

    # One command, no worker to start: background jobs run in this process as they come.
    current_app.config["PORTAL_JOBS"] = "inline"
    upgrade()
    report, opened = seed_and_audit("portal demo", 30)
    demo_accounts = ensure_demo_accounts()
    demo_results = _demo_results(demo_accounts[0][0])
    db.session.commit()
    echo_seed_report(report, opened)
    if demo_results is not None:
        click.echo(
            f"Demo results of {demo_results.measure} published: {demo_results.people}人から"
            f"{demo_results.items}件 in {demo_results.rows} rows."
        )
    click.echo("Demo staff accounts (log in at /staff/login; demo only, never in production):")
    for email, role, password in demo_accounts:
        click.echo(f"  {role:10} {email:34} password: {password}")
    click.echo(f"Portal running on http://{host}:{port}/  (Ctrl+C to stop)")
    run_simple(host, port, current_app._get_current_object(), threaded=True)


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@with_appcontext
def worker_command(burst: bool) -> None:
    """Run background jobs from the Redis queue (REDIS_URL); start one or more per machine."""
    from portal.services import jobs

    if not current_app.config["PORTAL_JOBS_REDIS_URL"]:
        raise click.ClickException("REDIS_URL is not set: without it jobs run in the web process.")
    click.echo(f"Working the '{jobs.QUEUE_NAME}' queue (Ctrl+C to stop)")
    jobs.run_worker(current_app._get_current_object(), burst=burst)
