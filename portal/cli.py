"""The `portal` command: database, seed content, demo server, backups and translations."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext
from flask_migrate import upgrade
from sqlalchemy import select

from portal.database import utcnow
from portal.extensions import db
from portal.models import Measure
from portal.models.staff import Role
from portal.services import audit
from portal.services.committee import figures
from portal.services.content import catalogs
from portal.services.content.seed import seed_outline
from portal.services.operations.backup import (
    BackupError,
    backup_database,
    default_backup_name,
    restore_database,
)
from portal.services.staff import accounts


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


def _read_password(prompt: str) -> str:
    """A password from the terminal (hidden, typed twice) or one line of stdin, never argv."""
    import sys

    if sys.stdin.isatty():
        return click.prompt(prompt, hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\r\n")


@click.command("create-user")
@click.option("--email", required=True, help="The staff member's email (their login).")
@click.option("--name", "display_name", default="", help="Name shown on staff screens.")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice([role.value for role in Role]),
    help="admin, moderator or committee; repeat for several.",
)
@with_appcontext
def create_user_command(email: str, display_name: str, roles: tuple[str, ...]) -> None:
    """Create a staff account. The password is read from a prompt or stdin, never from argv."""
    if accounts.find_user_by_email(email):
        raise click.ClickException(f"an account with the email {email} already exists")
    password = _read_password("Password")
    problems = accounts.password_problems(password, email=email, name=display_name)
    if problems:
        messages = {
            "too_short": f"use at least {accounts.PASSWORD_MIN_LENGTH} characters",
            "too_long": f"use at most {accounts.PASSWORD_MAX_LENGTH} characters",
            "too_common": "this password is too common or easy to guess",
        }
        raise click.ClickException("password refused: " + messages[problems[0]])
    now = utcnow()
    user = accounts.create_account(email, display_name, roles, now)
    accounts.set_password(user, password, now)
    audit.record(
        "account_created",
        object_type="staff_user",
        object_id=user.id,
        details={"email": user.email, "roles": sorted(user.role_set), "via": "command line"},
        now=now,
    )
    db.session.commit()
    click.echo(f"Created {user.email} with roles: {', '.join(sorted(user.role_set))}.")


DEMO_ACCOUNTS = (
    ("admin@demo.isesaki.example", "Demo admin", ("admin",), "demo-kanrisha-sekinin-2026"),
    (
        "moderator@demo.isesaki.example",
        "Demo moderator",
        ("moderator",),
        "demo-moderator-etsuran-2026",
    ),
    (
        "committee@demo.isesaki.example",
        "Demo committee",
        ("committee",),
        "demo-committee-iinkai-2026",
    ),
)


def ensure_demo_accounts() -> list[tuple[str, str, str]]:
    """One demo account per role (for `portal demo` only); returns (email, role, password)."""
    now = utcnow()
    shown = []
    for email, name, roles, password in DEMO_ACCOUNTS:
        user = accounts.find_user_by_email(email)
        if user is None:
            user = accounts.create_account(email, name, roles, now)
            accounts.set_password(user, password, now)
            audit.record(
                "account_created",
                object_type="staff_user",
                object_id=user.id,
                details={"email": email, "roles": list(roles), "via": "portal demo"},
                now=now,
            )
        shown.append((email, roles[0], password))
    return shown


@click.command("purge-contacts")
@click.option(
    "--older-than",
    "days",
    type=click.IntRange(min=0),
    default=365,
    show_default=True,
    help="Days after a measure's comment period closed.",
)
@click.option("--dry-run", is_flag=True, help="Only say what would be deleted.")
@with_appcontext
def purge_contacts_command(days: int, dry_run: bool) -> None:
    """Delete residents' contact details (and paper scans) after the retention period."""
    from portal.services.operations.retention import purge_contacts

    report = purge_contacts(
        utcnow(), days, current_app.config["PORTAL_UPLOAD_DIR"], dry_run=dry_run
    )
    for code in sorted(set(report.contacts) | set(report.scans)):
        click.echo(
            f"{code:8} {report.contacts.get(code, 0):6} contact details"
            f" {report.scans.get(code, 0):4} scans"
        )
    if dry_run:
        click.echo(f"Dry run: {report.total} items would be deleted. Nothing was changed.")
        return
    db.session.commit()
    click.echo(f"Deleted {report.total} items. The comments themselves are kept.")


