"""Getting the portal running: seed the outline, the all-in-one demo, the job worker."""

from __future__ import annotations

from datetime import timedelta

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade
from sqlalchemy import select

from portal.cli.staff import ensure_demo_accounts
from portal.database import utcnow
from portal.extensions import db
from portal.models import Measure
from portal.services.content.seed import seed_outline


def open_unscheduled_measures(days: int) -> int:
    """Open every measure that has no comment period yet, from now for `days` days."""
    now = utcnow().replace(second=0, microsecond=0)
    opened = 0
    reason = "Demonstration period set from the command line" if days < 30 else None
    for measure in db.session.scalars(select(Measure).where(Measure.opens_at.is_(None))):
        measure.open_period(now, now + timedelta(days=days), reason)
        opened += 1
    return opened


@click.command("seed")
@click.option(
    "--open-days", type=int, default=None, help="Open measures without a period for N days."
)
@with_appcontext
def seed_command(open_days: int | None) -> None:
    """Load the outline's areas, measures and glossary in every locale (idempotent)."""
    report = seed_outline()
    opened = open_unscheduled_measures(open_days) if open_days else 0
    db.session.commit()
    click.echo(
        f"Seed: {report.created} created, {report.updated} updated, {opened} comment periods opened."
    )


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
    report = seed_outline()
    opened = open_unscheduled_measures(30)
    demo_accounts = ensure_demo_accounts()
    db.session.commit()
    click.echo(
        f"Seed: {report.created} created, {report.updated} updated, {opened} periods opened."
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
