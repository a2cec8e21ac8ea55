"""The database's data as a whole: backups and restore, deleting residents' contact details
after the retention period, and the committee's files."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from portal.cli.progress import progress, progress_for_total, quiet_option, shows_progress
from portal.database import utcnow
from portal.extensions import db
from portal.services import audit
from portal.services.operations.backup import (
    BackupError,
    backup_database,
    default_backup_name,
    restore_database,
)


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
@quiet_option
@with_appcontext
def purge_contacts_command(days: int, dry_run: bool, quiet: bool) -> None:
    """Delete residents' contact details (and paper scans) after the retention period."""
    from portal.services.operations.retention import purge_contacts

    with progress_for_total("Deleting", quiet) as on_step:
        report = purge_contacts(
            utcnow(),
            days,
            current_app.config["PORTAL_UPLOAD_DIR"],
            dry_run=dry_run,
            progress=on_step,
        )
    for code in sorted(set(report.contacts) | set(report.scans) | set(report.subscriptions)):
        click.echo(
            f"{code:8} {report.contacts.get(code, 0):6} contact details"
            f" {report.scans.get(code, 0):4} scans"
            f" {report.subscriptions.get(code, 0):4} e-mail notices"
        )
    if dry_run:
        click.echo(f"Dry run: {report.total} items would be deleted. Nothing was changed.")
        return
    db.session.commit()
    click.echo(f"Deleted {report.total} items. The comments themselves are kept.")


@click.command("backup")
@click.argument("destination", required=False, type=click.Path(dir_okay=False, path_type=Path))
@quiet_option
@with_appcontext
def backup_command(destination: Path | None, quiet: bool) -> None:
    """Write a consistent backup of the database while the portal runs.

    SQLite: a copy made with the online backup API; PostgreSQL: pg_dump's custom format.
    Without DESTINATION it goes to instance/backups/ with the time in its name.
    """
    uri = current_app.config["SQLALCHEMY_DATABASE_URI"]
    if destination is None:
        stamp = utcnow().strftime("%Y%m%d-%H%M%SZ")
        destination = Path(current_app.instance_path) / "backups" / default_backup_name(uri, stamp)
    try:
        with progress_for_total("Backing up", quiet) as on_step:
            written = backup_database(uri, destination, progress=on_step)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Backup written: {written} ({written.stat().st_size:,} bytes)")


@click.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@quiet_option
@with_appcontext
def restore_command(source: Path, yes: bool, quiet: bool) -> None:
    """Replace everything in the database with the backup SOURCE (in one transaction)."""
    if not yes:
        click.confirm(
            f"Replace all comments, contacts and content with the backup {source}?", abort=True
        )
    db.session.remove()
    db.engine.dispose()  # no pooled connection keeps a lock or a view of the old data
    try:
        with progress_for_total("Restoring", quiet) as on_step:
            restore_database(
                current_app.config["SQLALCHEMY_DATABASE_URI"], source, progress=on_step
            )
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
@quiet_option
@with_appcontext
def export_command(fmt: str, measure, area, encoding: str, output: str, quiet: bool) -> None:
    """Write the committee's file (approved comments, redacted) for a measure, an area or all."""
    import getpass

    from portal.services.committee import summaries
    from portal.services.committee.exports import approved_in_scope
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
    total = approved_in_scope(scope) if shows_progress(quiet) and fmt in ("csv", "json") else 0
    if fmt == "csv":
        export = CsvExport(scope, encoding)
        with open(output, "wb") as handle, progress(total, "Writing", quiet) as bar:
            done = 0
            for chunk in export.chunks():
                handle.write(chunk)
                bar.update(export.rows_written - done)
                done = export.rows_written
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
        with (
            open(output, "w", encoding="utf-8", newline="\n") as handle,
            progress(total, "Writing", quiet) as bar,
        ):
            for number, piece in enumerate(json_chunks(scope)):
                handle.write(piece)
                if number and number % 500 == 0:  # the first piece is the head, not a comment
                    bar.update(500)
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