@click.group("audit")
def audit_group() -> None:
    """The staff audit log."""


@audit_group.command("verify")
@with_appcontext
def audit_verify() -> None:
    """Recompute the audit log's hash chain; fail and name each record altered or removed."""
    report = audit.verify_chain()
    for problem in report.problems:
        click.echo(problem, err=True)
    if not report.intact:
        raise click.ClickException(f"audit log: {len(report.problems)} problem(s) found")
    click.echo(f"audit log intact: {report.checked} records, head hash {report.head_hash}")


@click.group("comments")
def comments_group() -> None:
    """Staff reports on comments (no contact details are ever printed)."""


@comments_group.command("languages")
@click.option("--measure", "measure_code", help="Only this measure, e.g. 1-(1).")
@click.option("--differing", is_flag=True, help="Only comments whose text is in another language.")
@with_appcontext
def comments_languages(measure_code: str | None, differing: bool) -> None:
    """Declared and detected language of each comment; ⚠ marks a confident mismatch."""
    reviews = figures.language_reviews(measure_code, only_differing=differing)
    for review in reviews:
        detected = f"{review.detected} ({review.confidence:.2f})" if review.detected else "?"
        flag = "⚠" if review.differs else " "
        click.echo(
            f"{flag} {review.receipt_number}  {review.measure_code:6} {review.status:13}"
            f" declared {review.declared:9} detected {detected:11} {review.excerpt}"
        )
    click.echo(f"{len(reviews)} comments")


@comments_group.command("figures")
@click.option("--measure", "measure_code", help="Only this measure, e.g. 1-(1).")
@with_appcontext
def comments_figures(measure_code: str | None) -> None:
    """Number of comments per measure and language (withdrawn comments not counted)."""
    for code, counts in sorted(figures.comments_by_language(measure_code).items()):
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        languages = ", ".join(f"{language} {count}" for language, count in ranked)
        click.echo(f"{code:6} {sum(counts.values()):5} comments: {languages}")


@click.group("translate")
def translate() -> None:
    """Translation workflow: extract messages and update every catalog."""


@translate.command("update")
def translate_update() -> None:
    """Extract messages from the code and templates, then merge them into all nine catalogs."""
    for line in catalogs.update_catalogs():
        click.echo(line)


@translate.command("check")
def translate_check() -> None:
    """Report untranslated or fuzzy messages per catalog; fail if any catalog is incomplete."""
    complete = True
    staff = [("staff " + s.catalog, s) for s in catalogs.catalog_stats("staff")]
    for label, stats in [(s.catalog, s) for s in catalogs.catalog_stats()] + staff:
        click.echo(
            f"{label:10} {stats.translated:4}/{stats.total} translated"
            f" ({stats.percent:.0f}%), {stats.fuzzy} fuzzy"
        )
        complete &= stats.complete
    if not complete:
        raise click.ClickException("some catalogs are incomplete")


@click.command("backup")
@click.argument("destination", required=False, type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(destination: Path | None) -> None:
    """Write a consistent backup of the database while the portal runs.

    SQLite: a copy made with the online backup API; PostgreSQL: pg_dump's custom format.
    Without DESTINATION it goes to instance/backups/ with the time in its name.
    """
    uri = current_app.config["SQLALCHEMY_DATABASE_URI"]
    if destination is None:
        stamp = utcnow().strftime("%Y%m%d-%H%M%SZ")
        destination = Path(current_app.instance_path) / "backups" / default_backup_name(uri, stamp)
    try:
        written = backup_database(uri, destination)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Backup written: {written} ({written.stat().st_size:,} bytes)")


@click.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore_command(source: Path, yes: bool) -> None:
    """Replace everything in the database with the backup SOURCE (in one transaction)."""
    if not yes:
        click.confirm(
            f"Replace all comments, contacts and content with the backup {source}?", abort=True
        )
    db.session.remove()
    db.engine.dispose()  # no pooled connection keeps a lock or a view of the old data
    try:
        restore_database(current_app.config["SQLALCHEMY_DATABASE_URI"], source)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Restored from {source}.")


@click.command("export")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx", "pdf", "json"]), required=True)
@click.option("--measure", "measure", help="Only this measure, e.g. 1-(5) or 1-5.")
@click.option("--area", "area", help="Only this priority area, e.g. 2.")
@click.option(
    "--encoding",
    type=click.Choice(["utf-8", "cp932"]),
    default="utf-8",
    show_default=True,
    help="CSV only: cp932 for older systems (reports what it cannot write).",
)
@click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False))
@with_appcontext
def export_command(fmt: str, measure, area, encoding: str, output: str) -> None:
    """Write the committee's file (approved comments, redacted) for a measure, an area or all."""
    import getpass

    from portal.services.committee import summaries
    from portal.services.committee.exports.csv import CsvExport
    from portal.services.committee.exports.json import json_chunks
    from portal.services.committee.exports.pdf import write_pdf
    from portal.services.committee.exports.xlsx import TooManyRows, write_xlsx

    if measure and area:
        raise click.UsageError("give --measure or --area, not both")
    scope = summaries.resolve_scope(measure, area)
    if scope is None:
        raise click.BadParameter(f"no such {'measure' if measure else 'area'}: {measure or area}")
    if encoding != "utf-8" and fmt != "csv":
        raise click.UsageError("--encoding applies to CSV only")
    # The record is written first: a download that fails halfway was still asked for.
    audit.record(
        "committee_export",
        object_type="export",
        object_id=scope.key,
        details={
            "format": fmt,
            "via": "command line",
            "os_user": getpass.getuser(),
            "measures": list(scope.measure_codes) or "all",
            **({"encoding": encoding} if fmt == "csv" else {}),
        },
    )
    db.session.commit()
    written = None
    if fmt == "csv":
        export = CsvExport(scope, encoding)
        with open(output, "wb") as handle:
            for chunk in export.chunks():
                handle.write(chunk)
        written = export.rows_written
        if export.report.characters:
            report = export.report
            listed = len(report.rows)
            more = f" (the first {listed} listed)" if report.rows_affected > listed else ""
            click.echo(
                f"cp932: {report.characters} characters could not be encoded and were "
                f"written as '?', in {report.rows_affected} rows{more}:",
                err=True,
            )
            for line, receipt, lost in export.report.rows:
                click.echo(f"  row {line} ({receipt}): {lost}", err=True)
    elif fmt == "json":
        with open(output, "w", encoding="utf-8", newline="\n") as handle:
            for piece in json_chunks(scope):
                handle.write(piece)
    elif fmt == "xlsx":
        try:
            written = write_xlsx(scope, output)
        except TooManyRows as error:
            raise click.ClickException(
                f"{error.args[0]:,}+ comments do not fit in one Excel sheet: use --format csv"
            ) from error
    else:
        write_pdf(scope, output)
    click.echo(f"Wrote {output}" + (f" ({written} comments)" if written is not None else "") + ".")


def init_app(app) -> None:
    """Add the portal's commands to `flask`/`portal`."""
    for command in (
        seed_command,
        demo_command,
        worker_command,
        comments_group,
        translate,
        create_user_command,
        audit_group,
        purge_contacts_command,
        backup_command,
        restore_command,
        export_command,
    ):
        app.cli.add_command(command)


def _create_app():
    from portal import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app)
def main() -> None:
    """Isesaki City public comment portal."""
